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
import type { Pacer } from '../core/pacer.js';
import {
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
 * Builds the SQS handler. Each record is one {@link SendRequest} (JSON). Records are
 * handled one after another, each waiting its turn at the pacer: a send takes well under
 * 100 ms, so one instance keeps up with about ten emails a second, more than its share
 * of a usual SES rate (see Pacer). For a much higher SES rate, raise the sender's
 * maximum concurrency along with it.
 *
 * Logs: one INFO line per batch with its outcomes counted and the course emails it was
 * about; per request only a DEBUG line, unless something went wrong (a send that could
 * not be recorded, a rejected address, a failure, a pause: WARN or ERROR).
 *
 * Only failures that should be tried again are reported as batch item failures:
 * retryable SES errors, unknown errors, and requests not attempted because of a pause.
 * Skips (already sent, not due, unsubscribed...) and rejected addresses succeed, so SQS
 * deletes them.
 *
 * When SES reports sending paused, the rest of the batch is not attempted: those
 * requests fail at once without calling SES. Every receive counts towards the queue's
 * maxReceiveCount whether or not a send was attempted, so during a long pause messages
 * end up in the dead-letter queue. Nothing is lost by that: the subscribers are still
 * due in the table, and the sweep queues them again every few minutes once sending
 * resumes; the dead-letter alarm tells the owner sending stopped.
 *
 * The course counters (`sent:<id>`, `completed`, `bounced`) are added up over the batch
 * and bumped in one write at its end, in a `finally`, so a pause or a record that throws
 * does not lose the counts of the emails sent before it. Counters stay best effort: an
 * instance that dies between its sends and that write undercounts them, never
 * overcounts, and a failed bump is logged, not retried.
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

    const handleRecord = async (record: SQSRecord): Promise<void> => {
      let request: SendRequest;
      try {
        request = parseRequest(record);
      } catch (error) {
        outcomes.add('invalid');
        throw error;
      }
      emailIds.add(request.emailId);
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
      await bumpBatchCounters(deps.store, counters, log);
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
  log: Logger,
): Promise<void> {
  if (Object.keys(counters).length === 0) return;
  await store.increment(counters).catch((error: unknown) => {
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
