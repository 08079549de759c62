/**
 * A large subscriber table for the sweep and stats sections: 100,000 subscribers in
 * every state, 1% with an email due now, and course counters that agree with them.
 * Seeded once per `npm run bench` and shared, since neither section changes it.
 */
import type { Subscriber, SubscriberStatus } from '../functions/core/subscriber.js';
import {
  type BenchDynamo,
  batchPut,
  benchSubscriber,
  countersFor,
  itemOf,
  startBenchDynamo,
  timed,
} from './support.js';

export interface LargeTable {
  readonly dynamo: BenchDynamo;
  readonly total: number;
  /** Active with an email due now. */
  readonly due: number;
  /** Active (due now or later): what the sparse due index should hold. */
  readonly active: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly seedMs: number;
}

/** Shares of the population by state, in thousandths; the rest is active and due later. */
const MIX: readonly (readonly [SubscriberStatus | 'due', number])[] = [
  ['due', 10],
  ['pending', 40],
  ['unsubscribed', 50],
  ['completed', 100],
  ['bounced', 5],
  ['complained', 1],
];

function stateOf(n: number): SubscriberStatus | 'due' | 'later' {
  let slot = n % 1000;
  for (const [state, share] of MIX) {
    if (slot < share) return state;
    slot -= share;
  }
  return 'later';
}

let shared: Promise<LargeTable> | undefined;

async function seed(total: number): Promise<LargeTable> {
  const dynamo = await startBenchDynamo('bench-large');
  const at = new Date();
  const byStatus: Record<string, number> = {};
  const subscribers: Subscriber[] = [];
  for (let n = 0; n < total; n++) {
    const state = stateOf(n);
    byStatus[state] = (byStatus[state] ?? 0) + 1;
    const progress = n % 6;
    if (state === 'due' || state === 'later') {
      // Due ones a minute ago; the others from an hour to a week ahead.
      const offset = state === 'due' ? -60_000 : 3_600_000 + (n % 168) * 3_600_000;
      subscribers.push(
        benchSubscriber(n, { status: 'active', progress, at, nextSendAt: new Date(at.getTime() + offset) }),
      );
    } else {
      subscribers.push(
        benchSubscriber(n, {
          status: state,
          progress: state === 'completed' ? 6 : state === 'pending' ? 0 : progress,
          at,
        }),
      );
    }
  }
  const { ms } = await timed(async () => {
    await batchPut(
      dynamo,
      subscribers.map((s) => itemOf(s)),
    );
    // The counters' own write path: one ADD of every counter.
    await dynamo.store.increment(countersFor(subscribers));
  });
  const sample = subscribers[12_345 % total] as Subscriber;
  const back = await dynamo.store.get(sample.id);
  if (back?.status !== sample.status || back.version !== sample.version) {
    throw new Error('seeded records do not read back through the store');
  }
  const due = byStatus.due ?? 0;
  return { dynamo, total, due, active: due + (byStatus.later ?? 0), byStatus, seedMs: ms };
}

/** The shared table, seeded on first use. */
export function largeTable(total = 100_000): Promise<LargeTable> {
  shared ??= seed(total);
  return shared;
}

/** Stops the shared table's dynalite, if one was started. */
export async function closeLargeTable(): Promise<void> {
  const table = shared;
  shared = undefined;
  if (table) await (await table).dynamo.close();
}
