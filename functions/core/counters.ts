import type { MetricCount } from './ports.js';

/** Adds up metric counts during an invocation, so each is published once at its end. */
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

/** The UTC day of a time, as daily counters are keyed: `2026-12-02`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The `count` UTC days that end with the day of `now`, oldest first. */
export function lastDays(now: Date, count: number): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: count }, (_, i) => utcDay(new Date(today - (count - 1 - i) * 86_400_000)));
}
