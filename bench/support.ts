/**
 * Shared by the benchmark sections: statistics, an embedded DynamoDB (dynalite) whose
 * requests and request units are counted, realistic subscriber records, and fast seeding
 * with BatchWrite.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTable, DynamoSubscriberStore, dueShardOf } from '../functions/adapters/dynamo-store.js';
import { COUNTER, TABLE } from '../functions/contract.js';
import { course } from '../functions/core/course.js';
import { subscriberId } from '../functions/core/identity.js';
import type { Subscriber, SubscriberStatus } from '../functions/core/subscriber.js';
import { makeDynamoClients, startDynalite } from '../scripts/dev/dynalite.js';

/** The benchmarks' deployment key of the subscriber ids. */
export const BENCH_PSEUDONYM_KEY = 'bench-pseudonym-key-0123456789abcdef012345';

// ---------------------------------------------------------------- statistics

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Rounds for results.json: enough digits to mean something, no float noise. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

// ---------------------------------------------------------------- counted DynamoDB

/** What a set of DynamoDB requests cost, as DynamoDB bills it. */
export interface DynamoCounts {
  /** GetItem, BatchGetItem, Query and Scan requests. */
  reads: number;
  /** PutItem, UpdateItem and DeleteItem requests (conditional failures included). */
  writes: number;
  gets: number;
  batchGets: number;
  /** Keys asked for by GetItem and BatchGetItem (a missing item is billed too). */
  itemsRead: number;
  queries: number;
  scans: number;
  puts: number;
  updates: number;
  deletes: number;
  /** Writes refused by their condition (they are billed too). */
  conditionalFailures: number;
  /** Read request units: 1 per 4 KB strongly consistent, half that eventually consistent. */
  readUnits: number;
  /** Write request units on the table: 1 per KB of the larger of the old and new item. */
  tableWriteUnits: number;
  /** Write request units on the due index (put, delete, or both when the index key moves). */
  indexWriteUnits: number;
  /** Sum of ScannedCount / Count over the Query responses. */
  queryScanned: number;
  queryReturned: number;
}

const zeroCounts = (): DynamoCounts => ({
  reads: 0,
  writes: 0,
  gets: 0,
  batchGets: 0,
  itemsRead: 0,
  queries: 0,
  scans: 0,
  puts: 0,
  updates: 0,
  deletes: 0,
  conditionalFailures: 0,
  readUnits: 0,
  tableWriteUnits: 0,
  indexWriteUnits: 0,
  queryScanned: 0,
  queryReturned: 0,
});

type Item = Record<string, unknown>;
interface IndexEntry {
  readonly key: string;
  readonly nextIndex: unknown;
}

function indexEntryOf(item: Item | undefined): IndexEntry | undefined {
  const shard = item?.[TABLE.dueIndex.partitionKey];
  const dueAt = item?.[TABLE.dueIndex.sortKey];
  if (shard === undefined || dueAt === undefined) return undefined;
  return { key: `${shard}\u0000${dueAt}`, nextIndex: item?.[TABLE.dueIndex.projected[0]] };
}

/** GSI write units of replacing `before` by `after` (index items are far below 1 KB). */
function indexWrites(before: IndexEntry | undefined, after: IndexEntry | undefined): number {
  if (!before && !after) return 0;
  if (!before || !after) return 1;
  if (before.key !== after.key) return 2;
  return before.nextIndex === after.nextIndex ? 0 : 1;
}

/**
 * Counts every request a document client sends, and asks DynamoDB (dynalite) for the
 * consumed capacity of each. dynalite reports table units only, so the due index's write
 * units are worked out here from a shadow of each item's index entry, by DynamoDB's
 * rules: one write to add or remove an index entry, two when its key changes, one when
 * only a projected attribute changes.
 */
export class DynamoCounter {
  #counts = zeroCounts();
  readonly #index = new Map<string, IndexEntry | undefined>();
  /** Counting pauses while false (seeding, checks); the index shadow is kept either way. */
  enabled = true;

  /** Patches `client.send`; call once per client. */
  attach(client: DynamoDBDocumentClient): void {
    const send = client.send.bind(client) as (command: unknown, ...rest: unknown[]) => Promise<unknown>;
    (client as unknown as { send: typeof send }).send = async (command, ...rest) =>
      this.#observe(command as { constructor: { name: string }; input: Item }, () => send(command, ...rest));
  }

  /** Records items written behind the counter's back (BatchWrite seeding). */
  noteItem(item: Item): void {
    this.#index.set(String(item.pk), indexEntryOf(item));
  }

  reset(): void {
    this.#counts = zeroCounts();
  }

  snapshot(): DynamoCounts {
    return { ...this.#counts };
  }

  async #observe(command: { constructor: { name: string }; input: Item }, send: () => Promise<unknown>) {
    const name = command.constructor.name;
    const counting = this.enabled;
    const c = this.#counts;
    if (counting) command.input.ReturnConsumedCapacity = 'INDEXES';
    const isWrite = name === 'PutCommand' || name === 'UpdateCommand' || name === 'DeleteCommand';
    const pk =
      name === 'PutCommand'
        ? String((command.input.Item as Item).pk)
        : String((command.input.Key as Item | undefined)?.pk);
    let output: Item;
    try {
      output = (await send()) as Item;
    } catch (error) {
      if (counting && isWrite && (error as Error).name === 'ConditionalCheckFailedException') {
        c.writes++;
        c.conditionalFailures++;
        c.tableWriteUnits += 1;
        if (name === 'PutCommand') c.puts++;
        else if (name === 'UpdateCommand') c.updates++;
        else c.deletes++;
      }
      throw error;
    }
    let indexUnits = 0;
    if (name === 'PutCommand') {
      const after = indexEntryOf(command.input.Item as Item);
      indexUnits = indexWrites(this.#index.get(pk), after);
      this.#index.set(pk, after);
    } else if (name === 'DeleteCommand') {
      indexUnits = indexWrites(this.#index.get(pk), undefined);
      this.#index.delete(pk);
    }
    if (!counting) return output;
    const units = Number((output.ConsumedCapacity as Item | undefined)?.CapacityUnits ?? 0);
    switch (name) {
      case 'GetCommand':
        c.reads++;
        c.gets++;
        c.itemsRead++;
        c.readUnits += units;
        break;
      case 'BatchGetCommand': {
        const asked = Object.values(command.input.RequestItems as Record<string, { Keys: unknown[] }>);
        const consumed = (output.ConsumedCapacity as Item[] | undefined) ?? [];
        c.reads++;
        c.batchGets++;
        c.itemsRead += asked.reduce((sum, t) => sum + t.Keys.length, 0);
        c.readUnits += consumed.reduce((sum, u) => sum + Number(u.CapacityUnits ?? 0), 0);
        break;
      }
      case 'QueryCommand':
        c.reads++;
        c.queries++;
        c.readUnits += units;
        c.queryScanned += Number(output.ScannedCount ?? 0);
        c.queryReturned += Number(output.Count ?? 0);
        break;
      case 'ScanCommand':
        c.reads++;
        c.scans++;
        c.readUnits += units;
        break;
      case 'PutCommand':
      case 'UpdateCommand':
      case 'DeleteCommand':
        c.writes++;
        if (name === 'PutCommand') c.puts++;
        else if (name === 'UpdateCommand') c.updates++;
        else c.deletes++;
        c.tableWriteUnits += units;
        c.indexWriteUnits += indexUnits;
        break;
    }
    return output;
  }
}

/** An embedded dynalite with the subscriber table, a store on it, and a request counter. */
export interface BenchDynamo {
  readonly client: DynamoDBClient;
  readonly docClient: DynamoDBDocumentClient;
  readonly store: DynamoSubscriberStore;
  readonly counter: DynamoCounter;
  readonly tableName: string;
  close(): Promise<void>;
}

export async function startBenchDynamo(tableName = 'bench-subscribers'): Promise<BenchDynamo> {
  const dynalite = await startDynalite();
  const { client, docClient } = makeDynamoClients(dynalite.endpoint);
  await createTable(client, tableName);
  const counter = new DynamoCounter();
  counter.attach(docClient);
  return {
    client,
    docClient,
    store: new DynamoSubscriberStore(docClient, tableName),
    counter,
    tableName,
    close: async () => {
      client.destroy();
      await dynalite.close();
    },
  };
}

// ---------------------------------------------------------------- subscribers

const userAgent =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const zones = [
  'Europe/London',
  'Europe/Berlin',
  'America/New_York',
  'America/Los_Angeles',
  'Australia/Sydney',
];

/** An SES-shaped message id (about 60 characters), so stored records have their real size. */
function sesMessageId(): string {
  const hex = randomBytes(28).toString('hex');
  return `0100019${hex.slice(0, 9)}-${hex.slice(9, 17)}-${hex.slice(17, 21)}-${hex.slice(21, 25)}-${hex.slice(25, 37)}-000000`;
}

export interface BenchSubscriberOptions {
  readonly status: SubscriberStatus;
  /** Emails of the sequence already sent (active: the index of the next one). @default 0 */
  readonly progress?: number;
  /** When the next email is due (active only). */
  readonly nextSendAt?: Date;
  /** Base time for the other timestamps. */
  readonly at: Date;
}

/** The address of bench subscriber `n` (never a real domain). */
export const benchAddress = (n: number, run = 'bench') => `reader${n}@${run}.example`;

/**
 * A subscriber record as the lifecycle and the sender leave it: consent, opt-in,
 * confirmation, the emails sent so far with their message ids and delivery counts.
 */
export function benchSubscriber(n: number, opts: BenchSubscriberOptions, run = 'bench'): Subscriber {
  const email = benchAddress(n, run);
  const at = opts.at.toISOString();
  const progress = opts.progress ?? 0;
  const sent: Record<string, { sentAt: string; messageId: string }> = {};
  const engagement: Record<string, { delivered: number }> = {};
  for (const email of course.sequence.slice(0, progress)) {
    sent[email.id] = { sentAt: at, messageId: sesMessageId() };
    engagement[email.id] = { delivered: 1 };
  }
  const confirmed = opts.status !== 'pending';
  const base: Subscriber = {
    id: subscriberId(email, BENCH_PSEUDONYM_KEY),
    email,
    firstName: n % 3 === 0 ? undefined : `Reader${n % 1000}`,
    timeZone: zones[n % zones.length] as string,
    status: opts.status,
    createdAt: at,
    consent: {
      at,
      ip: `203.0.113.${n % 250}`,
      userAgent,
      formUrl: 'https://clinic.example/knee-course',
      textVersion: course.consentTextVersion,
    },
    optInId: randomBytes(12).toString('base64url'),
    confirmationSentAt: at,
    ...(confirmed ? { confirmedAt: at } : {}),
    sent,
    ...(progress > 0 ? { engagement } : {}),
    version: 2 + progress,
  };
  if (opts.status === 'active') {
    const nextEmailId = course.sequence[progress]?.id as string;
    return { ...base, nextEmailId, nextSendAt: (opts.nextSendAt ?? opts.at).toISOString() };
  }
  if (opts.status === 'completed') return { ...base, completedAt: at };
  if (opts.status === 'unsubscribed') return { ...base, unsubscribedAt: at };
  return base;
}

/**
 * The DynamoDB item DynamoSubscriberStore writes for a record: the record, its key and,
 * while an email is due, the due-index keys. Seeding with BatchWrite needs the item
 * itself; each section checks a few seeded records back through the store.
 */
export function itemOf(subscriber: Subscriber, dueShards: number = TABLE.defaultDueShards): Item {
  const { nextEmailId, ...rest } = subscriber;
  const item: Item = { ...rest, pk: `SUB#${subscriber.id}` };
  for (const [key, value] of Object.entries(item)) if (value === undefined) delete item[key];
  // The next email's id is stored under the due index's projected attribute.
  if (nextEmailId !== undefined) item[TABLE.dueIndex.projected[0]] = nextEmailId;
  if (subscriber.status === 'active' && subscriber.nextSendAt && nextEmailId !== undefined) {
    item[TABLE.dueIndex.partitionKey] = String(dueShardOf(subscriber.id, dueShards));
    item[TABLE.dueIndex.sortKey] = subscriber.nextSendAt;
  }
  return item;
}

/** Writes items 25 to a BatchWrite, a few batches at a time, retrying unprocessed ones. */
export async function batchPut(dynamo: BenchDynamo, items: readonly Item[], parallel = 4): Promise<void> {
  const wasCounting = dynamo.counter.enabled;
  dynamo.counter.enabled = false;
  try {
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const chunk = items.slice(next, next + 25);
        next += 25;
        let pending: Item[] = chunk.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 5) throw new Error('BatchWrite kept leaving items unprocessed');
          const { UnprocessedItems } = await dynamo.docClient.send(
            new BatchWriteCommand({ RequestItems: { [dynamo.tableName]: pending } }),
          );
          pending = (UnprocessedItems?.[dynamo.tableName] ?? []) as Item[];
        }
        for (const item of chunk) dynamo.counter.noteItem(item);
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    dynamo.counter.enabled = wasCounting;
  }
}

/** Course counters consistent with a seeded population (as the write paths would have left them). */
export function countersFor(subscribers: readonly Subscriber[]): Record<string, number> {
  const counters: Record<string, number> = {};
  const add = (name: string, n = 1) => {
    counters[name] = (counters[name] ?? 0) + n;
  };
  for (const s of subscribers) {
    add(COUNTER.signedUp);
    add(COUNTER.confirmationsSent);
    if (s.confirmedAt) add(COUNTER.confirmed);
    if (s.status === 'completed') add(COUNTER.completed);
    if (s.status === 'unsubscribed') add(COUNTER.unsubscribed);
    if (s.status === 'bounced') add(COUNTER.bounced);
    if (s.status === 'complained') add(COUNTER.complained);
    for (const id of Object.keys(s.sent)) {
      add(COUNTER.sent(id));
      add(COUNTER.delivered(id));
    }
  }
  return counters;
}

/** Wall-clock milliseconds of `fn`. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

// ---------------------------------------------------------------- logs

/** Keys Powertools Logger adds to every line once a Lambda context is attached. */
const powertoolsKeys = {
  cold_start: false,
  function_arn:
    'arn:aws:lambda:us-east-1:123456789012:function:KneeCourse-DripEngineSenderFunction1A2B3C-AbCdEfGh1234',
  function_memory_size: '256',
  function_name: 'KneeCourse-DripEngineSenderFunction1A2B3C-AbCdEfGh1234',
  function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  sampling_rate: 0,
  xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
};

/**
 * A handler logger that writes nothing but counts the lines and the bytes they would
 * take in CloudWatch Logs as Powertools JSON (for the cost model), at Powertools' default
 * level, INFO: debug lines are dropped, as the Lambdas drop them.
 */
export class CountingLogger {
  lines = 0;
  bytes = 0;
  constructor(private readonly service: string) {}
  debug(_message: string, _attributes: Record<string, unknown> = {}): void {}
  info(message: string, attributes: Record<string, unknown> = {}): void {
    this.#count('INFO', message, attributes);
  }
  warn(message: string, attributes: Record<string, unknown> = {}): void {
    this.#count('WARN', message, attributes);
  }
  error(message: string, attributes: Record<string, unknown> = {}): void {
    this.#count('ERROR', message, attributes);
  }
  reset(): void {
    this.lines = 0;
    this.bytes = 0;
  }
  #count(level: string, message: string, attributes: Record<string, unknown>): void {
    const line = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service: this.service,
      ...powertoolsKeys,
      ...attributes,
    };
    this.lines++;
    this.bytes += JSON.stringify(line).length + 1;
  }
}
