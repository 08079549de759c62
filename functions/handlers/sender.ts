/**
 * The sender's per-event logic: one SQS batch of send requests in, partial batch
 * failures out. The Lambda (functions/sender.ts) wires AWS adapters into it; tests and
 * the local stack wire in-memory or emulator-backed ones.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { COUNTER, METRIC } from '../contract.js';
import { Tally } from '../core/counters.js';
import { type SendDeps, sendNext } from '../core/drip.js';
import { isPaused } from '../core/guard.js';
import { instanceRate, OutOfTimeError, type Pacer, pacedMailer, type SendRateLimits } from '../core/pacer.js';
import {
  type GuardStore,
  type Logger,
  MailerPausedError,
  MailerRetryableError,
  type MetricsSink,
  type SendRequest,
  type SubscriberStore,
  silentLogger,
} from '../core/ports.js';
import { safeError } from '../core/redact.js';
import { currentTokens, type TokenSource } from '../core/tokens.js';

export interface SenderHandlerDeps extends Omit<SendDeps, 'tokens'> {
  /** The link tokens, or how to get them (the Lambda reads its keys from a cached secret). */
  readonly tokens: TokenSource;
  /**
   * The reputation guard's state, read once per batch: while it holds, no lesson is sent
   * and the subscriber stays due (the sweep queues it again after `course resume`).
   * @default - never paused
   */
  readonly guard?: GuardStore;
  /** Paces sends under this instance's share of the SES rate. @default no pacing */
  readonly pacer?: Pacer;
  /** Sets the pacer's rate at each batch: the account's rate (cached) and the ceiling, shared. */
  readonly rateLimits?: SendRateLimits;
  /**
   * Requests of a batch in progress at once (each waits its turn at the pacer), so one
   * instance can keep up with its share of a high SES rate. @default 1
   */
  readonly sendsInFlight?: number;
  readonly log?: Logger;
  readonly metrics?: MetricsSink;
}

/** A request left unsent because SES paused sending earlier in the same batch. */
export class SendingPausedSkipError extends Error {
  override readonly name = 'SendingPausedSkipError';
  constructor() {
    super('Not attempted: SES sending is paused');
  }
}

const sendRequest = z.object({
  subscriberId: z.string().check(z.minLength(1), z.maxLength(100)),
  emailId: z.string().check(z.minLength(1), z.maxLength(50)),
});

/**
 * Builds the SQS handler: each record is one {@link SendRequest} (JSON), started in
 * order, `sendsInFlight` at a time, each SES call at the pacer, whose rate is set per
 * batch; a throttle slows it and sends again (docs/drip.md#drip-protocol). Only failures worth
 * another try become batch item failures; skips and rejected addresses succeed. After a
 * pause the rest of the batch is not attempted (the sweep queues it again once sending
 * resumes). Course counters are added up over the batch and bumped once, in a `finally`,
 * so a pause does not lose the counts of emails already sent. Logs: one INFO line per
 * batch, DEBUG per request, WARN or ERROR only when something went wrong.
 */
export function createSenderHandler(
  deps: SenderHandlerDeps,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const log = deps.log ?? silentLogger;
  let throttled = 0;
  let invocation: Context | undefined;
  const mailer = deps.pacer
    ? pacedMailer(
        deps.mailer,
        deps.pacer,
        () => {
          throttled++;
        },
        () => invocation?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY,
      )
    : deps.mailer;
  return async (event, context) => {
    invocation = context;
    const tokens = await currentTokens(deps.tokens);
    if (deps.pacer && deps.rateLimits) deps.pacer.setRate(await instanceRate(deps.rateLimits));
    const sendDeps: SendDeps = { ...deps, mailer, tokens };
    const throttledBefore = throttled;
    const slots = new Slots(deps.sendsInFlight ?? 1);
    const tally = new Tally();
    const counters: Record<string, number> = {};
    const outcomes = new Tally();
    const emailIds = new Set<string>();
    let paused = false;
    const guarded = deps.guard ? await isPaused(deps.guard) : false;

    const handleRecord = async (record: SQSRecord): Promise<void> => {
      let request: SendRequest;
      try {
        request = parseRequest(record);
      } catch (error) {
        outcomes.add('invalid');
        throw error;
      }
      emailIds.add(request.emailId);
      if (guarded) {
        // Acknowledged, not failed: the record is untouched and the sweep queues it again.
        outcomes.add('held-by-guard');
        return;
      }
      await slots.acquire();
      if (paused) {
        slots.release();
        outcomes.add('not-attempted-paused');
        throw skipPaused(tally);
      }
      try {
        const { outcome, emailId = request.emailId, counters: deltas } = await sendNext(sendDeps, request);
        for (const [name, delta] of Object.entries(deltas)) counters[name] = (counters[name] ?? 0) + delta;
        if (outcome === 'sent' || outcome === 'sent-unrecorded') {
          tally.add(METRIC.sent, emailId);
        }
        if (deltas[COUNTER.completed]) tally.add(METRIC.completed);
        if (emailId !== request.emailId) {
          // The course changed since this subscriber was scheduled: what went out is what it now puts next.
          log.info('sent what the course now puts next', { ...request, sentEmailId: emailId, outcome });
        }
        if (outcome === 'rejected') {
          tally.add(METRIC.bounced);
          tally.add(METRIC.suppressed);
        }
        outcomes.add(outcome);
        const level = outcome === 'sent-unrecorded' || outcome === 'rejected' ? 'warn' : 'debug';
        log[level]('send request handled', { ...request, outcome });
      } catch (error) {
        const late = error instanceof OutOfTimeError;
        outcomes.add(error instanceof MailerPausedError ? 'paused' : late ? 'out-of-time' : 'failed');
        if (late) {
          log.warn('too little time left to send; the request goes back to the queue', { ...request });
        } else if (error instanceof MailerPausedError) {
          paused = true;
          tally.add(METRIC.sendPaused);
          log.error('SES sending is paused; leaving the rest of the batch', {
            ...request,
            error: safeError(error),
          });
        } else {
          tally.add(METRIC.sendFailed, request.emailId);
          const level = error instanceof MailerRetryableError ? 'warn' : 'error';
          log[level]('send failed; the request goes back to the queue', {
            ...request,
            error: safeError(error),
          });
        }
        throw error;
      } finally {
        slots.release();
      }
    };

    try {
      return await processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
        ...(context ? { context } : {}),
        // Started in order, at most `sendsInFlight` at a time: a pause seen by one send
        // stops every request not yet started.
        processInParallel: true,
        // A whole failed batch is reported item by item like any other, not thrown.
        throwOnFullBatchFailure: false,
      });
    } finally {
      deps.metrics?.publish(tally.counts());
      await bumpBatchCounters(deps.store, counters, deps.clock.now(), log);
      const throttles = throttled - throttledBefore;
      log[throttles > 0 ? 'warn' : 'info']('send batch handled', {
        records: event.Records.length,
        outcomes: Object.fromEntries(outcomes.counts().map((c) => [c.name, c.value])),
        emailIds: [...emailIds].sort(),
        ...(throttles > 0 ? { sesThrottles: throttles, pace: deps.pacer?.rate } : {}),
      });
    }
  };
}

/** One counter write for the whole batch; a failure only undercounts, so it is logged and dropped. */
async function bumpBatchCounters(
  store: SubscriberStore,
  counters: Readonly<Record<string, number>>,
  at: Date,
  log: Logger,
): Promise<void> {
  if (Object.keys(counters).length === 0) return;
  await store.increment(counters, at).catch((error: unknown) => {
    log.warn('course counters not bumped; they undercount this batch', { counters, error: safeError(error) });
  });
}

function parseRequest(record: SQSRecord): SendRequest {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new Error(`Message ${record.messageId} is not JSON`);
  }
  const parsed = sendRequest.safeParse(body);
  if (!parsed.success) throw new Error(`Message ${record.messageId} is not a send request`);
  return parsed.data;
}

function skipPaused(tally: Tally): SendingPausedSkipError {
  tally.add(METRIC.sendPaused);
  return new SendingPausedSkipError();
}

/** At most `size` holders at once; waiters get a slot in the order they asked. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = Math.max(1, Math.floor(size));
  }
  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
