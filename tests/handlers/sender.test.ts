import type { Context, SQSEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { Pacer } from '../../functions/core/pacer.js';
import type { Logger, MetricCount } from '../../functions/core/ports.js';
import {
  type CounterDeltas,
  type Mailer,
  MailerPausedError,
  MailerRejectedError,
  MailerRetryableError,
  MailerThrottledError,
  type SendRequest,
} from '../../functions/core/ports.js';
import { sampleSettings } from '../../functions/core/settings.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { createSenderHandler } from '../../functions/handlers/sender.js';
import { sqsBatch } from '../../scripts/dev/sqs-event.js';
import { ManualClock } from '../support/clock.js';
import { subscriberId } from '../support/identity.js';
import { testTokens } from '../support/link-keys.js';
import { MemoryStore } from '../support/memory-store.js';
import { RecordingMailer } from '../support/recording-mailer.js';

const tokens = testTokens();
const now = new Date('2026-03-02T15:00:00Z');
const clock = new ManualClock(now);
const addressOf = (n: number) => `reader${n}@example.org`;
const idOf = (n: number) => subscriberId(addressOf(n));

function active(n: number, overrides: Partial<Subscriber> = {}): Subscriber {
  return {
    id: idOf(n),
    email: addressOf(n),
    timeZone: 'Europe/London',
    status: 'active',
    createdAt: '2026-03-01T10:00:00.000Z',
    nextEmailId: 'lesson-1',
    nextSendAt: now.toISOString(),
    sent: {},
    version: 1,
    ...overrides,
  };
}

/** Records numbered m-0, m-1, ... so failures can be named. */
function sqsEvent(requests: (SendRequest | string)[]): SQSEvent {
  const event = sqsBatch(requests);
  return { Records: event.Records.map((record, i) => ({ ...record, messageId: `m-${i}` })) };
}
const lesson1 = (n: number): SendRequest => ({ subscriberId: idOf(n), emailId: 'lesson-1' });

class CapturingLog implements Logger {
  readonly lines: string[] = [];
  readonly entries: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  debug(message: string, attributes: Record<string, unknown>) {
    this.#add('debug', message, attributes);
  }
  info(message: string, attributes: Record<string, unknown>) {
    this.#add('info', message, attributes);
  }
  warn(message: string, attributes: Record<string, unknown>) {
    this.#add('warn', message, attributes);
  }
  error(message: string, attributes: Record<string, unknown>) {
    this.#add('error', message, attributes);
  }
  /** Messages logged at `level`, in order. */
  at(level: string) {
    return this.entries.filter((e) => e.level === level);
  }
  #add(level: string, message: string, attributes: Record<string, unknown>) {
    this.entries.push({ level, message, attributes });
    this.lines.push(JSON.stringify({ message, ...attributes }));
  }
}

/** A MemoryStore that remembers each counter write. */
class CountingStore extends MemoryStore {
  readonly increments: CounterDeltas[] = [];
  failIncrements = false;
  override async increment(deltas: CounterDeltas): Promise<void> {
    this.increments.push({ ...deltas });
    if (this.failIncrements) throw new Error('ProvisionedThroughputExceededException');
    return super.increment(deltas);
  }
}

/** Sends the first `ok` emails through `inner`, then throws `error` for every later one. */
function failingAfter(ok: number, error: Error, inner: Mailer): Mailer {
  let calls = 0;
  return {
    send: async (email) => {
      if (++calls > ok) throw error;
      return inner.send(email);
    },
  };
}

let store: CountingStore;
let mailer: RecordingMailer;
let published: MetricCount[];
let log: CapturingLog;
const handler = (extra: Partial<Parameters<typeof createSenderHandler>[0]> = {}) =>
  createSenderHandler({
    store,
    mailer,
    clock,
    tokens,
    settings: sampleSettings,
    log,
    metrics: { publish: (counts) => published.push(...counts) },
    ...extra,
  });

beforeEach(async () => {
  store = new CountingStore();
  mailer = new RecordingMailer();
  published = [];
  log = new CapturingLog();
  for (let n = 0; n < 5; n++) await store.put(active(n), undefined);
});

describe('sender handler', () => {
  it('sends every request of a batch and reports no failures', async () => {
    const response = await handler()(sqsEvent([0, 1, 2].map(lesson1)));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(mailer.sent.map((e) => e.to)).toEqual([addressOf(0), addressOf(1), addressOf(2)]);
    expect(published).toEqual([{ name: 'sent', email: 'lesson-1', value: 3 }]);
  });

  it('sends no lesson while the reputation guard holds, and leaves every subscriber due', async () => {
    await store.writeGuard(
      {
        paused: true,
        reason: 'bounce rate 4.20%',
        baseline: { sent: 0, bounced: 0, complained: 0 },
        version: 1,
      },
      undefined,
    );
    const before = await store.get(idOf(0));

    const response = await handler({ guard: store })(sqsEvent([0, 1, 2].map(lesson1)));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(mailer.sent).toEqual([]);
    expect(await store.get(idOf(0))).toEqual(before);
    expect(log.at('info').at(-1)?.attributes.outcomes).toEqual({ 'held-by-guard': 3 });
  });

  it('sends as usual once the guard is resumed', async () => {
    await store.writeGuard(
      { paused: false, baseline: { sent: 0, bounced: 0, complained: 0 }, version: 2 },
      undefined,
    );

    await handler({ guard: store })(sqsEvent([lesson1(0)]));

    expect(mailer.sent.map((e) => e.to)).toEqual([addressOf(0)]);
  });

  it('reports only the requests that should be tried again', async () => {
    mailer.failNext(new MailerRetryableError('Throttling'));

    const response = await handler()(sqsEvent([lesson1(0), lesson1(1), lesson1(1)]));

    // m-0 was throttled; m-1 sent; m-2 is a duplicate of m-1 and is simply skipped.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    expect(mailer.sent.map((e) => e.to)).toEqual([addressOf(1)]);
    expect(published).toContainEqual({ name: 'sendFailed', email: 'lesson-1', value: 1 });
  });

  it('reports every request as failed when the whole batch fails, without throwing', async () => {
    mailer.failNext(new MailerRetryableError('a'), new MailerRetryableError('b'));

    const response = await handler()(sqsEvent([lesson1(0), lesson1(1)]));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }, { itemIdentifier: 'm-1' }]);
  });

  it('stops the batch when SES pauses sending, failing the rest without calling SES', async () => {
    let calls = 0;
    const pausing = {
      send: async () => {
        calls++;
        throw new MailerPausedError('Sending paused');
      },
    };

    const response = await handler({ mailer: pausing })(sqsEvent([0, 1, 2, 3, 4].map(lesson1)));

    expect(calls).toBe(1);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      'm-0',
      'm-1',
      'm-2',
      'm-3',
      'm-4',
    ]);
    // Nobody is left holding a claim: the retries can send at once when sending resumes.
    for (let n = 0; n < 5; n++) expect(store.records.get(idOf(n))?.claim).toBeUndefined();
    expect(published).toContainEqual({ name: 'sendPaused', value: 5 });
  });

  it('acknowledges a rejected address (no retry) and counts it as a bounce', async () => {
    mailer.failNext(new MailerRejectedError('Address blacklisted'));

    const response = await handler()(sqsEvent([lesson1(0)]));

    expect(response.batchItemFailures).toEqual([]);
    expect(store.records.get(idOf(0))?.status).toBe('bounced');
    expect(published).toContainEqual({ name: 'bounced', value: 1 });
    expect(published).toContainEqual({ name: 'suppressed', value: 1 });
    expect(store.counters).toEqual({ bounced: 1 });
  });

  describe('course counters', () => {
    it('bumps them once per batch, not once per email', async () => {
      await handler()(sqsEvent([0, 1, 2, 3].map(lesson1)));

      expect(store.increments).toEqual([{ 'sent:lesson-1': 4 }]);
      expect(store.counters).toEqual({ 'sent:lesson-1': 4 });
    });

    it('keeps the counts of the emails sent before SES paused sending', async () => {
      const pausing = failingAfter(2, new MailerPausedError('Sending paused'), mailer);

      const response = await handler({ mailer: pausing })(sqsEvent([0, 1, 2, 3].map(lesson1)));

      expect(response.batchItemFailures).toHaveLength(2);
      expect(store.increments).toEqual([{ 'sent:lesson-1': 2 }]);
    });

    it('keeps the counts of the emails sent before a request that throws', async () => {
      const breaking = failingAfter(3, new Error('socket hang up'), mailer);

      const response = await handler({ mailer: breaking })(sqsEvent([0, 1, 2, 3, 4].map(lesson1)));

      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m-3', 'm-4']);
      expect(store.counters).toEqual({ 'sent:lesson-1': 3 });
    });

    it('writes no counters when nothing was sent', async () => {
      await handler()(sqsEvent([lesson1(0)]));
      store.increments.length = 0;

      await handler()(sqsEvent([lesson1(0), lesson1(0)]));

      expect(store.increments).toEqual([]);
    });

    it('still acknowledges the batch when the counter write fails, and says so', async () => {
      store.failIncrements = true;

      const response = await handler()(sqsEvent([0, 1].map(lesson1)));

      expect(response).toEqual({ batchItemFailures: [] });
      expect(mailer.sent).toHaveLength(2);
      expect(log.lines.join('\n')).toContain('course counters not bumped');
    });
  });

  it('fails a message that is not a send request', async () => {
    const response = await handler()(sqsEvent(['not json', '{"subscriberId":""}', lesson1(0)]));

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m-0', 'm-1']);
    expect(mailer.sent).toHaveLength(1);
  });

  it('counts a completed course', async () => {
    const sent = Object.fromEntries(
      ['lesson-1', 'lesson-2', 'lesson-3', 'lesson-4', 'lesson-5'].map((id) => [
        id,
        { sentAt: 'x', messageId: id },
      ]),
    );
    await store.put({ ...active(0, { nextEmailId: 'complete', sent }), version: 2 }, 1);

    await handler()(sqsEvent([{ subscriberId: idOf(0), emailId: 'complete' }]));

    expect(published).toContainEqual({ name: 'completed', value: 1 });
  });

  it('waits at the pacer before each send', async () => {
    const paceTime = new ManualClock();
    const pacer = new Pacer(2, { now: paceTime.millis, sleep: paceTime.sleep });

    await handler({ pacer })(sqsEvent([0, 1, 2].map(lesson1)));

    expect(paceTime.sleeps).toEqual([500, 500]);
    expect(mailer.sent).toHaveLength(3);
  });

  it('gets fresh link tokens for each batch when given a loader', async () => {
    let loads = 0;
    const load = async () => {
      loads++;
      return tokens;
    };
    const send = handler({ tokens: load });

    await send(sqsEvent([lesson1(0)]));
    await send(sqsEvent([lesson1(1)]));

    expect(loads).toBe(2);
  });

  describe('logs', () => {
    it('writes one INFO summary per batch and each routine send at DEBUG', async () => {
      await handler()(sqsEvent([lesson1(0), lesson1(1), lesson1(2), lesson1(2)]));

      expect(log.at('info')).toEqual([
        {
          level: 'info',
          message: 'send batch handled',
          attributes: { records: 4, outcomes: { sent: 3, 'already-sent': 1 }, emailIds: ['lesson-1'] },
        },
      ]);
      expect(log.at('debug').map((e) => e.attributes.outcome)).toEqual([
        'sent',
        'sent',
        'sent',
        'already-sent',
      ]);
      expect(log.at('warn')).toEqual([]);
    });

    it('keeps one WARN or ERROR line per request that went wrong', async () => {
      mailer.failNext(
        new MailerRetryableError('Throttling'),
        new Error('socket hang up'),
        new MailerRejectedError('Address blacklisted'),
        new MailerPausedError('Sending paused'),
      );

      await handler()(sqsEvent([0, 1, 2, 3, 4].map(lesson1)));

      expect(log.at('warn').map((e) => e.message)).toEqual([
        'send failed; the request goes back to the queue',
        'send request handled',
      ]);
      expect(log.at('error').map((e) => e.message)).toEqual([
        'send failed; the request goes back to the queue',
        'SES sending is paused; leaving the rest of the batch',
      ]);
      expect(log.at('info')[0]?.attributes.outcomes).toEqual({
        failed: 2,
        rejected: 1,
        paused: 1,
        'not-attempted-paused': 1,
      });
    });

    it('counts requests that are not send requests in the summary', async () => {
      await handler()(sqsEvent(['not json', lesson1(0)]));

      expect(log.at('info')[0]?.attributes.outcomes).toEqual({ invalid: 1, sent: 1 });
    });
  });

  it('logs ids and outcomes but never an address', async () => {
    mailer.failNext(
      new MailerRetryableError('Throttled sending to reader1@example.org'),
      new Error('Something odd about reader2@example.org'),
    );

    await handler()(sqsEvent([0, 1, 2, 3].map(lesson1)));

    expect(log.lines.length).toBeGreaterThanOrEqual(4);
    expect(log.lines.join('\n')).not.toMatch(/@example\.org/);
    expect(log.lines.join('\n')).toContain(idOf(3));
  });

  it("masks the whole of an address with an apostrophe in an error's message", async () => {
    mailer.failNext(
      new MailerRetryableError("Throttled sending to mary.o'brien@example.org"),
      new Error("Something odd about 'jo.d'arc@example.org'"),
    );

    await handler()(sqsEvent([0, 1].map(lesson1)));

    const lines = log.lines.join('\n');
    expect(lines).not.toContain('mary.o');
    expect(lines).not.toContain('jo.d');
    expect(lines).toContain("'[address]'");
  });
});

describe('sending at the SES rate', () => {
  /** A mailer whose sends finish only when the test lets them, counting those in progress. */
  function heldMailer() {
    let inProgress = 0;
    let most = 0;
    const waiting: (() => void)[] = [];
    const held: Mailer = {
      send: async (email) => {
        inProgress++;
        most = Math.max(most, inProgress);
        await new Promise<void>((resolve) => waiting.push(resolve));
        inProgress--;
        return mailer.send(email);
      },
    };
    const releaseAll = async () => {
      while (mailer.sent.length < 5) {
        waiting.splice(0).forEach((resolve) => {
          resolve();
        });
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    return { held, releaseAll, most: () => most };
  }

  it('keeps up to sendsInFlight requests of a batch in progress at once, and sends each once', async () => {
    const ses = heldMailer();

    const done = handler({ mailer: ses.held, sendsInFlight: 3 })(sqsEvent([0, 1, 2, 3, 4].map(lesson1)));
    await ses.releaseAll();
    const response = await done;

    expect(ses.most()).toBe(3);
    expect(response.batchItemFailures).toEqual([]);
    expect(mailer.sent.map((e) => e.to).sort()).toEqual([0, 1, 2, 3, 4].map(addressOf).sort());
  });

  it('paces to the lower of the account’s rate and the ceiling, shared by the instances', async () => {
    const paceTime = new ManualClock();
    const pacer = new Pacer(100, { now: paceTime.millis, sleep: paceTime.sleep });

    await handler({ pacer, rateLimits: { ceiling: 50, instances: 2, account: async () => 14 } })(
      sqsEvent([0, 1, 2].map(lesson1)),
    );

    // 14 a second shared by two instances: one send every 143 ms.
    expect(paceTime.sleeps).toEqual([143, 143]);
  });

  it('sends a throttled email again, slower, and it goes out once with no failure reported', async () => {
    const paceTime = new ManualClock();
    const pacer = new Pacer(10, { now: paceTime.millis, sleep: paceTime.sleep });
    let throttles = 2;
    const throttling: Mailer = {
      send: async (email) => {
        if (throttles-- > 0) throw new MailerThrottledError('Maximum sending rate exceeded.');
        return mailer.send(email);
      },
    };

    const response = await handler({ mailer: throttling, pacer })(sqsEvent([lesson1(0), lesson1(1)]));

    expect(response.batchItemFailures).toEqual([]);
    expect(mailer.sent.map((e) => e.to)).toEqual([addressOf(0), addressOf(1)]);
    expect(log.at('warn').map((e) => e.attributes.sesThrottles)).toEqual([2]);
  });
});

describe('an invocation running out of time at the pacer', () => {
  it('sends nothing it could not finish, releases the claim and hands the request back', async () => {
    const paceTime = new ManualClock();
    // One send every 10 s, and 12 s left: the first goes, the second would start with 2 s left.
    const pacer = new Pacer(0.1, { now: paceTime.millis, sleep: paceTime.sleep });
    const deadline = paceTime.millis() + 12_000;
    const context = { getRemainingTimeInMillis: () => deadline - paceTime.millis() } as Context;

    const response = await handler({ pacer })(sqsEvent([lesson1(0), lesson1(1)]), context);

    expect(mailer.sent.map((e) => e.to)).toEqual([addressOf(0)]);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(store.records.get(idOf(1))?.claim).toBeUndefined();
  });
});
