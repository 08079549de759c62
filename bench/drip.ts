/**
 * Drip throughput: subscribers with a lesson due go through the sweep and the sender
 * (the same handler code the Lambdas run) against an embedded DynamoDB (dynalite) and a
 * mailer that accepts everything at once. Every DynamoDB request is counted, sweeps
 * included, and the store's own ceiling (versioned puts at the same concurrency) is
 * measured on the same dynalite in the same run.
 */

import { randomBytes } from 'node:crypto';
import { SystemClock } from '../functions/adapters/clock.js';
import type { Mailer, OutgoingEmail, Queue, SendRequest } from '../functions/core/ports.js';
import { sampleSettings } from '../functions/core/settings.js';
import type { Subscriber } from '../functions/core/subscriber.js';
import { LinkTokens } from '../functions/core/tokens.js';
import { createSenderHandler } from '../functions/handlers/sender.js';
import { createSweepHandler } from '../functions/handlers/sweep.js';
import { sqsBatch } from '../scripts/dev/sqs-event.js';
import {
  type BenchDynamo,
  batchPut,
  benchSubscriber,
  CountingLogger,
  type DynamoCounts,
  itemOf,
  mean,
  round,
  startBenchDynamo,
} from './support.js';

export interface DripBenchOptions {
  /** Subscribers with a lesson due in the measured run. @default 10000 */
  readonly subscribers?: number;
  /** Sender batches handled at once (Lambda instances). @default 8 */
  readonly concurrency?: number;
  /** Records per SQS batch (the event source's batch size). @default 10 */
  readonly batchSize?: number;
  /** Subscribers sent one batch at a time, to time the handler alone. @default 500 */
  readonly latencySubscribers?: number;
  /** Versioned puts for the store ceiling. @default 8000 */
  readonly storeWrites?: number;
}

export interface DripFigures {
  readonly subscribers: number;
  readonly concurrency: number;
  readonly batchSize: number;
  readonly emailsSent: number;
  readonly duplicates: number;
  readonly seconds: number;
  readonly emailsPerSecond: number;
  /** DynamoDB read requests per email (GetItem, and the sweep's Query pages amortised). */
  readonly readsPerEmail: number;
  /** DynamoDB write requests per email (PutItem, UpdateItem). */
  readonly writesPerEmail: number;
  /** Of readsPerEmail, the sweep's index queries. */
  readonly sweepQueriesPerEmail: number;
  readonly readUnitsPerEmail: number;
  readonly tableWriteUnitsPerEmail: number;
  readonly indexWriteUnitsPerEmail: number;
  readonly writeUnitsPerEmail: number;
  readonly conditionalFailures: number;
  readonly sweeps: number;
  readonly sweepMs: number;
  /** SendMessageBatch, ReceiveMessage and DeleteMessageBatch requests per email. */
  readonly sqsRequestsPerEmail: number;
  /** Sender invocations (SQS batches) per email. */
  readonly invocationsPerEmail: number;
  /** Sender handler time per batch, one batch at a time (the Lambda's billed duration here). */
  readonly handlerMsPerInvocation: number;
  readonly handlerMsPerEmail: number;
  readonly latencyBatchSize: number;
  readonly latencySubscribers: number;
  /** Log lines and bytes the sender and sweep write per email (Powertools JSON). */
  readonly logLinesPerEmail: number;
  readonly logBytesPerEmail: number;
  /** emailsPerSecond × writesPerEmail ÷ store.updatesPerSecond. */
  readonly storeUtilisation: number;
}

export interface StoreFigures {
  /** Mean of the runs before and after the drip. */
  readonly updatesPerSecond: number;
  readonly beforeDrip: number;
  readonly afterDrip: number;
  readonly concurrency: number;
  readonly writes: number;
  /** Records the puts cycle over. */
  readonly records: number;
}

/** Accepts every email at once; remembers what went to whom to catch duplicates. */
class NoopMailer implements Mailer {
  sent = 0;
  duplicates = 0;
  readonly #seen = new Set<string>();
  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const key = `${email.to}\u0000${email.tags.email ?? email.subject}`;
    if (this.#seen.has(key)) this.duplicates++;
    this.#seen.add(key);
    this.sent++;
    return { messageId: `0100019${randomBytes(26).toString('hex')}-000000` };
  }
}

/** An in-memory SQS: counts the requests SQS would bill for the same traffic. */
class BenchQueue implements Queue {
  readonly #messages: SendRequest[] = [];
  sendBatchRequests = 0;
  get length(): number {
    return this.#messages.length;
  }
  async enqueue(requests: readonly SendRequest[]): Promise<void> {
    // SqsQueue sends ten to a SendMessageBatch.
    this.sendBatchRequests += Math.ceil(requests.length / 10);
    this.#messages.push(...requests);
  }
  take(max: number): SendRequest[] {
    return this.#messages.splice(0, max);
  }
}

interface Drained {
  readonly invocations: number;
  readonly failures: number;
  readonly batchMs: readonly number[];
  readonly sweeps: number;
  readonly sweepMs: number;
}

/**
 * Sweeps, then lets `concurrency` workers take batches off the queue and run the sender
 * handler on each, until a sweep finds nothing more due (at most `maxSweeps`).
 */
async function runDrip(
  dynamo: BenchDynamo,
  mailer: NoopMailer,
  log: CountingLogger,
  concurrency: number,
  batchSize: number,
  maxSweeps = 10,
): Promise<Drained & { queue: BenchQueue }> {
  const clock = new SystemClock();
  const queue = new BenchQueue();
  const keyId = 'bench';
  const tokens = new LinkTokens({
    currentKeyId: keyId,
    keys: { [keyId]: randomBytes(32).toString('base64url') },
  });
  const settings = { ...sampleSettings, publicBaseUrl: 'https://course.clinic.example' };
  const sender = createSenderHandler({ store: dynamo.store, mailer, clock, settings, tokens, log });
  const sweep = createSweepHandler({ store: dynamo.store, queue, clock, log });
  const batchMs: number[] = [];
  let invocations = 0;
  let failures = 0;
  let sweeps = 0;
  let sweepMs = 0;

  const worker = async () => {
    for (let batch = queue.take(batchSize); batch.length > 0; batch = queue.take(batchSize)) {
      const started = performance.now();
      const response = await sender(sqsBatch(batch));
      batchMs.push(performance.now() - started);
      invocations++;
      failures += response.batchItemFailures.length;
    }
  };
  for (let i = 0; i < maxSweeps; i++) {
    const started = performance.now();
    const result = await sweep({});
    sweepMs += performance.now() - started;
    sweeps++;
    if (result.queued === 0) break;
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  return { queue, invocations, failures, batchMs, sweeps, sweepMs };
}

/**
 * Subscribers spread over the course (lesson 1 to the closing email), all due about a
 * minute ago, a millisecond apart: dynalite keys an index entry by the index key and only
 * six hex digits of a hash of the table key, so records with the same due time can hide
 * each other in its due index (DynamoDB itself has no such limit).
 */
function dueSubscribers(count: number, offset: number, run: string): Subscriber[] {
  const at = new Date();
  return Array.from({ length: count }, (_, i) => {
    const nextSendAt = new Date(at.getTime() - 60_000 - i);
    return benchSubscriber(offset + i, { status: 'active', progress: (offset + i) % 6, at, nextSendAt }, run);
  });
}

/** Versioned puts that move each record's due time, as the sender's record of a send does. */
async function storeCeiling(
  dynamo: BenchDynamo,
  concurrency: number,
  writes: number,
): Promise<{ updatesPerSecond: number; writes: number; records: number }> {
  const at = new Date();
  const later = (n: number) => new Date(at.getTime() + 365 * 86_400_000 + n * 1000);
  const records = Array.from({ length: Math.max(concurrency * 50, 2000) }, (_, i) =>
    benchSubscriber(i, { status: 'active', progress: i % 6, at, nextSendAt: later(i) }, 'ceiling'),
  );
  await batchPut(
    dynamo,
    records.map((r) => itemOf(r)),
  );
  let next = 0;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < writes) {
        const n = next++;
        const slot = n % records.length;
        const current = records[slot] as Subscriber;
        const updated: Subscriber = {
          ...current,
          nextSendAt: later(n).toISOString(),
          version: current.version + 1,
        };
        await dynamo.store.put(updated, current.version);
        records[slot] = updated;
        done++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { updatesPerSecond: done / seconds, writes: done, records: records.length };
}

/** Runs the store ceiling, a one-batch-at-a-time timing run, then the measured run. */
export async function runDripBench(
  options: DripBenchOptions = {},
): Promise<{ drip: DripFigures; store: StoreFigures }> {
  const subscribers = options.subscribers ?? 10_000;
  const concurrency = options.concurrency ?? 8;
  const batchSize = options.batchSize ?? 10;
  const latencySubscribers = options.latencySubscribers ?? 500;
  const dynamo = await startBenchDynamo();
  try {
    const storeWrites = options.storeWrites ?? 8000;
    // Untimed: the first few thousand requests of a process run before the JIT has warmed up.
    await storeCeiling(dynamo, concurrency, 2000);
    const before = await storeCeiling(dynamo, concurrency, storeWrites);

    // Handler time per batch with nothing else running: what one Lambda instance would bill.
    await batchPut(
      dynamo,
      dueSubscribers(latencySubscribers, 0, 'latency').map((s) => itemOf(s)),
    );
    const latencyMailer = new NoopMailer();
    const latency = await runDrip(dynamo, latencyMailer, new CountingLogger('drip-sender'), 1, batchSize);
    if (latencyMailer.sent !== latencySubscribers) {
      throw new Error(`timing run sent ${latencyMailer.sent} of ${latencySubscribers}`);
    }

    const population = dueSubscribers(subscribers, 0, 'drip');
    await batchPut(
      dynamo,
      population.map((s) => itemOf(s)),
    );
    const check = await dynamo.store.get((population[7] as Subscriber).id);
    if (check?.nextEmailId !== (population[7] as Subscriber).nextEmailId)
      throw new Error('seeding did not round-trip');

    const mailer = new NoopMailer();
    const log = new CountingLogger('drip-sender');
    dynamo.counter.reset();
    const started = performance.now();
    const run = await runDrip(dynamo, mailer, log, concurrency, batchSize);
    const seconds = (performance.now() - started) / 1000;
    const counts: DynamoCounts = dynamo.counter.snapshot();
    if (mailer.sent !== subscribers || run.failures > 0) {
      throw new Error(`sent ${mailer.sent} of ${subscribers} with ${run.failures} failed records`);
    }
    // Again after the drip, so drift on a shared machine shows and evens out.
    const after = await storeCeiling(dynamo, concurrency, storeWrites);
    const store: StoreFigures = {
      updatesPerSecond: round((before.updatesPerSecond + after.updatesPerSecond) / 2, 1),
      beforeDrip: round(before.updatesPerSecond, 1),
      afterDrip: round(after.updatesPerSecond, 1),
      concurrency,
      writes: before.writes + after.writes,
      records: before.records,
    };

    const per = (n: number) => round(n / mailer.sent, 4);
    const emailsPerSecond = mailer.sent / seconds;
    const writesPerEmail = counts.writes / mailer.sent;
    const handlerMsPerInvocation = mean(latency.batchMs);
    return {
      store,
      drip: {
        subscribers,
        concurrency,
        batchSize,
        emailsSent: mailer.sent,
        duplicates: mailer.duplicates,
        seconds: round(seconds, 2),
        emailsPerSecond: round(emailsPerSecond, 1),
        readsPerEmail: per(counts.reads),
        writesPerEmail: per(counts.writes),
        sweepQueriesPerEmail: per(counts.queries),
        readUnitsPerEmail: per(counts.readUnits),
        tableWriteUnitsPerEmail: per(counts.tableWriteUnits),
        indexWriteUnitsPerEmail: per(counts.indexWriteUnits),
        writeUnitsPerEmail: per(counts.tableWriteUnits + counts.indexWriteUnits),
        conditionalFailures: counts.conditionalFailures,
        sweeps: run.sweeps,
        sweepMs: round(run.sweepMs, 1),
        // Each batch: one ReceiveMessage, one DeleteMessageBatch; plus the sweep's SendMessageBatch calls.
        sqsRequestsPerEmail: per(run.queue.sendBatchRequests + 2 * run.invocations),
        invocationsPerEmail: per(run.invocations),
        handlerMsPerInvocation: round(handlerMsPerInvocation, 2),
        handlerMsPerEmail: round((handlerMsPerInvocation * latency.invocations) / latencyMailer.sent, 3),
        latencyBatchSize: round(latencyMailer.sent / latency.invocations, 2),
        latencySubscribers,
        logLinesPerEmail: per(log.lines),
        logBytesPerEmail: per(log.bytes),
        storeUtilisation: round((emailsPerSecond * writesPerEmail) / store.updatesPerSecond, 3),
      },
    };
  } finally {
    await dynamo.close();
  }
}
