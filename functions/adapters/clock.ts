import type { Clock } from '../core/ports.js';

/** Real seconds in a real day: a `ScaledClock` with this many seconds per course day runs at real speed. */
export const REAL_DAY_SECONDS = 86_400;

/** The real time. What every Lambda uses. */
export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}

export interface ScaledClockOptions {
  /** Real seconds one course day lasts. @default 86400 (real time) */
  readonly courseDaySeconds?: number;
  /** Course time at the moment the clock is created. @default the real time then */
  readonly start?: Date;
  /** Source of real time in milliseconds (tests pass a fake). @default Date.now */
  readonly realNow?: () => number;
}

/**
 * A clock that runs fast, so a course of several days plays out in minutes on one
 * machine: course time = start + real elapsed * 86400 / courseDaySeconds. Tokens,
 * cool-downs and the lesson schedule all read this clock in the local stack.
 */
export class ScaledClock implements Clock {
  /** How many course milliseconds pass per real millisecond. */
  readonly speed: number;
  private readonly startCourseMs: number;
  private readonly startRealMs: number;
  private readonly realNow: () => number;
  private offsetMs = 0;

  constructor(options: ScaledClockOptions = {}) {
    const courseDaySeconds = options.courseDaySeconds ?? REAL_DAY_SECONDS;
    if (!Number.isFinite(courseDaySeconds) || courseDaySeconds <= 0) {
      throw new RangeError(`courseDaySeconds must be a positive number, got ${courseDaySeconds}`);
    }
    this.realNow = options.realNow ?? Date.now;
    this.startRealMs = this.realNow();
    this.startCourseMs = options.start?.getTime() ?? this.startRealMs;
    this.speed = REAL_DAY_SECONDS / courseDaySeconds;
  }

  now(): Date {
    return new Date(this.startCourseMs + (this.realNow() - this.startRealMs) * this.speed + this.offsetMs);
  }

  /** Jumps course time forward (never back: stored due times and tokens assume time only grows). */
  advance(courseMs: number): void {
    if (!(courseMs >= 0)) throw new RangeError(`Can only advance by a positive duration, got ${courseMs}`);
    this.offsetMs += courseMs;
  }
}
