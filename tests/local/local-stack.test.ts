import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { course } from '../../functions/core/course.js';
import { DATA_FILES, type LocalStack, PortInUseError, startLocalStack } from '../../scripts/local-stack.js';

const quick = { port: 0, dynamoPort: 0, inboxPort: 0, quiet: true, sweepIntervalMs: 100, retryDelayMs: 100 };

interface StoredEmail {
  destination: { to: string[] };
  subject: string;
  body: { html?: string };
}

async function emailsTo(stack: LocalStack, address: string): Promise<StoredEmail[]> {
  const { emails } = (await (await fetch(`${stack.urls.inbox}/store`)).json()) as { emails: StoredEmail[] };
  return emails.filter((e) => e.destination.to.includes(address));
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function signUp(stack: LocalStack, address: string): Promise<Response> {
  return fetch(`${stack.urls.site}/subscribe`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: address, firstName: 'Ada', timeZone: 'Europe/London' }),
    redirect: 'manual',
  });
}

function confirmLinkIn(stack: LocalStack, email: StoredEmail): string {
  const match = new RegExp(`href="(${stack.urls.site}/confirm\\?token=[^"]+)"`).exec(email.body.html ?? '');
  if (!match?.[1]) throw new Error('No confirm link');
  return match[1].replaceAll('&amp;', '&');
}

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

describe('the local stack', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({ ...quick, courseDaySeconds: 60 });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('serves the sign-up page', async () => {
    const res = await fetch(`${stack.urls.site}/`);

    expect(res.status).toBe(200);
    expect(await res.text()).toContain('knee pain');
  });

  it('serves the inbox page and the list of sent mail', async () => {
    const page = await fetch(`${stack.urls.inbox}/`);
    const store = await fetch(`${stack.urls.inbox}/store`);

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await store.json()).toHaveProperty('emails');
  });

  it('serves the email preview gallery', async () => {
    const res = await fetch(stack.urls.preview);

    expect(res.status).toBe(200);
    expect(await res.text()).toContain('lesson-1');
  });

  it('delivers the confirmation email of a sign-up to the local inbox', async () => {
    const address = 'smoke-signup@example.com';

    const res = await signUp(stack, address);

    expect(res.status).toBe(303);
    const [email] = await waitFor('the confirmation', async () => {
      const found = await emailsTo(stack, address);
      return found.length > 0 ? found : undefined;
    });
    expect(email?.subject).toBe(course.confirmation.subject);
    expect(confirmLinkIn(stack, email as StoredEmail)).toMatch(/^http:\/\/localhost:\d+\/confirm\?token=/);
  });

  it('suppresses an address when a bounce is simulated for it', async () => {
    const address = 'smoke-bounce@example.com';
    await signUp(stack, address);
    await waitFor('the confirmation', async () =>
      (await emailsTo(stack, address)).length ? true : undefined,
    );

    const res = await fetch(`${stack.urls.site}/_local/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'bounce', email: address }),
    });

    expect(res.status).toBe(202);
    const status = await waitFor('the bounce to be recorded', async () => {
      const s = (await stack.store.get(stack.idOf(address)))?.status;
      return s === 'bounced' ? s : undefined;
    });
    expect(status).toBe('bounced');
  });

  it('refuses cross-site posts to its local endpoints, changing nothing', async () => {
    const address = 'smoke-cross-site@example.com';
    await signUp(stack, address);
    await waitFor('the confirmation', async () =>
      (await emailsTo(stack, address)).length ? true : undefined,
    );
    const body = JSON.stringify({ type: 'complaint', email: address });
    const post = (headers: Record<string, string>, path = '/_local/simulate') =>
      fetch(`${stack.urls.site}${path}`, { method: 'POST', headers, body });

    const plain = await post({ 'content-type': 'text/plain' });
    const form = await post({ 'content-type': 'application/x-www-form-urlencoded' });
    const otherOrigin = await post({ 'content-type': 'application/json', origin: 'https://evil.example' });
    const crossSite = await post({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' });
    const unknown = await post(
      { 'content-type': 'text/plain', origin: 'https://evil.example' },
      '/_local/other',
    );

    expect([plain.status, form.status, otherOrigin.status, crossSite.status, unknown.status]).toEqual([
      415, 415, 403, 403, 403,
    ]);
    expect((await plain.json()).message).toBe('Send application/json');
    expect((await otherOrigin.json()).message).toContain('only the local site');
    expect((await stack.store.get(stack.idOf(address)))?.status).toBe('pending');

    const sameSite = await post({ 'content-type': 'application/json', origin: stack.urls.site });
    expect(sameSite.status).toBe(202);
    expect((await fetch(`${stack.urls.site}/health`)).status).toBe(200);
  });

  it('answers 404 when simulating for an address that was never mailed', async () => {
    const res = await fetch(`${stack.urls.site}/_local/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'complaint', email: 'never-mailed@example.com' }),
    });

    expect(res.status).toBe(404);
  });

  it('refuses a simulation without the JSON body, such as an address in the URL', async () => {
    const url = `${stack.urls.site}/_local/simulate?type=bounce&email=x%40example.com`;
    const bare = await fetch(url, { method: 'POST' });
    const empty = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' } });

    expect(bare.status).toBe(415);
    expect(empty.status).toBe(400);
  });
});

describe('the local stack with a data directory', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'knee-course-data-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps subscribers and link keys across restarts, so old links still work', async () => {
    const address = 'kept@example.com';
    const first = await startLocalStack({ ...quick, courseDaySeconds: 3600, dataDir: dir });
    let confirmUrl: string;
    try {
      await signUp(first, address);
      const [email] = await waitFor('the confirmation', async () => {
        const found = await emailsTo(first, address);
        return found.length > 0 ? found : undefined;
      });
      confirmUrl = confirmLinkIn(first, email as StoredEmail);
    } finally {
      await first.close();
    }
    const keysBefore = readFileSync(join(dir, DATA_FILES.linkKeys), 'utf8');

    const second = await startLocalStack({ ...quick, courseDaySeconds: 3600, dataDir: dir });
    try {
      expect((await second.store.get(second.idOf(address)))?.status).toBe('pending');
      expect(readFileSync(join(dir, DATA_FILES.linkKeys), 'utf8')).toBe(keysBefore);
      // The site may have moved to another port; the token is what matters.
      const token = new URL(confirmUrl).searchParams.get('token') ?? '';
      const res = await fetch(`${second.urls.site}/confirm`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
      });
      expect(res.status).toBe(200);
      expect((await second.store.get(second.idOf(address)))?.status).toBe('active');
    } finally {
      await second.close();
    }
  });

  it('never turns the course clock back across a restart', async () => {
    const first = await startLocalStack({ ...quick, courseDaySeconds: 1, dataDir: dir });
    first.clock.advance(30 * 86_400_000);
    const before = first.clock.now().getTime();
    await first.close();

    const second = await startLocalStack({ ...quick, courseDaySeconds: 1, dataDir: dir });
    try {
      expect(second.clock.now().getTime()).toBeGreaterThanOrEqual(before);
    } finally {
      await second.close();
    }
  });
});

describe('ports that are taken', () => {
  const taken: Server[] = [];

  afterEach(() => {
    for (const server of taken.splice(0)) server.close();
  });

  it.each([
    ['port', 'PORT'],
    ['dynamoPort', 'DYNAMODB_PORT'],
    ['inboxPort', 'INBOX_PORT'],
  ] as const)('names the port and the variable to change when %s is taken', async (option, envVar) => {
    const { server, port } = await occupy();
    taken.push(server);

    const attempt = startLocalStack({ ...quick, [option]: port });

    await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
    await expect(attempt).rejects.toThrow(new RegExp(`Port ${port} .*in use.*${envVar}=`));
  });

  it('makes npm start print the message and exit with code 1', async () => {
    const { server, port } = await occupy();
    taken.push(server);

    const { child, output } = runStart({ PORT: String(port), ...(await freePorts()) });
    const [code] = await once(child, 'exit');

    expect(code).toBe(1);
    expect(output.stderr).toContain(`Port ${port}`);
    expect(output.stderr).toContain('PORT=');
  });
});

describe('npm start', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('prints the URLs and stops cleanly on %s', async (signal) => {
    const ports = await freePorts();
    const site = await freePort();
    const { child, output } = runStart({ PORT: site, ...ports, COURSE_DAY_SECONDS: '20' });
    await waitFor('the start banner', async () =>
      output.stdout.includes('Press Ctrl-C') ? true : undefined,
    );

    child.kill(signal);
    const [code] = await once(child, 'exit');

    expect(code).toBe(0);
    expect(output.stdout).toContain(`Sign-up page     http://localhost:${site}/`);
    expect(output.stdout).toContain(`http://localhost:${ports.INBOX_PORT}/`);
    expect(output.stdout).toContain('/_preview/');
    expect(output.stdout).toContain('1 course day = 20 s');
    expect(output.stderr).toBe('');
  });
});

/** Runs `npm start`'s script with extra environment variables, collecting its output. */
function runStart(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    // Its record for the CLI goes to a file of the test's, not the developer's .local-data.
    env: { ...process.env, LOCAL_STACK_FILE: join(tmpdir(), `local-stack-${process.pid}.json`), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => {
    output.stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output.stderr += chunk;
  });
  return { child, output };
}

/** A port that was free a moment ago. */
async function freePort(): Promise<string> {
  const { server, port } = await occupy();
  await new Promise((resolve) => server.close(resolve));
  return String(port);
}

/** Ports for the emulators that were free a moment ago. */
async function freePorts(): Promise<{ DYNAMODB_PORT: string; INBOX_PORT: string }> {
  return { DYNAMODB_PORT: await freePort(), INBOX_PORT: await freePort() };
}
