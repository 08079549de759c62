/**
 * The drip's exactly-once guarantee under fire, against DynamoDB (dynalite): a whole
 * course for many subscribers while SES fails a share of sends, every queue message
 * arrives twice, sweeps overlap each other and the sending, and some subscribers
 * unsubscribe midway. The sender runs through the same handler factory as the Lambda.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, DynamoSubscriberStore } from '../../functions/adapters/dynamo-store.js';
import { course } from '../../functions/core/course.js';
import { sweep } from '../../functions/core/drip.js';
import { unsubscribeById } from '../../functions/core/lifecycle.js';
import type { Queue, SendRequest } from '../../functions/core/ports.js';
import { sampleSettings } from '../../functions/core/settings.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { createSenderHandler } from '../../functions/handlers/sender.js';
import { makeDynamoClients, type RunningDynalite, startDynalite } from '../../scripts/dev/dynalite.js';
import { ManualClock } from '../support/clock.js';
import { FaultyMailer, seededRandom } from '../support/faulty-mailer.js';
import { subscriberId } from '../support/identity.js';
import { testTokens } from '../support/link-keys.js';

const SEQUENCE = course.sequence.map((e) => e.id);
const ZONES = [
  'Europe/London',
  'America/New_York',
  'America/Los_Angeles',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Europe/Berlin',
  'Pacific/Auckland',
];
const HOUR = 3_600_000;
const START = new Date('2026-03-02T00:00:00Z'); // US daylight saving starts on 8 March, mid-course
const MAX_RECEIVES = 5;
const BATCHES_IN_PARALLEL = 8;
const settings = { ...sampleSettings, sendHour: 8 };
const tokens = testTokens();

interface Message {
  readonly id: string;
  readonly body: string;
  receives: number;
}

/**
 * SQS as the sender sees it, only worse: every message is delivered twice, in random
 * order, in batches of ten handled by several "instances" at once; failed messages come
 * back until their fifth receive, then go to the dead-letter list.
 */
class TwiceDeliveringQueue implements Queue {
  waiting: Message[] = [];
  deadLetters = 0;
  received = 0;
  redelivered = 0;
  #n = 0;
  constructor(private readonly random: () => number) {}

  async enqueue(requests: readonly SendRequest[]): Promise<void> {
    for (const request of requests) {
      const body = JSON.stringify(request);
      for (let copy = 0; copy < 2; copy++) this.waiting.push({ id: `m${++this.#n}`, body, receives: 0 });
    }
  }

  /** Delivers until empty; `midway` starts (once) when half the first round is handed out. */
  async drain(
    handler: (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>,
    midway?: () => Promise<void>,
  ) {
    let overlapping: Promise<void> | undefined;
    while (this.waiting.length > 0) {
      const round = this.waiting.splice(0).sort(() => this.random() - 0.5);
      const batches: Message[][] = [];
      for (let i = 0; i < round.length; i += 10) batches.push(round.slice(i, i + 10));
      let next = 0;
      const instance = async () => {
        while (next < batches.length) {
          if (midway && !overlapping && next >= batches.length / 2) overlapping = midway();
          const batch = batches[next++] as Message[];
          for (const m of batch) m.receives++;
          this.received += batch.length;
          const { batchItemFailures } = await handler(toEvent(batch));
          const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
          for (const m of batch.filter((m) => failed.has(m.id))) {
            if (m.receives >= MAX_RECEIVES) this.deadLetters++;
            else {
              this.redelivered++;
              this.waiting.push(m);
            }
          }
        }
      };
      await Promise.all(Array.from({ length: BATCHES_IN_PARALLEL }, instance));
      await overlapping;
    }
  }
}

function toEvent(batch: Message[]): SQSEvent {
  return {
    Records: batch.map(
      (m) =>
        ({
          messageId: m.id,
          body: m.body,
          attributes: { ApproximateReceiveCount: String(m.receives) },
        }) as unknown as SQSRecord,
    ),
  };
}

interface RunOptions {
  readonly subscribers: number;
  readonly failureRate: number;
  readonly crashRate: number;
  readonly unsubscribeShare: number;
  readonly seed: number;
}

async function runCourse(dynamo: RunningDynalite, opts: RunOptions) {
  const started = Date.now();
  const { client, docClient } = makeDynamoClients(dynamo.endpoint);
  const table = `reliability-${opts.seed}`;
  await createTable(client, table);
  const store = new DynamoSubscriberStore(docClient, table, 4);
  const clock = new ManualClock(START);
  const random = seededRandom(opts.seed);
  let seq = 0;
  const nextSeq = () => ++seq;
  const mailer = new FaultyMailer({
    failureRate: opts.failureRate,
    crashRate: opts.crashRate,
    seed: opts.seed + 1,
    nextSeq,
    clock,
  });
  const queue = new TwiceDeliveringQueue(random);
  const send = createSenderHandler({ store, mailer, clock, tokens, settings });

  // Everyone confirmed at some moment of the first day, in one of eight zones.
  const people = Array.from({ length: opts.subscribers }, (_, i) => {
    const email = `reader${i}@example.org`;
    const confirmedAt = new Date(START.getTime() + Math.floor(random() * 24 * 60) * 60_000).toISOString();
    const record: Subscriber = {
      id: subscriberId(email),
      email,
      timeZone: ZONES[i % ZONES.length] as string,
      status: 'active',
      createdAt: confirmedAt,
      confirmedAt,
      nextEmailId: 'lesson-1',
      nextSendAt: confirmedAt,
      sent: {},
      version: 1,
    };
    return record;
  });
  for (let i = 0; i < people.length; i += 50) {
    await Promise.all(people.slice(i, i + 50).map((p) => store.put(p, undefined)));
  }

  const unsubscribedAtSeq = new Map<string, number>();
  let queuedForLeavers = 0;
  let sweeps = 0;
  const sweepOnce = async () => {
    sweeps++;
    await sweep({ store, queue, clock }, { pageSize: 50 });
  };
  let ticks = 0;
  const maxTicks = 16 * 24;
  for (; ticks < maxTicks; ticks++) {
    clock.set(START.getTime() + ticks * HOUR);
    await Promise.all([sweepOnce(), sweepOnce()]);
    const midway = clock.millis() >= START.getTime() + 5 * 24 * HOUR;
    if (midway && unsubscribedAtSeq.size === 0 && queue.waiting.length > 0) {
      // Unsubscribe with requests for them already queued.
      const leaving = people.filter(() => random() < opts.unsubscribeShare);
      const leavingIds = new Set(leaving.map((p) => p.id));
      queuedForLeavers = queue.waiting.filter((m) => leavingIds.has(JSON.parse(m.body).subscriberId)).length;
      for (const p of leaving) {
        await unsubscribeById({ store, clock }, p.id);
        unsubscribedAtSeq.set(p.email as string, nextSeq());
      }
    }
    // A third sweep overlaps the sending itself, while claims are held and sends in flight.
    await queue.drain(send, sweepOnce);
    await queue.drain(send);
    const counters = await store.readCounters();
    if ((counters.completed ?? 0) + unsubscribedAtSeq.size >= opts.subscribers && ticks > 5 * 24) break;
  }

  // What each address received, in delivery order.
  const received = new Map<string, { emailId: string; seq: number; at?: Date }[]>();
  for (const d of mailer.deliveries) {
    const list = received.get(d.to) ?? [];
    list.push({ emailId: d.emailId, seq: d.seq, ...(d.at ? { at: d.at } : {}) });
    received.set(d.to, list);
  }
  let duplicates = 0;
  let excessOverCrashes = 0;
  let missing = 0;
  let outOfOrder = 0;
  let afterUnsubscribe = 0;
  let wrongDay = 0;
  let notCompleted = 0;
  for (const p of people) {
    const email = p.email as string;
    const got = received.get(email) ?? [];
    const distinct = got.map((g) => g.emailId).filter((id, i, all) => all.indexOf(id) === i);
    for (const id of distinct) {
      const extra = got.filter((g) => g.emailId === id).length - 1;
      duplicates += extra;
      excessOverCrashes += Math.max(0, extra - (mailer.crashes.get(`${email} ${id}`) ?? 0));
    }
    if (distinct.join() !== SEQUENCE.slice(0, distinct.length).join()) outOfOrder++;
    const leftAt = unsubscribedAtSeq.get(email);
    if (leftAt === undefined) {
      missing += SEQUENCE.filter((id) => !distinct.includes(id)).length;
      const stored = await store.get(p.id);
      if (stored?.status !== 'completed') notCompleted++;
    } else {
      afterUnsubscribe += got.filter((g) => g.seq > leftAt).length;
    }
    // Each email after the first goes out on the second local day after the one before.
    const firsts = SEQUENCE.map((id) => got.find((g) => g.emailId === id)).filter((g) => g?.at);
    for (let i = 1; i < firsts.length; i++) {
      const day = (g: (typeof firsts)[number]) =>
        DateTime.fromJSDate(g?.at as Date, { zone: p.timeZone }).startOf('day');
      if (day(firsts[i]).diff(day(firsts[i - 1]), 'days').days !== 2) wrongDay++;
    }
  }

  return {
    subscribers: opts.subscribers,
    unsubscribed: unsubscribedAtSeq.size,
    queuedForLeavers,
    courseDays: Math.round((ticks * HOUR) / (24 * HOUR)),
    sweeps,
    queueReceives: queue.received,
    redeliveries: queue.redelivered,
    deadLetters: queue.deadLetters,
    sesCalls: mailer.attempts,
    sesFailures: mailer.failures,
    crashes: mailer.crashCount,
    delivered: mailer.deliveries.length,
    duplicates,
    excessOverCrashes,
    missing,
    outOfOrder,
    afterUnsubscribe,
    wrongDay,
    notCompleted,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

function print(title: string, result: Record<string, number>) {
  const rows = Object.entries(result).map(([k, v]) => `  ${k.padEnd(18)} ${String(v).padStart(8)}`);
  console.log(`\n${title}\n${rows.join('\n')}\n`);
}

describe('drip reliability', () => {
  let dynamo: RunningDynalite;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  it('sends every lesson exactly once and in order despite SES failures, duplicate messages and overlapping sweeps', async () => {
    const result = await runCourse(dynamo, {
      subscribers: 1000,
      failureRate: 0.3,
      crashRate: 0,
      unsubscribeShare: 0.1,
      seed: 42,
    });
    print('Drip reliability: 1,000 subscribers, 30% of SendEmail calls failing, every message twice', result);

    expect(result.sesFailures / result.sesCalls).toBeGreaterThan(0.25);
    expect(result.redeliveries).toBeGreaterThan(0);
    expect(result.unsubscribed).toBeGreaterThan(50);
    expect(result.queuedForLeavers).toBeGreaterThan(0);
    expect(result.duplicates).toBe(0);
    expect(result.missing).toBe(0);
    expect(result.outOfOrder).toBe(0);
    expect(result.afterUnsubscribe).toBe(0);
    expect(result.notCompleted).toBe(0);
    expect(result.wrongDay).toBe(0);
    expect(result.delivered).toBeGreaterThan(5000);
  }, 300_000);

  it('duplicates an email only when the sender died after SES accepted it', async () => {
    const result = await runCourse(dynamo, {
      subscribers: 100,
      failureRate: 0.3,
      crashRate: 0.05,
      unsubscribeShare: 0,
      seed: 7,
    });
    print('Drip reliability with crashes after SES accepted (5% of accepted sends)', result);

    expect(result.crashes).toBeGreaterThan(0);
    expect(result.duplicates).toBeLessThanOrEqual(result.crashes);
    expect(result.excessOverCrashes).toBe(0);
    expect(result.missing).toBe(0);
    expect(result.outOfOrder).toBe(0);
    expect(result.notCompleted).toBe(0);
  }, 300_000);
});
