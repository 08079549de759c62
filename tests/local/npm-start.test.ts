/**
 * `npm start` as the owner runs it, on ports other than the defaults and with a clinic of
 * its own: the clinic's details reach the page, the emails and the previews, and the CLI
 * run exactly as the banner prints it finds the stack through the ports it recorded.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../scripts/course/cli.js';
import { createContext } from '../../scripts/course/wiring.js';
import {
  confirmLinkLife,
  LOCAL_PORT_DEFAULTS,
  readLocalStackRecord,
  removeLocalStackRecord,
  writeLocalStackRecord,
} from '../../scripts/local-config.js';
import { Buffer } from '../cli/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const clinicName = 'Hilltop Sports Therapy';
const postalAddress = '3 Hill Road, Hilltop, HT1 1AA, United Kingdom';

let dir: string;
let child: ChildProcess;
const output = { stdout: '', stderr: '' };
const ports: Record<'PORT' | 'DYNAMODB_PORT' | 'INBOX_PORT', string> = {
  PORT: '',
  DYNAMODB_PORT: '',
  INBOX_PORT: '',
};
/** What the owner's shell holds: none of the ports, only where the record goes (kept out of .local-data). */
let ownerEnv: NodeJS.ProcessEnv;

async function freePort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return String(port);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out waiting for ${what}\n${output.stdout}\n${output.stderr}`);
}

/** `npm run course -- <args>` in a shell of its own, with no port variables. */
function course(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/course.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: ownerEnv,
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface StoredEmail {
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

async function inbox(address: string): Promise<StoredEmail[]> {
  // A fresh connection: the emulator drops idle ones while the CLI runs in between.
  const res = await fetch(`http://localhost:${ports.INBOX_PORT}/store`, { headers: { connection: 'close' } });
  const { emails } = (await res.json()) as { emails: StoredEmail[] };
  return emails.filter((e) => e.destination.to.includes(address));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'npm-start-'));
  const config = JSON.parse(readFileSync(join(root, 'course.config.json'), 'utf8'));
  writeFileSync(join(dir, 'course.config.json'), JSON.stringify({ ...config, clinicName, postalAddress }));
  for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
  const { PORT: _p, DYNAMODB_PORT: _d, INBOX_PORT: _i, COURSE_CONFIG: _c, ...rest } = process.env;
  ownerEnv = { ...rest, LOCAL_STACK_FILE: join(dir, 'local-stack.json') };
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: { ...ownerEnv, ...ports, COURSE_CONFIG: join(dir, 'course.config.json'), COURSE_DAY_SECONDS: '20' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output.stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output.stderr += chunk;
  });
  await waitFor('the start banner', async () => (output.stdout.includes('Press Ctrl-C') ? true : undefined));
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGINT');
    await once(child, 'exit');
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start with a clinic of its own on other ports', () => {
  it('runs on ports other than the defaults', () => {
    expect(Number(ports.DYNAMODB_PORT)).not.toBe(LOCAL_PORT_DEFAULTS.DYNAMODB_PORT);
    expect(Number(ports.INBOX_PORT)).not.toBe(LOCAL_PORT_DEFAULTS.INBOX_PORT);
  });

  it('prints the clinic, the inbox page and how long a confirmation link lasts at this speed', () => {
    expect(output.stdout).toContain(`Clinic           ${clinicName}`);
    expect(output.stdout).toContain(`Inbox            http://localhost:${ports.PORT}/_local/inbox`);
    expect(output.stdout).toContain('Confirm links    valid for 7 course days (about 2.3 real minutes)');
  });

  it("shows the clinic's name on the sign-up page, in the confirmation email and in the previews", async () => {
    const page = await (await fetch(`http://localhost:${ports.PORT}/`)).text();
    const res = await fetch(`http://localhost:${ports.PORT}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'reader@example.com', timeZone: 'Europe/London' }),
      redirect: 'manual',
    });
    const [confirmation] = await waitFor('the confirmation email', async () => {
      const found = await inbox('reader@example.com');
      return found.length > 0 ? found : undefined;
    });
    const preview = await (await fetch(`http://localhost:${ports.PORT}/_preview/email/lesson-2.html`)).text();

    expect(res.status).toBe(303);
    expect(page).toContain(clinicName);
    expect(confirmation?.body.text).toContain(clinicName);
    expect(preview).toContain(clinicName);
    expect(preview).not.toContain('Riverside');
  });

  it('lets the CLI, run as the banner prints it, find the stack on its ports', () => {
    const { code, stdout, stderr } = course('stats', '--json');

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).funnel[0]).toMatchObject({ key: 'signedUp', count: 1 });
  });

  it('sends a test with the clinic of the running stack and says who gets it and where to see it', async () => {
    const { code, stdout } = course('send-test', 'lesson-1', 'owner@clinic.example');

    expect(code).toBe(0);
    expect(stdout).toContain('Sent a test of lesson-1 to owner@clinic.example');
    expect(stdout).toContain(`See it in the local inbox: http://localhost:${ports.PORT}/_local/inbox`);
    const [test] = await inbox('owner@clinic.example');
    expect(test?.body.text).toContain(clinicName);
  });

  it('removes its record when it stops, so the CLI no longer looks there', async () => {
    const record = join(dir, 'local-stack.json');
    expect(JSON.parse(readFileSync(record, 'utf8')).ports.dynamodb).toBe(Number(ports.DYNAMODB_PORT));

    child.kill('SIGINT');
    const [code] = await once(child, 'exit');

    expect(code).toBe(0);
    expect(existsSync(record)).toBe(false);
  });
});

describe('confirmLinkLife', () => {
  it.each([
    [30, '7 course days (about 3.5 real minutes)'],
    [5, '7 course days (about 35 real seconds)'],
    [3600, '7 course days (about 7 real hours)'],
    [86_400, '7 days (real time)'],
  ])('at %i real seconds per course day says %s', (seconds, text) => {
    expect(confirmLinkLife(seconds)).toBe(text);
  });
});

describe('the record of the running stack', () => {
  let recordDir: string;
  const file = () => join(recordDir, 'record.json');
  beforeAll(() => {
    recordDir = mkdtempSync(join(tmpdir(), 'stack-record-'));
  });
  afterAll(() => {
    rmSync(recordDir, { recursive: true, force: true });
  });
  const record = (pid: number, dynamodb: number) => ({ pid, ports: { site: 3999, dynamodb, inbox: 8999 } });

  it('is read while its process runs, and ignored once it has ended or when it is not valid', () => {
    const ended = spawnSync(process.execPath, ['-e', '']).pid as number;

    writeLocalStackRecord(record(process.pid, 8123), file());
    expect(readLocalStackRecord(file())?.ports.dynamodb).toBe(8123);
    writeLocalStackRecord(record(ended, 8123), file());
    expect(readLocalStackRecord(file())).toBeUndefined();
    writeFileSync(file(), '{"pid": "me"}');
    expect(readLocalStackRecord(file())).toBeUndefined();
  });

  it('is removed only by the process that wrote it', () => {
    writeLocalStackRecord(record(process.pid, 8123), file());

    removeLocalStackRecord(process.pid + 1, file());
    expect(existsSync(file())).toBe(true);
    removeLocalStackRecord(process.pid, file());
    expect(existsSync(file())).toBe(false);
  });

  it('points the CLI at the recorded ports, unless a port variable is given to the CLI itself', async () => {
    const recorded = Number(await freePort());
    const given = Number(await freePort());
    writeLocalStackRecord(record(process.pid, recorded), file());
    const run = async (env: NodeJS.ProcessEnv) => {
      const out = new Buffer();
      const err = new Buffer();
      const io = { out, err, env, localStackFile: file(), localDataDir: recordDir };
      await main(['stats'], { out, err, context: (target) => createContext(target, io) });
      return err.text;
    };

    expect(await run({})).toContain(`Cannot reach DynamoDB at http://localhost:${recorded}`);
    expect(await run({ DYNAMODB_PORT: String(given) })).toContain(
      `Cannot reach DynamoDB at http://localhost:${given}`,
    );
  });
});
