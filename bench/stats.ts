/**
 * `course stats` with 100,000 subscribers: the command's own function (`runStats`, what
 * the CLI calls after building its context) against dynalite, timed end to end: the
 * counters read, the funnel built and the table formatted.
 */
import { COUNTER } from '../functions/contract.js';
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
  return {
    subscribers: table.total,
    ms: round(median(times), 2),
    p90Ms: round(percentile(times, 90), 2),
    runs,
    readsPerRun: dynamo.counter.snapshot().reads / runs,
    outputBytes,
  };
}
