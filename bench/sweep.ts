/**
 * Sweep scaling: with 100,000 subscribers of whom 1% are due, a sweep should read about
 * as many index entries as there are due subscribers, not the table. Counted twice: by
 * the sweep's own result and by the Query responses' ScannedCount and Count.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../functions/contract.js';
import { sweep } from '../functions/core/drip.js';
import type { Queue, SendRequest } from '../functions/core/ports.js';
import { largeTable } from './population.js';
import { median, round } from './support.js';

export interface SweepFigures {
  readonly subscribers: number;
  readonly due: number;
  /** Active subscribers (due now or later): what the sparse index should hold. */
  readonly active: number;
  /** Entries in the due index, counted with a Scan of the index. */
  readonly indexItems: number;
  /** Index entries the sweep read (its own result). */
  readonly itemsRead: number;
  readonly queued: number;
  /** Sum of the Query responses' ScannedCount and Count. */
  readonly queryScanned: number;
  readonly queryReturned: number;
  readonly queries: number;
  readonly readUnits: number;
  /** itemsRead ÷ due; 1 means only due subscribers were read. */
  readonly readRatio: number;
  /** queryScanned ÷ due. */
  readonly scannedRatio: number;
  readonly ms: number;
  readonly seedSeconds: number;
  /** Subscribers by state: `due` and `later` are active. */
  readonly byStatus: Readonly<Record<string, number>>;
}

/** Counts what the sweep queues and drops it: the table stays as it is for the next run. */
class CountingQueue implements Queue {
  queued = 0;
  async enqueue(requests: readonly SendRequest[]): Promise<void> {
    this.queued += requests.length;
  }
}

export async function runSweepBench(options: { runs?: number } = {}): Promise<SweepFigures> {
  const table = await largeTable();
  const { dynamo } = table;
  const clock = { now: () => new Date() };

  // What the sparse index holds: every active subscriber and nothing else.
  let indexItems = 0;
  dynamo.counter.enabled = false;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.docClient.send(
      new ScanCommand({
        TableName: dynamo.tableName,
        IndexName: TABLE.dueIndex.name,
        Select: 'COUNT',
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    indexItems += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  dynamo.counter.enabled = true;

  dynamo.counter.reset();
  const queue = new CountingQueue();
  const first = await sweep({ store: dynamo.store, queue, clock });
  const counts = dynamo.counter.snapshot();

  const times: number[] = [];
  for (let i = 0; i < (options.runs ?? 7); i++) {
    const started = performance.now();
    await sweep({ store: dynamo.store, queue: new CountingQueue(), clock });
    times.push(performance.now() - started);
  }

  return {
    subscribers: table.total,
    due: table.due,
    active: table.active,
    indexItems,
    itemsRead: first.itemsRead,
    queued: queue.queued,
    queryScanned: counts.queryScanned,
    queryReturned: counts.queryReturned,
    queries: counts.queries,
    readUnits: counts.readUnits,
    readRatio: round(first.itemsRead / table.due, 4),
    scannedRatio: round(counts.queryScanned / table.due, 4),
    ms: round(median(times), 1),
    seedSeconds: round(table.seedMs / 1000, 1),
    byStatus: table.byStatus,
  };
}
