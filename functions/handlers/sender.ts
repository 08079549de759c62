/**
 * The sender's per-event logic: one SQS batch of send requests in, partial batch
 * failures out. The Lambda (functions/sender.ts) wires AWS adapters into it; tests and
 * the local stack wire in-memory or emulator-backed ones.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { METRIC } from '../contract.js';
import { Tally } from '../core/counters.js';
import { course } from '../core/course.js';
import { type SendDeps, sendNext } from '../core/drip.js';
import { isPaused } from '../core/guard.js';
import type { Pacer } from '../core/pacer.js';
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

const lastEmailId = course.sequence[course.sequence.length - 1]?.id;

/**
 * Builds the SQS handler: each record is one {@link SendRequest} (JSON), sent in turn at
 * the pacer (docs/drip.md#drip-protocol). Only failures worth
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
  return async (event, context) => {
    const tokens = await currentTokens(deps.tokens);
    const sendDeps: SendDeps = { ...deps, tokens };
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
      if (paused) {
        outcomes.add('not-attempted-paused');
        throw skipPaused(tally);
      }
      await deps.pacer?.take();
      try {
        const { outcome, counters: deltas } = await sendNext(sendDeps, request);
        for (const [name, delta] of Object.entries(deltas)) counters[name] = (counters[name] ?? 0) + delta;
        if (outcome === 'sent' || outcome === 'sent-unrecorded') {
          tally.add(METRIC.sent, request.emailId);
          if (request.emailId === lastEmailId && outcome === 'sent') tally.add(METRIC.completed);
        }
        if (outcome === 'rejected') {
          tally.add(METRIC.bounced);
          tally.add(METRIC.suppressed);
        }
        outcomes.add(outcome);
        const level = outcome === 'sent-unrecorded' || outcome === 'rejected' ? 'warn' : 'debug';
        log[level]('send request handled', { ...request, outcome });
      } catch (error) {
        outcomes.add(error instanceof MailerPausedError ? 'paused' : 'failed');
        if (error instanceof MailerPausedError) {
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
      }
    };

    try {
      return await processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
        ...(context ? { context } : {}),
        // One at a time, so a pause seen by one send stops every later one in the batch.
        processInParallel: false,
        // A whole failed batch is reported item by item like any other, not thrown.
        throwOnFullBatchFailure: false,
      });
    } finally {
      deps.metrics?.publish(tally.counts());
      await bumpBatchCounters(deps.store, counters, deps.clock.now(), log);
      log.info('send batch handled', {
        records: event.Records.length,
        outcomes: Object.fromEntries(outcomes.counts().map((c) => [c.name, c.value])),
        emailIds: [...emailIds].sort(),
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
