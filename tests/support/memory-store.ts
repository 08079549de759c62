/**
 * In-memory SubscriberStore with the same conditional-write semantics as the DynamoDB
 * adapter, for fast core tests. Records are deep-copied in and out, as a real store would.
 */
import { utcDay } from '../../functions/core/counters.js';
import type { SendingGuard } from '../../functions/core/guard.js';
import {
  ConflictError,
  type CounterDeltas,
  type DuePage,
  type GuardStore,
  type SubscriberStore,
} from '../../functions/core/ports.js';
import type { Subscriber } from '../../functions/core/subscriber.js';

const copy = <T>(value: T): T => structuredClone(value);

export class MemoryStore implements SubscriberStore, GuardStore {
  guard: SendingGuard | undefined;
  readonly records = new Map<string, Subscriber>();
  readonly counters: Record<string, number> = {};
  /** Counters by UTC day, as the DynamoDB store keeps them. */
  readonly daily: Record<string, Record<string, number>> = {};
  readonly dueShards = 1;
  reads = 0;
  writes = 0;

  async get(id: string): Promise<Subscriber | undefined> {
    this.reads++;
    const found = this.records.get(id);
    return found ? copy(found) : undefined;
  }

  async put(subscriber: Subscriber, expectedVersion: number | undefined): Promise<void> {
    this.writes++;
    const current = this.records.get(subscriber.id);
    if (expectedVersion === undefined ? current !== undefined : current?.version !== expectedVersion) {
      throw new ConflictError();
    }
    this.records.set(subscriber.id, copy(subscriber));
  }

  async delete(id: string, expectedVersion: number): Promise<void> {
    this.writes++;
    if (this.records.get(id)?.version !== expectedVersion) throw new ConflictError();
    this.records.delete(id);
  }

  async listDue(_shard: number, now: Date, limit: number, cursor?: string): Promise<DuePage> {
    this.reads++;
    const due = [...this.records.values()]
      .filter((s) => s.status === 'active' && s.nextSendAt !== undefined && s.nextEmailId !== undefined)
      .filter((s) => Date.parse(s.nextSendAt as string) <= now.getTime())
      .sort((a, b) => (a.nextSendAt as string).localeCompare(b.nextSendAt as string));
    const start = cursor ? Number(cursor) : 0;
    const page = due.slice(start, start + limit);
    return {
      items: page.map((s) => ({
        id: s.id,
        nextEmailId: s.nextEmailId as string,
        nextSendAt: s.nextSendAt as string,
      })),
      ...(start + limit < due.length ? { cursor: String(start + limit) } : {}),
    };
  }

  async increment(deltas: CounterDeltas, at?: Date): Promise<void> {
    this.writes++;
    let day: Record<string, number> | undefined;
    if (at) {
      day = this.daily[utcDay(at)] ?? {};
      this.daily[utcDay(at)] = day;
    }
    for (const [name, delta] of Object.entries(deltas)) {
      this.counters[name] = (this.counters[name] ?? 0) + delta;
      if (day) day[name] = (day[name] ?? 0) + delta;
    }
  }

  async readDailyCounters(days: readonly string[]): Promise<Record<string, Record<string, number>>> {
    this.reads++;
    return Object.fromEntries(days.flatMap((d) => (this.daily[d] ? [[d, { ...this.daily[d] }]] : [])));
  }

  async readCounters(): Promise<Record<string, number>> {
    return { ...this.counters };
  }

  async readGuard(): Promise<SendingGuard | undefined> {
    return this.guard ? copy(this.guard) : undefined;
  }

  async writeGuard(guard: SendingGuard, expectedVersion: number | undefined): Promise<void> {
    if (expectedVersion === undefined ? this.guard !== undefined : this.guard?.version !== expectedVersion) {
      throw new ConflictError();
    }
    this.guard = copy(guard);
  }

  async scan(): Promise<{ items: Subscriber[] }> {
    return { items: [...this.records.values()].map(copy) };
  }
}
