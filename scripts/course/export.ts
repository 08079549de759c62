/** `course export --out FILE.csv`: every subscriber and their progress, as CSV. */
import { randomBytes } from 'node:crypto';
import { access, link, open, rename, unlink } from 'node:fs/promises';
import { COUNTER } from '../../functions/contract.js';
import { course } from '../../functions/core/course.js';
import { nextEmailFor } from '../../functions/core/progress.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import type { CourseContext, Output } from './context.js';
import { csvRow } from './csv.js';
import { CommandError, UsageError } from './errors.js';
import { bar, count } from './format.js';
import { scanPages } from './subscribers.js';

interface Column {
  readonly name: string;
  readonly value: (s: Subscriber) => string | number | undefined;
}

const columns: readonly Column[] = [
  { name: 'id', value: (s) => s.id },
  { name: 'email', value: (s) => s.email },
  { name: 'firstName', value: (s) => s.firstName },
  { name: 'status', value: (s) => s.status },
  { name: 'timeZone', value: (s) => s.timeZone },
  { name: 'createdAt', value: (s) => s.createdAt },
  { name: 'confirmationSentAt', value: (s) => s.confirmationSentAt },
  { name: 'confirmedAt', value: (s) => s.confirmedAt },
  { name: 'unsubscribedAt', value: (s) => s.unsubscribedAt },
  { name: 'suppressedAt', value: (s) => s.suppressedAt },
  { name: 'completedAt', value: (s) => s.completedAt },
  {
    name: 'nextEmail',
    value: (s) =>
      s.status === 'active' && s.nextEmailId !== undefined ? nextEmailFor(s.sent)?.id : undefined,
  },
  { name: 'nextSendAt', value: (s) => s.nextSendAt },
  { name: 'consentAt', value: (s) => s.consent?.at },
  { name: 'consentIp', value: (s) => s.consent?.ip },
  { name: 'consentUserAgent', value: (s) => s.consent?.userAgent },
  { name: 'consentFormUrl', value: (s) => s.consent?.formUrl },
  { name: 'consentTextVersion', value: (s) => s.consent?.textVersion },
  ...course.sequence.flatMap((e): Column[] => [
    { name: `${e.id}.sentAt`, value: (s) => s.sent[e.id]?.sentAt },
    { name: `${e.id}.delivered`, value: (s) => s.engagement?.[e.id]?.delivered ?? 0 },
    { name: `${e.id}.opened`, value: (s) => s.engagement?.[e.id]?.opened ?? 0 },
    { name: `${e.id}.clicked`, value: (s) => s.engagement?.[e.id]?.clicked ?? 0 },
  ]),
];

/** The CSV header line's column names, in order. */
export const exportColumns: readonly string[] = columns.map((c) => c.name);

/** One subscriber as a CSV line. */
export function subscriberRow(s: Subscriber): string {
  return csvRow(columns.map((c) => c.value(s)));
}

export interface ExportOptions {
  /** Path of the CSV file to write. */
  readonly out: string;
  /** Replace the file if it exists. */
  readonly force?: boolean;
}

/**
 * Writes every subscriber to a CSV file. The file appears only once complete (written
 * beside it under a temporary name, then moved), readable by its owner only, and an
 * existing file is kept unless `force`. Returns the number of subscribers written.
 */
export async function runExport(ctx: CourseContext, opts: ExportOptions): Promise<number> {
  if (!opts.force && (await exists(opts.out))) {
    throw new UsageError(`${opts.out} already exists; pass --force to overwrite it`, 'export');
  }
  const counters = await ctx.store.readCounters();
  // The counters are an estimate of the record count: good enough for a progress bar.
  const estimate = Math.max((counters[COUNTER.signedUp] ?? 0) - (counters[COUNTER.erased] ?? 0), 0);
  const progress = new Progress(ctx.err, estimate);
  const temporary = `${opts.out}.${randomBytes(4).toString('hex')}.partial`;
  const file = await open(temporary, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
    throw new CommandError(
      `Cannot write ${opts.out}: ${error.code === 'ENOENT' ? 'no such folder' : error.message}`,
    );
  });
  let written = 0;
  try {
    progress.start(opts.out);
    await file.write(csvRow(exportColumns));
    for await (const page of scanPages(ctx.store)) {
      if (page.length > 0) await file.write(page.map(subscriberRow).join(''));
      written += page.length;
      progress.update(written);
    }
    await file.close();
    if (opts.force) {
      await rename(temporary, opts.out);
    } else {
      // link() fails if the name was taken meanwhile, where rename() would overwrite it.
      await link(temporary, opts.out).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') {
          throw new UsageError(`${opts.out} already exists; pass --force to overwrite it`, 'export');
        }
        throw error;
      });
      await unlink(temporary);
    }
  } catch (error) {
    await file.close().catch(() => {});
    await unlink(temporary).catch(() => {});
    progress.abort();
    throw error;
  }
  progress.done();
  ctx.out.write(`Exported ${count(written)} subscriber${written === 1 ? '' : 's'} to ${opts.out}\n`);
  return written;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** A bar redrawn in place on a terminal; one plain line when stderr is a file or pipe. */
class Progress {
  constructor(
    private readonly err: Output,
    private readonly estimate: number,
  ) {}

  start(path: string): void {
    if (this.err.isTTY) this.update(0);
    else this.err.write(`Exporting subscribers to ${path}...\n`);
  }

  update(written: number): void {
    if (!this.err.isTTY) return;
    const total = Math.max(this.estimate, written);
    const of = total > 0 ? ` of ~${count(total)}` : '';
    const fraction = total > 0 ? written / total : 0;
    this.err.write(`\r\x1b[2KExporting ${bar(fraction, 30).padEnd(30, '·')} ${count(written)}${of}`);
  }

  done(): void {
    if (this.err.isTTY) this.err.write('\r\x1b[2K');
  }

  abort(): void {
    if (this.err.isTTY) this.err.write('\n');
  }
}
