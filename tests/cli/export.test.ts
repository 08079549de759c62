import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvCell, csvRow } from '../../scripts/course/csv.js';
import { exportColumns } from '../../scripts/course/export.js';
import { useDynalite } from '../support/dynalite.js';
import { subscriberId } from '../support/identity.js';
import { type Harness, makeHarness, patch, signUp, signUpAndConfirm } from './harness.js';

const db = useDynalite();

/** Parses RFC 4180 CSV (quoted cells, doubled quotes, CRLF) into rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

function records(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries((header ?? []).map((name, i) => [name, r[i] ?? ''])));
}

describe('course export', () => {
  let h: Harness;
  let dir: string;
  beforeEach(async () => {
    h = await makeHarness(db.clients);
    dir = await mkdtemp(join(tmpdir(), 'course-export-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every subscriber with consent and per-lesson progress', async () => {
    await signUpAndConfirm(h, 'jane@example.com', 'Jane');
    await patch(h, 'jane@example.com', {
      sent: { 'lesson-1': { sentAt: '2026-11-25T10:01:00.000Z', messageId: 'm1' } },
      engagement: { 'lesson-1': { delivered: 1, opened: 1, clicked: 0 } },
      nextEmailId: 'lesson-2',
      nextSendAt: '2026-11-27T08:00:00.000Z',
    });
    await signUp(h, 'joe@example.com', 'Joe');
    const file = join(dir, 'subscribers.csv');

    const code = await h.run('export', '--out', file);

    expect(code).toBe(0);
    expect(h.out.text).toBe(`Exported 2 subscribers to ${file}\n`);
    const text = await readFile(file, 'utf8');
    expect(parseCsv(text)[0]).toEqual(exportColumns);
    const byEmail = Object.fromEntries(records(text).map((r) => [r.email, r]));
    const jane = byEmail['jane@example.com'];
    expect(jane).toMatchObject({
      id: subscriberId('jane@example.com'),
      firstName: 'Jane',
      status: 'active',
      timeZone: 'Europe/London',
      createdAt: '2026-11-25T10:00:00.000Z',
      confirmedAt: '2026-11-25T10:00:00.000Z',
      consentIp: '203.0.113.7',
      consentUserAgent: 'Mozilla/5.0 (test)',
      consentFormUrl: 'https://clinic.example/knee',
      nextEmail: 'lesson-2',
      nextSendAt: '2026-11-27T08:00:00.000Z',
      'lesson-1.sentAt': '2026-11-25T10:01:00.000Z',
      'lesson-1.delivered': '1',
      'lesson-1.opened': '1',
      'lesson-2.sentAt': '',
    });
    expect(byEmail['joe@example.com']).toMatchObject({
      status: 'pending',
      firstName: 'Joe',
      confirmedAt: '',
    });
  });

  it('escapes quotes, commas and line breaks, and defuses spreadsheet formulas', async () => {
    await signUp(h, 'evil@example.com', '=HYPERLINK("http://x.example","click")');
    await patch(h, 'evil@example.com', {
      consent: {
        at: '2026-11-25T10:00:00.000Z',
        ip: '203.0.113.9',
        userAgent: 'Agent, with "quotes"\nand a second line',
        formUrl: '@SUM(A1)',
        textVersion: '+1',
      },
    });
    const file = join(dir, 'evil.csv');

    await h.run('export', '--out', file);

    const text = await readFile(file, 'utf8');
    const [row] = records(text);
    expect(row?.firstName).toBe(`'=HYPERLINK("http://x.example","click")`);
    expect(row?.consentUserAgent).toBe('Agent, with "quotes"\nand a second line');
    expect(row?.consentFormUrl).toBe(`'@SUM(A1)`);
    expect(row?.consentTextVersion).toBe(`'+1`);
    expect(text).toContain('"Agent, with ""quotes""\nand a second line"');
  });

  it('refuses to overwrite an existing file without --force, and overwrites with it', async () => {
    await signUp(h, 'jane@example.com');
    const file = join(dir, 'existing.csv');
    await writeFile(file, 'keep me');

    const refused = await h.run('export', '--out', file);

    expect(refused).toBe(2);
    expect(h.err.text).toContain('already exists; pass --force to overwrite it');
    expect(await readFile(file, 'utf8')).toBe('keep me');

    const forced = await h.run('export', '--out', file, '--force');

    expect(forced).toBe(0);
    expect(records(await readFile(file, 'utf8'))).toHaveLength(1);
  });

  it('creates the file readable by its owner only and leaves no partial file behind', async () => {
    await signUp(h, 'jane@example.com');
    const file = join(dir, 'private.csv');

    await h.run('export', '--out', file);

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).toEqual(['private.csv']);
  });

  it('prints one plain progress line when stderr is not a terminal', async () => {
    await signUp(h, 'jane@example.com');
    const file = join(dir, 'plain.csv');

    await h.run('export', '--out', file);

    expect(h.err.text).toBe(`Exporting subscribers to ${file}...\n`);
  });

  it('draws a progress bar in place when stderr is a terminal', async () => {
    const tty = await makeHarness(db.clients, { errIsTTY: true });
    for (const n of [1, 2, 3]) await signUp(tty, `reader${n}@example.com`);
    const file = join(dir, 'tty.csv');

    await tty.run('export', '--out', file);

    expect(tty.err.text).toContain('\r\x1b[2KExporting ');
    expect(tty.err.text).toContain('3 of ~3');
    expect(tty.err.text).toContain('█'.repeat(30));
    expect(tty.err.text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('needs --out, exit code 2', async () => {
    const code = await h.run('export');

    expect(code).toBe(2);
    expect(h.err.text).toContain('export needs --out FILE');
  });

  it('fails clearly when the folder does not exist, exit code 1', async () => {
    const code = await h.run('export', '--out', join(dir, 'missing', 'x.csv'));

    expect(code).toBe(1);
    expect(h.err.text).toMatch(/Cannot write .*x\.csv: no such folder/);
  });
});

describe('CSV cells', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=1+1', "'=1+1"],
    ['+44 20', "'+44 20"],
    ['-5', "'-5"],
    ['@cmd', "'@cmd"],
    ['\tTAB', "'\tTAB"],
    ['=A1,"x"', `"'=A1,""x"""`],
    ['', ''],
  ])('writes %j as %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('writes numbers as they are and missing values as empty cells', () => {
    expect(csvRow([3, undefined, null, 'x'])).toBe('3,,,x\r\n');
  });
});
