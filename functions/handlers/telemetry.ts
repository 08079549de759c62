/**
 * What the drip and mail-event handlers need for logs and metrics, kept small so the
 * Lambdas pass Powertools and the local stack passes something that prints lines.
 */

/**
 * Structured logger; Powertools `Logger` fits. Attributes never carry an address.
 * `debug` is for routine lines one per email: Powertools drops them unless
 * POWERTOOLS_LOG_LEVEL is DEBUG (the default level is INFO).
 */
export interface HandlerLogger {
  debug(message: string, attributes: Record<string, unknown>): void;
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** One metric of one invocation: a count, optionally per email of the course. */
export interface MetricCount {
  readonly name: string;
  readonly value: number;
  /** `email` dimension: lesson-1 ... complete. */
  readonly email?: string;
}

/** Where an invocation's counts go, once, at its end. */
export interface MetricsSink {
  publish(counts: readonly MetricCount[]): void;
}

/** Metric names the drip and mail-event handlers publish (the dashboard reads them). */
export const DRIP_METRICS = {
  /** Emails sent and recorded (`email` dimension). */
  sent: 'sent',
  /** Send attempts that failed and go back to the queue (`email` dimension). */
  sendFailed: 'sendFailed',
  /** Requests left unsent because SES sending is paused. */
  sendPaused: 'sendPaused',
  /** Subscribers who received the closing email. */
  completed: 'completed',
  /** Addresses suppressed for good, whatever the cause (bounced + complained). */
  suppressed: 'suppressed',
  /** Addresses suppressed: SES refused them at send time, or a hard bounce came back. */
  bounced: 'bounced',
  complained: 'complained',
  transientBounces: 'transientBounces',
  delivered: 'delivered',
  opened: 'opened',
  clicked: 'clicked',
  /** Send requests the sweep queued. */
  queued: 'queued',
} as const;

/** Adds up counts during an invocation. */
export class Tally {
  readonly #counts = new Map<string, { name: string; email?: string; value: number }>();

  add(name: string, email?: string, value = 1): void {
    const key = `${name}\u0000${email ?? ''}`;
    const entry = this.#counts.get(key) ?? { name, ...(email ? { email } : {}), value: 0 };
    entry.value += value;
    this.#counts.set(key, entry);
  }

  counts(): MetricCount[] {
    return [...this.#counts.values()];
  }
}

// An apostrophe may sit inside an address (o'brien@...), just not open one ('ann@...').
const addressLike = /[^\s@<>"'(),;:][^\s@<>"(),;:]*@[^\s@<>"'(),;:]+/g;

/**
 * An error as log attributes: name and message with anything shaped like an email
 * address blanked out (SES messages can quote the recipient). No stack, no cause.
 */
export function safeError(error: unknown): { name: string; message: string } {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message.replace(addressLike, '[address]') };
}

/** A logger that drops everything (tests, or when the caller passes none). */
export const silentLogger: HandlerLogger = { debug() {}, info() {}, warn() {}, error() {} };
