/**
 * The one fake time source of the tests: a Clock that moves only when a test moves it.
 * It also serves where code takes milliseconds and a sleep instead of a Clock (the
 * sender's pacer, the scaled clock's real time): `millis` reads it, `sleep` moves it on.
 */
import type { Clock } from '../../functions/core/ports.js';

/** Where a clock starts when the test does not care. */
const DEFAULT_START = new Date('2026-03-02T15:00:00.000Z');

export class ManualClock implements Clock {
  #ms: number;
  readonly #startMs: number;
  /** Every wait asked of `sleep`, in order. */
  readonly sleeps: number[] = [];

  constructor(start: Date | string | number = DEFAULT_START) {
    this.#ms = new Date(start).getTime();
    this.#startMs = this.#ms;
  }

  now(): Date {
    return new Date(this.#ms);
  }

  /** Moves the clock to this moment (backwards too). */
  set(moment: Date | string | number): void {
    this.#ms = new Date(moment).getTime();
  }

  advance(ms: number): void {
    this.#ms += ms;
  }

  /** The time in epoch milliseconds, for code that takes `() => number`. */
  readonly millis = (): number => this.#ms;

  /** Milliseconds the clock moved since it was made. */
  get elapsed(): number {
    return this.#ms - this.#startMs;
  }

  /** A sleep that returns at once, records the wait and moves the clock on by it. */
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.advance(ms);
  };
}
