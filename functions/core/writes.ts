/**
 * The two ways the core writes: a read-decide-write cycle that is run again when it
 * loses a conditional write, and best-effort counter bumps.
 */
import { ConflictError, type CounterDeltas, type SubscriberStore } from './ports.js';

/** Attempts of one read-decide-write cycle before a ConflictError is passed on. */
const MAX_ATTEMPTS = 5;

/**
 * Runs `attempt` (which reads, decides and writes conditionally) again when another
 * writer got there first, deciding afresh from what is now stored, a few times at most.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ConflictError) || n >= MAX_ATTEMPTS) throw error;
    }
  }
}

/**
 * Counters are statistics, bumped after the state change they count: a failed bump must
 * not turn a completed change into an error that someone would retry.
 */
export async function bumpCounters(store: SubscriberStore, deltas: CounterDeltas, at?: Date): Promise<void> {
  await store.increment(deltas, at).catch(() => undefined);
}
