/**
 * An in-process stand-in for the SQS queue between the sweep and the sender: it hands the
 * sender's Lambda handler SQS-shaped batches, redelivers the messages the handler reports
 * as failed after a visibility delay, and after too many receives moves them to a local
 * dead-letter list, as the SQS redrive policy does in production.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { SendRequest } from '../functions/core/ports.js';

/** The shape of an SQS-triggered Lambda handler with partial batch responses. */
export type SqsBatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

/** A message that was received too often and given up on. */
export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
}

export interface LocalQueueOptions<T = SendRequest> {
  /** Most records per batch (the SQS event source's batch size). @default 10 */
  readonly batchSize?: number;
  /** Real milliseconds a failed message stays invisible before it is delivered again. @default 2000 */
  readonly visibilityDelayMs?: number;
  /** Receives after which a failing message goes to the dead-letter list. @default 5 */
  readonly maxReceiveCount?: number;
  /** Turns an item into the message body; must match what the handler parses. @default JSON.stringify */
  readonly encode?: (item: T) => string;
  /** Name in the records' eventSourceARN. @default 'email-course-send-local' */
  readonly name?: string;
  /** One line per notable event (dead letters, handler crashes). */
  readonly log?: (line: string) => void;
}

interface Message {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  visibleAt: number;
}

const QUEUE_ARN = (name: string) => `arn:aws:sqs:local:000000000000:${name}`;

/**
 * The send queue (a `Queue` of send requests) by default; the local stack also runs one
 * of SES events in front of the mail-events handler, as SQS does on AWS.
 */
export class LocalQueue<T = SendRequest> {
  /** Messages given up on, oldest first (the local "DLQ"). */
  readonly deadLetters: DeadLetter[] = [];
  private readonly waiting: Message[] = [];
  private inFlight = 0;
  private running = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly batchSize: number;
  private readonly visibilityDelayMs: number;
  private readonly maxReceiveCount: number;
  private readonly encode: (item: T) => string;
  private readonly arn: string;
  private readonly log: (line: string) => void;

  constructor(
    private readonly handler: SqsBatchHandler,
    options: LocalQueueOptions<T> = {},
  ) {
    this.batchSize = Math.min(Math.max(options.batchSize ?? 10, 1), 10);
    this.visibilityDelayMs = options.visibilityDelayMs ?? 2000;
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.encode = options.encode ?? ((item) => JSON.stringify(item));
    this.arn = QUEUE_ARN(options.name ?? 'email-course-send-local');
    this.log = options.log ?? (() => {});
  }

  async enqueue(requests: readonly T[]): Promise<void> {
    if (this.closed) throw new Error('The local queue is closed');
    const now = Date.now();
    for (const request of requests) {
      this.waiting.push({
        messageId: randomUUID(),
        body: this.encode(request),
        sentAt: now,
        receiveCount: 0,
        visibleAt: now,
      });
    }
    this.schedule(0);
  }

  /** Messages not yet delivered for good (waiting, invisible or being handled). */
  get depth(): number {
    return this.waiting.length + this.inFlight;
  }

  /** Resolves once every message was either handled or dead-lettered. */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivering; waits for the batch in hand. Messages still waiting are dropped, as in memory. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pump();
    }, delayMs);
  }

  private async pump(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    try {
      for (;;) {
        if (this.closed) return;
        const now = Date.now();
        const batch = this.takeVisible(now);
        if (batch.length === 0) break;
        await this.deliver(batch, now);
      }
    } finally {
      this.running = false;
    }
    this.scheduleNextVisible();
    this.notifyIfIdle();
  }

  private takeVisible(now: number): Message[] {
    const batch: Message[] = [];
    for (let i = 0; i < this.waiting.length && batch.length < this.batchSize; ) {
      const message = this.waiting[i] as Message;
      if (message.visibleAt <= now) {
        this.waiting.splice(i, 1);
        batch.push(message);
      } else {
        i++;
      }
    }
    return batch;
  }

  private async deliver(batch: Message[], now: number): Promise<void> {
    this.inFlight += batch.length;
    for (const message of batch) {
      message.receiveCount++;
      message.firstReceivedAt ??= now;
    }
    let failed: Set<string>;
    try {
      const response = await this.handler({ Records: batch.map((m) => toRecord(m, this.arn)) });
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A thrown handler fails the whole batch, as with Lambda's SQS event source.
      this.log(
        `queue: batch of ${batch.length} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      failed = new Set(batch.map((m) => m.messageId));
    }
    this.inFlight -= batch.length;
    for (const message of batch) {
      if (!failed.has(message.messageId)) continue;
      if (message.receiveCount >= this.maxReceiveCount) {
        this.deadLetters.push({
          messageId: message.messageId,
          body: message.body,
          receiveCount: message.receiveCount,
        });
        this.log(
          `queue: message ${message.messageId.slice(0, 8)} moved to the dead-letter list after ${message.receiveCount} receives`,
        );
      } else {
        message.visibleAt = Date.now() + this.visibilityDelayMs;
        this.waiting.push(message);
      }
    }
  }

  private scheduleNextVisible(): void {
    if (this.waiting.length === 0 || this.closed) return;
    const next = Math.min(...this.waiting.map((m) => m.visibleAt));
    this.schedule(Math.max(0, next - Date.now()));
  }

  private notifyIfIdle(): void {
    if (this.depth !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function toRecord(message: Message, arn: string): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: `${message.messageId}#${message.receiveCount}`,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(message.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: 'local',
  };
}
