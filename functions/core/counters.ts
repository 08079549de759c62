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
