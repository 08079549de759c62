/**
 * Runs on every course (vitest.config.ts): a confirmed subscriber gets every email of the
 * course once, in order, each its delay after the one before at the send hour, then the
 * record is complete; a sweep run at any moment never sends anything twice.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { COUNTER } from '../../functions/contract.js';
import { course, firstLesson } from '../../functions/core/course.js';
import { type SendDeps, sendOne, sweep } from '../../functions/core/drip.js';
import { sampleSettings } from '../../functions/core/settings.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { ManualClock } from '../support/clock.js';
import { subscriberId } from '../support/identity.js';
import { testTokens } from '../support/link-keys.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { MemoryStore } from '../support/memory-store.js';
import { RecordingMailer } from '../support/recording-mailer.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const confirmedAt = new Date('2026-06-01T10:00:00Z');
const address = 'reader@example.org';
const id = subscriberId(address);

let store: MemoryStore;
let mailer: RecordingMailer;
let queue: MemoryQueue;
let clock: ManualClock;
let deps: SendDeps;

beforeEach(async () => {
  store = new MemoryStore();
  mailer = new RecordingMailer();
  queue = new MemoryQueue();
  clock = new ManualClock(confirmedAt);
  deps = { store, mailer, clock, tokens: testTokens(), settings: { ...sampleSettings, sendHour: 8 } };
  // The record as confirming leaves it: the first lesson due at once.
  const active: Subscriber = {
    id,
    email: address,
    firstName: 'Ana',
    timeZone: 'UTC',
    status: 'active',
    createdAt: confirmedAt.toISOString(),
    confirmedAt: confirmedAt.toISOString(),
    nextEmailId: firstLesson.id,
    nextSendAt: confirmedAt.toISOString(),
    sent: {},
    version: 1,
  };
  await store.put(active, undefined);
});

const record = () => store.records.get(id) as Subscriber;

describe(`a subscriber to ${course.id}`, () => {
  it('gets every email once, in order, each on its day, then completes', async () => {
    // Sweep every hour for as long as the course can take, sending each request twice.
    const days = course.sequence.reduce((sum, e) => sum + e.delayDays, 0) + 2;
    for (let hour = 0; hour <= days * 24; hour++) {
      await sweep({ store, queue, clock });
      for (const request of queue.drain()) {
        await sendOne(deps, request);
        await sendOne(deps, request);
      }
      clock.advance(HOUR);
    }

    expect(mailer.sent.map((m) => m.tags.email)).toEqual(course.sequence.map((e) => e.id));
    expect(mailer.sent.map((m) => m.subject)).toEqual(course.sequence.map((e) => e.subject));
    expect(new Set(mailer.sent.map((m) => m.tags.course))).toEqual(new Set([course.id]));
    expect(record()).toMatchObject({ status: 'completed' });
    expect(record()).not.toHaveProperty('nextSendAt');

    const sentAt = course.sequence.map((e) => Date.parse(record().sent[e.id]?.sentAt as string));
    course.sequence.forEach((email, i) => {
      if (i === 0) {
        expect(sentAt[0]).toBe(confirmedAt.getTime());
        return;
      }
      const day = (t: number) => Math.floor(t / DAY);
      expect(day(sentAt[i] as number) - day(sentAt[i - 1] as number), email.id).toBe(email.delayDays);
      expect(new Date(sentAt[i] as number).getUTCHours(), email.id).toBe(8);
    });
    expect(store.counters[COUNTER.completed]).toBe(1);
    expect(store.counters[COUNTER.sent(firstLesson.id)]).toBe(1);
  });
});
