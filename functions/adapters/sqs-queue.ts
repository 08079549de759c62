/**
 * The send queue on SQS: requests go out ten to a `SendMessageBatch` call, and entries
 * SQS fails (throttling, internal errors) are retried a few times before giving up.
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Queue, SendRequest } from '../core/ports.js';

export interface SqsQueueOptions {
  /** Attempts per entry, the first included. @default 4 */
  readonly attempts?: number;
  /** Batch calls in flight at once. @default 5 */
  readonly concurrency?: number;
  /** Waits between attempts; injected by tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** SQS's own limit on entries per SendMessageBatch. */
const BATCH_SIZE = 10;

export class SqsQueue implements Queue {
  readonly #attempts: number;
  readonly #concurrency: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    options: SqsQueueOptions = {},
  ) {
    this.#attempts = Math.max(1, options.attempts ?? 4);
    this.#concurrency = Math.max(1, options.concurrency ?? 5);
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Throws if some entries still fail after every attempt (the sweep queues them again later). */
  async enqueue(requests: readonly SendRequest[]): Promise<void> {
    const batches: SendRequest[][] = [];
    for (let i = 0; i < requests.length; i += BATCH_SIZE) batches.push(requests.slice(i, i + BATCH_SIZE));
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await this.#sendBatch(batches[next++] as SendRequest[]);
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, batches.length) }, worker));
  }

  async #sendBatch(batch: readonly SendRequest[]): Promise<void> {
    let pending: SendMessageBatchRequestEntry[] = batch.map((request, i) => ({
      Id: String(i),
      // Only ids travel through the queue, never an address.
      MessageBody: JSON.stringify({ subscriberId: request.subscriberId, emailId: request.emailId }),
    }));
    for (let attempt = 1; ; attempt++) {
      const { Failed = [] } = await this.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
      );
      if (Failed.length === 0) return;
      // Sender faults (a malformed entry) fail the same way every time.
      const fatal = Failed.find((f) => f.SenderFault);
      if (fatal || attempt >= this.#attempts) {
        const first = fatal ?? Failed[0];
        throw new Error(
          `SQS refused ${Failed.length} of ${pending.length} messages: ${first?.Code} ${first?.Message ?? ''}`,
        );
      }
      const failedIds = new Set(Failed.map((f) => f.Id));
      pending = pending.filter((entry) => failedIds.has(entry.Id));
      await this.#sleep(100 * 2 ** (attempt - 1));
    }
  }
}
