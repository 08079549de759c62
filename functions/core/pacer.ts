/**
 * Keeps one sender under its share of the SES sending rate.
 *
 * SES enforces a maximum send rate per account (for example 14 emails a second).
 * Several sender Lambdas run at once, up to the SQS event source's maximum
 * concurrency, so each instance paces itself to `maxSendRate / maxConcurrency`:
 * the sum over all instances then stays under the account rate however many run.
 * {@link senderRate} does that division.
 */

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
}

const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A token bucket: `take()` resolves once a send may go out. Callers that take at the
 * same time are served one after another, in call order.
 */
export class Pacer {
  readonly #interval: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #sleep: Sleep;
  #tokens: number;
  #updatedAt: number;
  #queue: Promise<void> = Promise.resolve();

  /** @param ratePerSecond sends per second this instance may make; must be > 0 */
  constructor(ratePerSecond: number, options: PacerOptions = {}) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`Send rate must be a positive number, got ${ratePerSecond}`);
    }
    this.#interval = 1000 / ratePerSecond;
    this.#burst = Math.max(1, options.burst ?? 1);
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    this.#tokens = this.#burst;
    this.#updatedAt = this.#now();
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
        return;
      }
      await this.#sleep(Math.ceil((1 - this.#tokens) * this.#interval));
    }
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed / this.#interval);
    this.#updatedAt = now;
  }
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
