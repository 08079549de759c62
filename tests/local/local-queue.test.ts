import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalQueue, type SqsBatchHandler } from '../../scripts/local-queue.js';

let queue: LocalQueue | undefined;

afterEach(async () => {
  await queue?.close();
  queue = undefined;
  vi.useRealTimers();
});

function recordingQueue(
  decide: (event: SQSEvent) => ReturnType<SqsBatchHandler> = async () => ({ batchItemFailures: [] }),
  options: ConstructorParameters<typeof LocalQueue>[1] = {},
) {
  const batches: SQSEvent[] = [];
  queue = new LocalQueue(
    async (event) => {
      batches.push(structuredClone(event));
      return decide(event);
    },
    { visibilityDelayMs: 5, ...options },
  );
  return { queue, batches };
}

const request = (n: number) => ({ subscriberId: `sub-${n}`, emailId: 'lesson-1' });

describe('LocalQueue', () => {
  it('delivers SQS-shaped records with the request as the body', async () => {
    const { queue, batches } = recordingQueue();

    await queue.enqueue([request(1)]);
    await queue.idle();

    const record = batches[0]?.Records[0];
    expect(JSON.parse(record?.body ?? '')).toEqual(request(1));
    expect(record?.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record?.attributes.ApproximateReceiveCount).toBe('1');
    expect(record?.eventSource).toBe('aws:sqs');
  });

  it('hands over at most ten records per batch', async () => {
    const { queue, batches } = recordingQueue();

    await queue.enqueue(Array.from({ length: 23 }, (_, i) => request(i)));
    await queue.idle();

    expect(batches.map((b) => b.Records.length)).toEqual([10, 10, 3]);
  });

  it('redelivers only the failed messages, with a higher receive count', async () => {
    let first = true;
    const { queue, batches } = recordingQueue(async (event) => {
      if (!first) return { batchItemFailures: [] };
      first = false;
      const failing = event.Records.find((r) => JSON.parse(r.body).subscriberId === 'sub-2');
      return { batchItemFailures: [{ itemIdentifier: failing?.messageId ?? '' }] };
    });

    await queue.enqueue([request(1), request(2), request(3)]);
    await queue.idle();

    expect(batches).toHaveLength(2);
    expect(batches[1]?.Records.map((r) => JSON.parse(r.body).subscriberId)).toEqual(['sub-2']);
    expect(batches[1]?.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    expect(batches[1]?.Records[0]?.messageId).toBe(
      batches[0]?.Records.find((r) => JSON.parse(r.body).subscriberId === 'sub-2')?.messageId,
    );
    expect(queue.deadLetters).toEqual([]);
  });

  it('redelivers the whole batch when the handler throws', async () => {
    let calls = 0;
    const { queue, batches } = recordingQueue(async () => {
      calls++;
      if (calls === 1) throw new Error('sender crashed');
      return { batchItemFailures: [] };
    });

    await queue.enqueue([request(1), request(2)]);
    await queue.idle();

    expect(batches).toHaveLength(2);
    expect(batches[1]?.Records).toHaveLength(2);
  });

  it('moves a message that keeps failing to the dead-letter list after the max receive count', async () => {
    const lines: string[] = [];
    const { queue, batches } = recordingQueue(
      async (event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }),
      { maxReceiveCount: 3, log: (line) => lines.push(line) },
    );

    await queue.enqueue([request(7)]);
    await queue.idle();

    expect(batches).toHaveLength(3);
    expect(queue.deadLetters).toHaveLength(1);
    expect(JSON.parse(queue.deadLetters[0]?.body ?? '')).toEqual(request(7));
    expect(queue.deadLetters[0]?.receiveCount).toBe(3);
    expect(lines.some((l) => l.includes('dead-letter'))).toBe(true);
  });

  it('keeps a failed message invisible for the visibility delay, then delivers it again', async () => {
    vi.useFakeTimers();
    const { queue, batches } = recordingQueue(
      async (event) =>
        batches.length === 1
          ? { batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId ?? '' }] }
          : { batchItemFailures: [] },
      { visibilityDelayMs: 2000 },
    );

    await queue.enqueue([request(1)]);
    await vi.advanceTimersByTimeAsync(0);
    const firstDelivery = batches.length;
    await vi.advanceTimersByTimeAsync(1999);
    const withinTheDelay = batches.length;
    await vi.advanceTimersByTimeAsync(1);

    expect(firstDelivery).toBe(1);
    expect(withinTheDelay).toBe(1);
    expect(batches).toHaveLength(2);
    expect(batches[1]?.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    expect(queue.depth).toBe(0);
  });

  it('refuses new messages once closed', async () => {
    const { queue } = recordingQueue();

    await queue.close();

    await expect(queue.enqueue([request(1)])).rejects.toThrow(/closed/);
  });
});
