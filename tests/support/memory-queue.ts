/** A Queue that records what was enqueued, in order. It can be made to fail. */
import type { Queue, SendRequest } from '../../functions/core/ports.js';

export class MemoryQueue implements Queue {
  readonly requests: SendRequest[] = [];
  failing: Error | undefined;

  async enqueue(requests: readonly SendRequest[]): Promise<void> {
    if (this.failing) throw this.failing;
    this.requests.push(...requests);
  }

  /** Removes and returns everything enqueued so far. */
  drain(): SendRequest[] {
    return this.requests.splice(0, this.requests.length);
  }
}
