/**
 * An SES stand-in that misbehaves on purpose, reproducibly (seeded): a share of sends
 * fail as SES throttling or 5xx errors would (nothing delivered), and a share of the
 * accepted ones "crash": the email is delivered, then the caller gets an error as if
 * its process had died before it could record the send.
 */
import {
  type Clock,
  type Mailer,
  MailerRetryableError,
  type OutgoingEmail,
} from '../../functions/core/ports.js';

/** A delivered email, in delivery order (`seq` is global across the run). */
export interface Delivery {
  readonly seq: number;
  readonly to: string;
  readonly emailId: string;
  readonly messageId: string;
  /** When it went out, by the clock passed in (if any). */
  readonly at?: Date;
}

/** Thrown after SES accepted the email: the sender cannot tell whether it went out. */
export class SimulatedCrashError extends Error {
  override readonly name = 'SimulatedCrashError';
  constructor() {
    super('The sender died after SES accepted the email');
  }
}

export interface FaultyMailerOptions {
  /** Share of calls that fail with MailerRetryableError, 0..1. */
  readonly failureRate: number;
  /** Share of accepted calls that then crash, 0..1. @default 0 */
  readonly crashRate?: number;
  /** @default 1 */
  readonly seed?: number;
  /** Shared sequence so deliveries can be ordered against other events. */
  readonly nextSeq?: () => number;
  /** Stamps deliveries with this clock's time. */
  readonly clock?: Clock;
}

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultyMailer implements Mailer {
  readonly deliveries: Delivery[] = [];
  attempts = 0;
  failures = 0;
  /** Crashes by `<to> <emailId>`, to compare against duplicates of the same email. */
  readonly crashes = new Map<string, number>();
  readonly #random: () => number;
  readonly #nextSeq: () => number;
  #seq = 0;

  constructor(private readonly options: FaultyMailerOptions) {
    this.#random = seededRandom(options.seed ?? 1);
    this.#nextSeq = options.nextSeq ?? (() => ++this.#seq);
  }

  get crashCount(): number {
    return [...this.crashes.values()].reduce((a, b) => a + b, 0);
  }

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    this.attempts++;
    // Let other sends interleave, as network calls would.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.#random() < this.options.failureRate) {
      this.failures++;
      throw new MailerRetryableError(
        this.#random() < 0.5 ? 'Maximum sending rate exceeded' : 'SES answered 503 Service Unavailable',
      );
    }
    const emailId = email.tags.email ?? '?';
    const messageId = `faulty-${this.attempts}`;
    const at = this.options.clock?.now();
    this.deliveries.push({ seq: this.#nextSeq(), to: email.to, emailId, messageId, ...(at ? { at } : {}) });
    if (this.#random() < (this.options.crashRate ?? 0)) {
      const key = `${email.to} ${emailId}`;
      this.crashes.set(key, (this.crashes.get(key) ?? 0) + 1);
      throw new SimulatedCrashError();
    }
    return { messageId };
  }
}
