/**
 * Keeps one sender under its share of the SES sending rate.
 *
 * SES enforces a maximum send rate per account (for example 14 emails a second).
 * Several sender Lambdas run at once, up to the SQS event source's maximum
 * concurrency, so each instance paces itself to `rate / maxConcurrency`, the rate being
 * the lower of the account's (read from SES) and the configured ceiling: the sum over all
 * instances then stays under the account rate however many run. A throttle from SES
 * halves the pace, which climbs back over the next sends.
 */
import { type Mailer, MailerRetryableError, MailerThrottledError, type OutgoingEmail } from './ports.js';

/** Waits the given number of milliseconds. Injected so tests never wait for real. */
export type Sleep = (ms: number) => Promise<void>;

export interface PacerOptions {
  /** Milliseconds since some fixed origin; only differences matter. @default Date.now */
  readonly now?: () => number;
  /** @default a setTimeout-based sleep */
  readonly sleep?: Sleep;
  /**
   * Tokens the bucket holds when full, i.e. how many sends may go out back to back
   * after a quiet spell. Keep it small: a burst from every instance at once is what
   * trips the account rate. @default 1
   */
  readonly burst?: number;
  /**
   * Instead of `burst`: bank up to this many seconds of the rate (at least one token), so
   * the pause between two batches is made up at the start of the next.
   */
  readonly burstSeconds?: number;
}

const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each throttle halves the pace, down to this share of the target at most. */
const SLOWEST_SHARE = 1 / 16;
/** Each send after a throttle gives back this share of the target. */
const RECOVERY_STEP = 1 / 20;

/**
 * A token bucket: `take()` resolves once a send may go out. Callers that take at the
 * same time are served one after another, in call order.
 */
export class Pacer {
  readonly #burstTokens: number;
  readonly #burstSeconds: number | undefined;
  readonly #now: () => number;
  readonly #sleep: Sleep;
  #target: number;
  #rate: number;
  #tokens: number;
  #updatedAt: number;
  #queue: Promise<void> = Promise.resolve();

  /** @param ratePerSecond sends per second this instance may make; must be > 0 */
  constructor(ratePerSecond: number, options: PacerOptions = {}) {
    this.#target = checkRate(ratePerSecond);
    this.#rate = this.#target;
    this.#burstTokens = Math.max(1, options.burst ?? 1);
    this.#burstSeconds = options.burstSeconds;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    this.#tokens = 1;
    this.#updatedAt = this.#now();
  }

  get #burst(): number {
    return this.#burstSeconds === undefined
      ? this.#burstTokens
      : Math.max(1, this.#rate * this.#burstSeconds);
  }

  /** The pace right now, sends per second (below the target after a throttle). */
  get rate(): number {
    return this.#rate;
  }

  /** Sets the pace to aim at, e.g. after the account's rate changed; keeps a slow-down. */
  setRate(ratePerSecond: number): void {
    const target = checkRate(ratePerSecond);
    if (target === this.#target) return;
    this.#refill();
    this.#rate = Math.min(target, this.#rate === this.#target ? target : this.#rate);
    this.#target = target;
  }

  /** SES said too fast: halve the pace (it recovers a step per send taken). */
  slowDown(): void {
    this.#refill();
    this.#rate = Math.max(this.#target * SLOWEST_SHARE, this.#rate / 2);
    this.#tokens = Math.min(this.#tokens, 0);
  }

  /** Resolves when the caller may send one email. */
  take(): Promise<void> {
    const turn = this.#queue.then(() => this.#takeOne());
    // A failed sleep must not block every later caller.
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async #takeOne(): Promise<void> {
    for (;;) {
      this.#refill();
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        this.#rate = Math.min(this.#target, this.#rate + this.#target * RECOVERY_STEP);
        return;
      }
      await this.#sleep(Math.ceil(((1 - this.#tokens) * 1000) / this.#rate));
    }
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
    this.#updatedAt = now;
  }
}

function checkRate(ratePerSecond: number): number {
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
    throw new RangeError(`Send rate must be a positive number, got ${ratePerSecond}`);
  }
  return ratePerSecond;
}

/**
 * Per-instance send rate for a sender whose event source runs at most
 * `maxConcurrency` instances at once, so that together they stay under the account's
 * `maxSendRate` (emails per second, from the SES console or `GetAccount`).
 */
export function senderRate(maxSendRate: number, maxConcurrency: number): number {
  if (!(maxSendRate > 0) || !(maxConcurrency >= 1)) {
    throw new RangeError('maxSendRate must be > 0 and maxConcurrency >= 1');
  }
  return maxSendRate / Math.floor(maxConcurrency);
}

/** The account's maximum send rate per second, or undefined when it cannot be read. */
export type AccountSendRate = () => Promise<number | undefined>;

/** What one sender's pace is made of. */
export interface SendRateLimits {
  /** The configured ceiling for the whole course, emails per second. */
  readonly ceiling: number;
  /** Sender instances that may run at once (the event source's maximum concurrency). */
  readonly instances: number;
  /** The account's rate; without it, or when it cannot be read, the ceiling alone. */
  readonly account?: AccountSendRate;
}

/** This instance's pace: the lower of the account's rate and the ceiling, shared by the instances. */
export async function instanceRate(limits: SendRateLimits): Promise<number> {
  const account = await limits.account?.();
  const course = account === undefined ? limits.ceiling : Math.min(account, limits.ceiling);
  return senderRate(course, limits.instances);
}

/** Throttles in a row after which the send fails and its request goes back to the queue. */
export const THROTTLE_RETRIES = 5;

/** No SES call starts with less time than this left to the invocation. */
export const LAST_SEND_MARGIN_MS = 5000;

/** The invocation ran out of time at the pacer: nothing was sent, the request goes back. */
export class OutOfTimeError extends MailerRetryableError {
  constructor() {
    super('Not sent: too little time left in this invocation');
    this.name = 'OutOfTimeError';
  }
}

/**
 * A mailer that waits at the pacer before each send and, when SES throttles, slows the
 * pacer and sends again: a throttled email was not accepted, so this cannot send it
 * twice. After {@link THROTTLE_RETRIES} throttles in a row the error goes to the caller.
 * A wait that leaves under {@link LAST_SEND_MARGIN_MS} of `remainingMs` sends nothing (a
 * slow account rate must not have the invocation killed mid-send).
 */
export function pacedMailer(
  mailer: Mailer,
  pacer: Pacer,
  onThrottle?: () => void,
  remainingMs?: () => number,
): Mailer {
  return {
    async send(email: OutgoingEmail) {
      for (let attempt = 0; ; attempt++) {
        await pacer.take();
        if (remainingMs && remainingMs() < LAST_SEND_MARGIN_MS) throw new OutOfTimeError();
        try {
          return await mailer.send(email);
        } catch (error) {
          if (!(error instanceof MailerThrottledError)) throw error;
          onThrottle?.();
          pacer.slowDown();
          if (attempt >= THROTTLE_RETRIES) throw error;
        }
      }
    },
  };
}
