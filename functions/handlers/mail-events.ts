/**
 * The mail-events function's per-event logic: an SES event from EventBridge in, the
 * subscriber's status and the counters updated.
 */

import { METRIC } from '../contract.js';
import { Tally } from '../core/counters.js';
import {
  type MailEventDeps,
  type MailEventOutcome,
  parseSesEvent,
  recordMailEvent,
} from '../core/mail-events.js';
import { type Logger, type MetricsSink, silentLogger } from '../core/ports.js';

export interface MailEventsHandlerDeps extends MailEventDeps {
  readonly log?: Logger;
  readonly metrics?: MetricsSink;
}

/** The parts of an EventBridge event this handler reads. */
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
 * Builds the EventBridge handler. Events it does not understand are logged and
 * acknowledged (retrying cannot help); store errors are thrown so EventBridge's retry
 * policy delivers the event again, which is safe because suppression is idempotent.
 */
export function createMailEventsHandler(
  deps: MailEventsHandlerDeps,
): (event: SesEventBridgeEvent) => Promise<MailEventOutcome[]> {
  const log = deps.log ?? silentLogger;
  return async (event) => {
    const mailEvent = parseSesEvent(event.detail);
    if (!mailEvent) {
      log.warn('not an SES mail event we know; ignored', { detailType: event['detail-type'], id: event.id });
      return [];
    }
    const outcomes = await recordMailEvent(deps, mailEvent);
    const tally = new Tally();
    for (const outcome of outcomes) {
      if (outcome === 'bounced') tally.add(METRIC.bounced);
      if (outcome === 'complained') tally.add(METRIC.complained);
      if (outcome === 'bounced' || outcome === 'complained') tally.add(METRIC.suppressed);
      if (outcome !== 'counted') continue;
      if (mailEvent.type === 'Bounce') tally.add(METRIC.transientBounces);
      if (mailEvent.type in engagementMetric) {
        tally.add(engagementMetric[mailEvent.type as keyof typeof engagementMetric], mailEvent.emailId);
      }
    }
    deps.metrics?.publish(tally.counts());
    // Ids and outcomes only: the recipients' addresses stay out of the log.
    log.info('mail event recorded', {
      type: mailEvent.type,
      emailId: mailEvent.emailId,
      messageId: mailEvent.messageId,
      ...(mailEvent.bounceType ? { bounceType: mailEvent.bounceType } : {}),
      outcomes,
    });
    return outcomes;
  };
}
