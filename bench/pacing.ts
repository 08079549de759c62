/**
 * Sending at the SES limit: the sender handler (as the Lambda wires it: pacer, the
 * account's rate read through GetAccount, a batch in flight) runs as 1 to 8 concurrent
 * instances against an SES double that holds a quota and throttles above it, as SES
 * does (TooManyRequestsException). The store is in memory with DynamoDB's conditional
 * writes and a few ms per request: what is measured is the pace, not the store (the drip
 * section measures that), and one Node.js thread could not also run dynalite at 200/s.
 * Every email must be accepted exactly once.
 */
import { randomBytes } from 'node:crypto';
import { GetAccountCommand, type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SystemClock } from '../functions/adapters/clock.js';
import { sesAccountSendRate } from '../functions/adapters/ses-account.js';
import { SesMailer } from '../functions/adapters/ses-mailer.js';
import { course } from '../functions/core/course.js';
import { Pacer } from '../functions/core/pacer.js';
import {
  ConflictError,
  type CounterDeltas,
  type SendRequest,
  type SubscriberStore,
} from '../functions/core/ports.js';
import { sampleSettings } from '../functions/core/settings.js';
import type { Subscriber } from '../functions/core/subscriber.js';
import { LinkTokens } from '../functions/core/tokens.js';
import { createSenderHandler } from '../functions/handlers/sender.js';
import { SENDER_BURST_SECONDS, SENDS_IN_FLIGHT } from '../functions/wiring.js';
import { SENDER_BATCH_SIZE } from '../infra/constructs/drip-engine.js';
import { sqsBatch } from '../scripts/dev/sqs-event.js';
import { benchSubscriber, round } from './support.js';

/** One run: `senders` instances against an account allowed `quota` emails a second. */
export interface PacingRun {
  readonly quota: number;
  readonly senders: number;
  readonly emails: number;
  readonly emailsPerSecond: number;
  /** emailsPerSecond ÷ quota. */
  readonly utilisation: number;
  /** SES throttling errors the double returned. */
  readonly throttled: number;
  /** Emails SES accepted more than once (must be 0). */
  readonly duplicates: number;
}

export interface PacingFigures {
  readonly runs: readonly PacingRun[];
  readonly minUtilisation: number;
  readonly throttled: number;
  /** Milliseconds the double takes to answer each SendEmail (SES's round trip). */
  readonly sesLatencyMs: number;
  readonly storeLatencyMs: number;
  readonly secondsPerRun: number;
}

export interface PacingOptions {
  readonly quotas?: readonly number[];
  readonly senders?: readonly number[];
  /** How long each run sends at the quota, which sets its number of emails. @default 8 */
  readonly secondsPerRun?: number;
  readonly sesLatencyMs?: number;
  /** Milliseconds each store request takes (DynamoDB's round trip in the region). @default 4 */
  readonly storeLatencyMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The records in memory, each write conditional on the version read, as DynamoSubscriberStore does. */
class LatencyStore implements SubscriberStore {
  readonly dueShards = 1;
  readonly records = new Map<string, string>();
  constructor(readonly latencyMs: number) {}
  async get(id: string): Promise<Subscriber | undefined> {
    await sleep(this.latencyMs);
    const found = this.records.get(id);
    return found ? (JSON.parse(found) as Subscriber) : undefined;
  }
  async put(subscriber: Subscriber, expectedVersion: number | undefined): Promise<void> {
    await sleep(this.latencyMs);
    const current = this.records.get(subscriber.id);
    const version = current ? (JSON.parse(current) as Subscriber).version : undefined;
    if (expectedVersion === undefined || expectedVersion === 0 ? current : version !== expectedVersion) {
      throw new ConflictError();
    }
    this.records.set(subscriber.id, JSON.stringify(subscriber));
  }
  async increment(_deltas: CounterDeltas): Promise<void> {
    await sleep(this.latencyMs);
  }
  delete(): Promise<void> {
    throw new Error('not used by the sender');
  }
  listDue(): never {
    throw new Error('not used by the sender');
  }
  readCounters(): never {
    throw new Error('not used by the sender');
  }
  readDailyCounters(): never {
    throw new Error('not used by the sender');
  }
  scan(): never {
    throw new Error('not used by the sender');
  }
}

/**
 * SES as far as the sender sees it: GetAccount answers the quota; SendEmail takes a
 * token from a bucket that refills at the quota and holds one second of it (SES allows
 * short bursts), else fails with TooManyRequestsException and accepts nothing.
 */
export class QuotaSes {
  readonly accepted = new Map<string, number>();
  throttled = 0;
  readonly acceptedAt: number[] = [];
  #tokens: number;
  #at = performance.now();

  constructor(
    readonly quota: number,
    readonly latencyMs: number,
  ) {
    this.#tokens = quota;
  }

  /** Stands in for an SESv2Client: the two commands the sender sends. */
  get client(): SESv2Client {
    return { send: (command: unknown) => this.#send(command) } as unknown as SESv2Client;
  }

  async #send(command: unknown): Promise<unknown> {
    if (command instanceof GetAccountCommand) return { SendQuota: { MaxSendRate: this.quota } };
    if (!(command instanceof SendEmailCommand)) throw new Error('The SES double knows no such command');
    const now = performance.now();
    this.#tokens = Math.min(this.quota, this.#tokens + ((now - this.#at) * this.quota) / 1000);
    this.#at = now;
    const take = this.#tokens >= 1;
    if (take) this.#tokens -= 1;
    await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (!take) {
      this.throttled++;
      throw Object.assign(new Error('Maximum sending rate exceeded.'), {
        name: 'TooManyRequestsException',
        $metadata: { httpStatusCode: 429 },
      });
    }
    const input = command.input;
    const key = `${input.Destination?.ToAddresses?.[0]}|${input.EmailTags?.find((t) => t.Name === 'email')?.Value}`;
    this.accepted.set(key, (this.accepted.get(key) ?? 0) + 1);
    this.acceptedAt.push(performance.now());
    return { MessageId: randomBytes(16).toString('hex') };
  }
}

/** Runs every quota with every number of senders. */
export async function runPacingBench(options: PacingOptions = {}): Promise<PacingFigures> {
  const quotas = options.quotas ?? [14, 200];
  const senderCounts = options.senders ?? [1, 2, 4, 8];
  const seconds = options.secondsPerRun ?? 8;
  const latency = options.sesLatencyMs ?? 20;
  const storeLatency = options.storeLatencyMs ?? 4;
  const runs: PacingRun[] = [];
  for (const quota of quotas) {
    for (const senders of senderCounts) {
      const emails = Math.ceil(quota * seconds);
      runs.push(
        await pacingRun({ quota, senders, emails, sesLatencyMs: latency, storeLatencyMs: storeLatency }),
      );
    }
  }
  return {
    runs,
    minUtilisation: Math.min(...runs.map((r) => r.utilisation)),
    throttled: runs.reduce((sum, r) => sum + r.throttled, 0),
    sesLatencyMs: latency,
    storeLatencyMs: storeLatency,
    secondsPerRun: seconds,
  };
}

/** `emails` subscribers due their next email, sent by `senders` instances sharing one queue. */
export interface PacingRunOptions {
  readonly quota: number;
  readonly senders: number;
  readonly emails: number;
  readonly sesLatencyMs: number;
  readonly storeLatencyMs: number;
  /** Read the account's rate from SES. Off, the senders pace to a ceiling of 1000/s only. @default true */
  readonly readAccountRate?: boolean;
}

export async function pacingRun(options: PacingRunOptions): Promise<PacingRun> {
  const { quota, senders, emails, storeLatencyMs } = options;
  const store = new LatencyStore(storeLatencyMs);
  const at = new Date();
  const run = `pacing${quota}x${senders}`;
  const progressOf = (n: number) => n % (course.sequence.length - 1);
  const population = Array.from({ length: emails }, (_, n) =>
    benchSubscriber(n, { status: 'active', progress: progressOf(n), at }, run),
  );
  for (const s of population) store.records.set(s.id, JSON.stringify(s));
  const queue: SendRequest[] = population.map((s, n) => ({
    subscriberId: s.id,
    emailId: course.sequence[progressOf(n)]?.id as string,
  }));

  const ses = new QuotaSes(quota, options.sesLatencyMs);
  const keyId = 'bench';
  const tokens = new LinkTokens({
    currentKeyId: keyId,
    keys: { [keyId]: randomBytes(32).toString('base64url') },
  });
  const settings = { ...sampleSettings, publicBaseUrl: 'https://course.clinic.example' };
  const instance = () => {
    // Each Lambda instance has its own pacer and its own cached read of the account's rate.
    const limits = {
      ceiling: 1000,
      instances: senders,
      ...(options.readAccountRate === false ? {} : { account: sesAccountSendRate(ses.client) }),
    };
    return createSenderHandler({
      store,
      mailer: new SesMailer(ses.client, { from: settings.fromAddress }),
      clock: new SystemClock(),
      settings,
      tokens,
      pacer: new Pacer(limits.ceiling / senders, { burstSeconds: SENDER_BURST_SECONDS }),
      rateLimits: limits,
      sendsInFlight: SENDS_IN_FLIGHT,
    });
  };
  const worker = async (handler: ReturnType<typeof createSenderHandler>) => {
    for (let batch = queue.splice(0, SENDER_BATCH_SIZE); batch.length > 0; ) {
      if (queue.length === 0) drainedAt ??= performance.now();
      const event = sqsBatch(batch);
      const { batchItemFailures } = await handler(event);
      // A failed request goes back to the queue, as SQS would hand it out again.
      const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
      event.Records.forEach((record, i) => {
        if (failed.has(record.messageId)) queue.push(batch[i] as SendRequest);
      });
      batch = queue.splice(0, SENDER_BATCH_SIZE);
    }
  };
  // Once the queue is empty some senders idle while others finish: the pace is read
  // from the first acceptance to that moment, while every sender had work.
  let drainedAt: number | undefined;
  await Promise.all(Array.from({ length: senders }, () => worker(instance())));

  const duplicates = [...ses.accepted.values()].filter((n) => n > 1).length;
  if (ses.accepted.size !== emails || duplicates > 0) {
    throw new Error(
      `pacing ${quota}/s × ${senders}: ${ses.accepted.size} of ${emails} sent, ${duplicates} twice`,
    );
  }
  const first = ses.acceptedAt[0] as number;
  const until = drainedAt ?? (ses.acceptedAt.at(-1) as number);
  const inWindow = ses.acceptedAt.filter((t) => t <= until).length;
  const emailsPerSecond = ((inWindow - 1) * 1000) / (until - first);
  return {
    quota,
    senders,
    emails,
    emailsPerSecond: round(emailsPerSecond, 2),
    utilisation: round(emailsPerSecond / quota, 3),
    throttled: ses.throttled,
    duplicates,
  };
}
