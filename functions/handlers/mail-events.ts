/**
 * The mail-events function's per-batch logic: SQS records, each an SES event as
 * EventBridge put it on the queue, in; partial batch failures out. After the batch, the
 * reputation guard looks at the course's rates if anything bounced or complained.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { METRIC } from '../contract.js';
import { Tally } from '../core/counters.js';
import { checkGuard } from '../core/guard.js';
import { currentPseudonymKey, type PseudonymKeySource } from '../core/identity.js';
import {
  CounterBatch,
  type MailEventDeps,
  type MailEventOutcome,
  parseSesEvent,
  recordMailEvent,
} from '../core/mail-events.js';
import {
  type GuardStore,
  type Logger,
  type MetricsSink,
  type SubscriberStore,
  silentLogger,
} from '../core/ports.js';
import { safeError } from '../core/redact.js';

export interface MailEventsHandlerDeps extends Omit<MailEventDeps, 'pseudonymKey' | 'store' | 'counters'> {
  readonly store: SubscriberStore & GuardStore;
  /** Fixed, or read from its secret on demand (once per warm function). */
  readonly pseudonymKey: PseudonymKeySource;
  readonly log?: Logger;
  readonly metrics?: MetricsSink;
}

/** The parts of an EventBridge event this handler reads (the body of each SQS record). */
export interface SesEventBridgeEvent {
  readonly id?: string;
  readonly 'detail-type'?: string;
  readonly detail: unknown;
}

const engagementMetric = {
  Delivery: METRIC.delivered,
  Open: METRIC.opened,
  Click: METRIC.clicked,
} as const;

/**
 * Builds the SQS handler. A record that is not an SES event we know is logged and
 * acknowledged (retrying cannot help); a store error or a conflict that outlasted the
 * core's retries fails that record alone, so SQS delivers it again (and after five
 * receives moves it to the dead-letter queue). The core counts a redelivered event once.
 * The course counters of the whole batch are bumped in one write at its end. Logs: one
 * INFO line per batch, DEBUG per event, WARN when one goes back to the queue.
 */
export function createMailEventsHandler(
  deps: MailEventsHandlerDeps,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const log = deps.log ?? silentLogger;
  return async (batch, context) => {
    const pseudonymKey = await currentPseudonymKey(deps.pseudonymKey);
    const counters = new CounterBatch();
    const tally = new Tally();
    const outcomeCounts = new Tally();
    let suppressed = false;

    const handleRecord = async (record: SQSRecord): Promise<void> => {
      const event = parseBody(record);
      const mailEvent = event && parseSesEvent(event.detail, event.id);
      if (!event || !mailEvent) {
        log.warn('not an SES mail event we know; ignored', {
          detailType: event?.['detail-type'],
          id: event?.id,
          messageId: record.messageId,
        });
        return;
      }
      let outcomes: MailEventOutcome[];
      const core: MailEventDeps = {
        store: deps.store,
        clock: deps.clock,
        pseudonymKey,
        counters: counters.for(record.messageId),
      };
      try {
        outcomes = await recordMailEvent(core, mailEvent);
      } catch (error) {
        log.warn('mail event not recorded; it goes back to the queue', {
          type: mailEvent.type,
          id: event.id,
          error: safeError(error),
        });
        throw error;
      }
      for (const outcome of outcomes) {
        outcomeCounts.add(`${mailEvent.type}:${outcome}`);
        if (outcome === 'bounced') tally.add(METRIC.bounced);
        if (outcome === 'complained') tally.add(METRIC.complained);
        if (outcome === 'bounced' || outcome === 'complained') {
          tally.add(METRIC.suppressed);
          suppressed = true;
        }
        if (outcome !== 'counted') continue;
        if (mailEvent.type === 'Bounce') tally.add(METRIC.transientBounces);
        if (mailEvent.type in engagementMetric) {
          tally.add(engagementMetric[mailEvent.type as keyof typeof engagementMetric], mailEvent.emailId);
        }
      }
      // Ids and outcomes only: the recipients' addresses stay out of the log.
      log.debug('mail event recorded', {
        type: mailEvent.type,
        id: event.id,
        emailId: mailEvent.emailId,
        messageId: mailEvent.messageId,
        ...(mailEvent.bounceType ? { bounceType: mailEvent.bounceType } : {}),
        outcomes,
      });
    };

    try {
      const response = await processPartialResponse(batch, handleRecord, new BatchProcessor(EventType.SQS), {
        ...(context ? { context } : {}),
        processInParallel: false,
        throwOnFullBatchFailure: false,
      });
      const again = await counters.flush(deps.store, deps.clock.now());
      if (again.length === 0) return response;
      log.warn('course counters not bumped; the batch’s events go back to the queue', {
        events: again.length,
      });
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      for (const id of again) failed.add(id);
      return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
    } finally {
      if (suppressed) await guard(deps, tally, log);
      deps.metrics?.publish(tally.counts());
      log.info('mail events handled', {
        records: batch.Records.length,
        outcomes: Object.fromEntries(outcomeCounts.counts().map((c) => [c.name, c.value])),
      });
    }
  };
}

/** Pauses lesson sending when the rates crossed a limit; a failure here waits for the next bounce. */
async function guard(deps: MailEventsHandlerDeps, tally: Tally, log: Logger): Promise<void> {
  try {
    const reason = await checkGuard({ store: deps.store, clock: deps.clock });
    if (!reason) return;
    tally.add(METRIC.guardPaused);
    log.error('lesson sending paused by the reputation guard; see `course status`', { reason });
  } catch (error) {
    log.warn('reputation guard not checked', { error: safeError(error) });
  }
}

function parseBody(record: SQSRecord): SesEventBridgeEvent | undefined {
  try {
    const body: unknown = JSON.parse(record.body);
    if (typeof body !== 'object' || body === null || !('detail' in body)) return undefined;
    return body as SesEventBridgeEvent;
  } catch {
    return undefined;
  }
}
