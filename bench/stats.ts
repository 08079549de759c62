/**
 * `course stats` with 100,000 subscribers: the command's own function (`runStats`, what
 * the CLI calls after building its context) against dynalite, timed end to end: the
 * counters read, the funnel built and the table formatted. Then `course report`'s reads
 * and page (`readFigures`, `renderReport`) on the same table with 90 days of day items.
 */
import { COUNTER } from '../functions/contract.js';
import { lastDays } from '../functions/core/counters.js';
import { REPORT_DAYS } from '../scripts/course/figures.js';
import { readFigures, renderReport } from '../scripts/course/report.js';
import { runStats } from '../scripts/course/stats.js';
import { largeTable } from './population.js';
import { median, percentile, round } from './support.js';

export interface StatsFigures {
  readonly subscribers: number;
  /** Median milliseconds of one `course stats`. */
  readonly ms: number;
  readonly p90Ms: number;
  readonly runs: number;
  /** DynamoDB reads one run makes. */
  readonly readsPerRun: number;
  /** Bytes of the printed table. */
  readonly outputBytes: number;
  /** Median milliseconds of the report's reads and page, and its p90. */
  readonly reportMs: number;
  readonly reportP90Ms: number;
  /** DynamoDB requests, items asked for and read units of one report. */
  readonly reportRequestsPerRun: number;
  readonly reportItemsPerRun: number;
  readonly reportReadUnitsPerRun: number;
  /** Bytes of the HTML page. */
  readonly reportBytes: number;
}

export async function runStatsBench(options: { runs?: number } = {}): Promise<StatsFigures> {
  const table = await largeTable();
  const { dynamo } = table;
  let outputBytes = 0;
  const ctx = {
    store: dynamo.store,
    out: {
      write: (chunk: string) => {
        outputBytes += Buffer.byteLength(chunk);
        return true;
      },
    },
  };

  const warm = await runStats(ctx);
  if (warm.counters[COUNTER.signedUp] !== table.total) {
    throw new Error(`stats counted ${warm.counters[COUNTER.signedUp]} sign-ups, expected ${table.total}`);
  }
  dynamo.counter.reset();
  const runs = options.runs ?? 25;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    outputBytes = 0;
    const started = performance.now();
    await runStats(ctx);
    times.push(performance.now() - started);
  }
  const readsPerRun = dynamo.counter.snapshot().reads / runs;

  // A course some months in: a day item for every day of the report (writes not counted).
  const clock = { now: () => new Date() };
  dynamo.counter.enabled = false;
  for (const [i, day] of lastDays(clock.now(), REPORT_DAYS).entries()) {
    await dynamo.store.increment(
      { [COUNTER.signedUp]: 40 + (i % 7), [COUNTER.confirmed]: 30, [COUNTER.unsubscribed]: 2 },
      new Date(`${day}T12:00:00Z`),
    );
  }
  dynamo.counter.enabled = true;
  const reportCtx = { store: dynamo.store, clock };
  dynamo.counter.reset();
  const reportTimes: number[] = [];
  let reportBytes = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const html = renderReport(await readFigures(reportCtx), { generatedAt: clock.now(), target: 'bench' });
    reportTimes.push(performance.now() - started);
    reportBytes = Buffer.byteLength(html);
  }
  const report = dynamo.counter.snapshot();
  return {
    subscribers: table.total,
    ms: round(median(times), 2),
    p90Ms: round(percentile(times, 90), 2),
    runs,
    readsPerRun,
    outputBytes,
    reportMs: round(median(reportTimes), 2),
    reportP90Ms: round(percentile(reportTimes, 90), 2),
    reportRequestsPerRun: report.reads / runs,
    reportItemsPerRun: report.itemsRead / runs,
    reportReadUnitsPerRun: round(report.readUnits / runs, 1),
    reportBytes,
  };
}
