/**
 * Editing the course while people are taking it (functions/core/progress.ts): a lesson
 * added after someone's place reaches them, a removed one is skipped, a reordered course
 * is followed in its new order, a changed delay applies from the next send, and nothing
 * already sent goes out again. Acted out with the knee pain course's own emails.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { COUNTER } from '../../functions/contract.js';
import { course, type SequenceEmail } from '../../functions/core/course.js';
import { type SendDeps, sendNext, sweep } from '../../functions/core/drip.js';
import { emailIdAtPosition, nextEmailFor } from '../../functions/core/progress.js';
import { sampleSettings } from '../../functions/core/settings.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { ManualClock } from '../support/clock.js';
import { subscriberId } from '../support/identity.js';
import { testTokens } from '../support/link-keys.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { MemoryStore } from '../support/memory-store.js';
import { RecordingMailer } from '../support/recording-mailer.js';

const DAY = 86_400_000;
const T0 = new Date('2026-03-02T08:00:00Z');
const address = 'reader@example.org';
const id = subscriberId(address);
const full = course.sequence;
const ids = full.map((e) => e.id);

/** The course with only these emails, in this order, delays optionally changed. */
function edited(order: readonly string[], delays: Record<string, number> = {}): SequenceEmail[] {
  return order.map((emailId) => {
    const email = full.find((e) => e.id === emailId) as SequenceEmail;
    return { ...email, delayDays: delays[emailId] ?? email.delayDays };
  });
}

let store: MemoryStore;
let mailer: RecordingMailer;
let queue: MemoryQueue;
let clock: ManualClock;

beforeEach(async () => {
  store = new MemoryStore();
  mailer = new RecordingMailer();
  queue = new MemoryQueue();
  clock = new ManualClock(T0);
  const fresh: Subscriber = {
    id,
    email: address,
    firstName: 'Ana',
    timeZone: 'UTC',
    status: 'active',
    createdAt: T0.toISOString(),
    confirmedAt: T0.toISOString(),
    nextEmailId: ids[0] as string,
    nextSendAt: T0.toISOString(),
    sent: {},
    version: 1,
  };
  await store.put(fresh, undefined);
});

const record = () => store.records.get(id) as Subscriber;
const sentIds = () => mailer.sent.map((m) => m.tags.email);

/**
 * Runs the drip as the stack does, under `sequence`: move the clock to the next due time,
 * sweep, send every queued request (each twice, as SQS may deliver it), `sends` times.
 */
async function run(sequence: readonly SequenceEmail[], sends = 100): Promise<void> {
  const deps: SendDeps = { store, mailer, clock, tokens: testTokens(), settings: sampleSettings, sequence };
  for (let i = 0; i < sends && record().status === 'active'; i++) {
    clock.set(record().nextSendAt as string);
    await sweep({ store, queue, clock });
    for (const request of queue.drain()) {
      await sendNext(deps, request);
      await sendNext(deps, request);
    }
  }
}

describe('progress by email id', () => {
  it('goes through the course as built, each email once, in order', async () => {
    await run(full);
    expect(sentIds()).toEqual(ids);
    expect(record().status).toBe('completed');
  });

  it('sends a lesson added after where the subscriber is', async () => {
    const without = edited(ids.filter((e) => e !== 'lesson-4'));
    await run(without, 2);
    expect(sentIds()).toEqual(['lesson-1', 'lesson-2']);

    await run(full);
    expect(sentIds()).toEqual(ids);
  });

  it('sends a lesson added before where the subscriber is next, then carries on', async () => {
    await run(edited(ids.filter((e) => e !== 'lesson-2')), 2);
    expect(sentIds()).toEqual(['lesson-1', 'lesson-3']);

    await run(full);
    expect(sentIds()).toEqual(['lesson-1', 'lesson-3', 'lesson-2', 'lesson-4', 'lesson-5', 'complete']);
  });

  it('skips a removed lesson, even the one the subscriber was scheduled for, and sends nothing twice', async () => {
    await run(full, 2);
    expect(record().nextEmailId).toBe('lesson-3');

    await run(edited(ids.filter((e) => e !== 'lesson-3' && e !== 'lesson-1')));
    expect(sentIds()).toEqual(['lesson-1', 'lesson-2', 'lesson-4', 'lesson-5', 'complete']);
    expect(new Set(sentIds()).size).toBe(sentIds().length);
    expect(record().status).toBe('completed');
  });

  it('follows a reordered course and never resends an email that moved later', async () => {
    await run(full, 3);
    const reordered = ['lesson-1', 'lesson-4', 'lesson-3', 'lesson-5', 'lesson-2', 'complete'];

    await run(edited(reordered));
    expect(sentIds()).toEqual(['lesson-1', 'lesson-2', 'lesson-3', 'lesson-4', 'lesson-5', 'complete']);

    mailer.sent.length = 0;
    await run(edited(['lesson-1', 'lesson-3', 'lesson-2', 'lesson-4', 'lesson-5', 'complete']));
    expect(sentIds()).toEqual([]);
  });

  it('keeps the due time already set when a delay changes, and uses the new delay from then on', async () => {
    await run(full, 1);
    const due = record().nextSendAt as string;
    expect(Date.parse(due) - T0.getTime()).toBe(2 * DAY);

    await run(edited(ids, { 'lesson-2': 5, 'lesson-3': 1 }), 2);
    const [first, second, third] = ['lesson-1', 'lesson-2', 'lesson-3'].map((e) => record().sent[e]?.sentAt);
    expect(sentIds()).toEqual(['lesson-1', 'lesson-2', 'lesson-3']);
    expect(second).toBe(due);
    expect(Date.parse(third as string) - Date.parse(second as string)).toBe(1 * DAY);
    expect(first).toBe(T0.toISOString());
  });

  it('sends what the course now puts next for a queued request naming a removed lesson', async () => {
    await run(full, 1);
    const deps: SendDeps = {
      store,
      mailer,
      clock,
      tokens: testTokens(),
      settings: sampleSettings,
      sequence: edited(ids.filter((e) => e !== 'lesson-2')),
    };
    clock.set(record().nextSendAt as string);

    const result = await sendNext(deps, { subscriberId: id, emailId: 'lesson-2' });

    expect(result).toEqual({
      outcome: 'sent',
      emailId: 'lesson-3',
      counters: { [COUNTER.sent('lesson-3')]: 1 },
    });
    // The same request again, as SQS may deliver it: nothing more goes out.
    expect(await sendNext(deps, { subscriberId: id, emailId: 'lesson-2' })).toMatchObject({
      outcome: 'out-of-order',
    });
    expect(sentIds()).toEqual(['lesson-1', 'lesson-3']);
    expect(record().nextEmailId).toBe('lesson-4');
  });

  it('completes without sending when the course, as edited, holds nothing more', async () => {
    await run(full, 2);
    const deps: SendDeps = {
      store,
      mailer,
      clock,
      tokens: testTokens(),
      settings: sampleSettings,
      sequence: edited(['lesson-1', 'lesson-2']),
    };
    clock.set(record().nextSendAt as string);

    const result = await sendNext(deps, { subscriberId: id, emailId: 'lesson-3' });

    expect(result).toEqual({ outcome: 'course-finished', counters: { [COUNTER.completed]: 1 } });
    expect(record()).toMatchObject({ status: 'completed' });
    expect(record()).not.toHaveProperty('nextSendAt');
    expect(sentIds()).toEqual(['lesson-1', 'lesson-2']);
  });

  it('sends nothing new to someone who completed, when a lesson is added', async () => {
    await run(edited(ids.filter((e) => e !== 'lesson-3')));
    expect(record().status).toBe('completed');

    clock.advance(30 * DAY);
    await run(full);
    await sweep({ store, queue, clock });
    expect(queue.drain()).toEqual([]);
    expect(sentIds()).not.toContain('lesson-3');
  });
});

describe('the rule itself', () => {
  it('is the first email of the course not yet sent', () => {
    const sent = { 'lesson-1': {}, 'lesson-3': {} };
    expect(nextEmailFor(sent)?.id).toBe('lesson-2');
    expect(nextEmailFor(Object.fromEntries(ids.map((e) => [e, {}])))).toBeUndefined();
  });

  it('reads a stored position as the email at that place of the course', () => {
    expect(emailIdAtPosition(2)).toBe(ids[2]);
    expect(emailIdAtPosition(99)).toBeUndefined();
    expect(emailIdAtPosition(1.5)).toBeUndefined();
  });
});
