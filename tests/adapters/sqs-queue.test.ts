import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsQueue } from '../../functions/adapters/sqs-queue.js';
import type { SendRequest } from '../../functions/core/ports.js';

// No SQS emulator runs in-process, so this adapter is tested against a mocked client.
const client = new SQSClient({ region: 'eu-west-1' });
const sqs = mockClient(client);
const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/send-queue';
const noSleep = async () => {};

const requests = (n: number): SendRequest[] =>
  Array.from({ length: n }, (_, i) => ({ subscriberId: `sub-${i}`, emailId: 'lesson-2' }));

const sentBodies = () =>
  sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => JSON.parse(entry.MessageBody as string) as SendRequest);

describe('SqsQueue', () => {
  beforeEach(() => sqs.reset());

  it('sends requests ten to a batch', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    await new SqsQueue(client, queueUrl, { sleep: noSleep }).enqueue(requests(23));

    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls.every((c) => c.args[0].input.QueueUrl === queueUrl)).toBe(true);
    expect(sentBodies()).toEqual(requests(23));
  });

  it('makes no call for nothing', async () => {
    await new SqsQueue(client, queueUrl).enqueue([]);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('retries only the entries SQS failed', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [],
        Failed: [
          { Id: '2', Code: 'InternalError', SenderFault: false },
          { Id: '5', Code: 'ThrottlingException', SenderFault: false },
        ],
      })
      .resolves({ Successful: [], Failed: [] });

    await new SqsQueue(client, queueUrl, { sleep: noSleep }).enqueue(requests(8));

    const retry = sqs.commandCalls(SendMessageBatchCommand)[1]?.args[0].input.Entries ?? [];
    expect(retry.map((e) => JSON.parse(e.MessageBody as string).subscriberId)).toEqual(['sub-2', 'sub-5']);
  });

  it('gives up after the configured attempts and says so', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });

    await expect(
      new SqsQueue(client, queueUrl, { attempts: 3, sleep: noSleep }).enqueue(requests(1)),
    ).rejects.toThrow(/SQS refused 1 of 1/);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  it('does not retry an entry SQS calls malformed', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'InvalidMessageContents', SenderFault: true }] });

    await expect(new SqsQueue(client, queueUrl, { sleep: noSleep }).enqueue(requests(1))).rejects.toThrow(
      /InvalidMessageContents/,
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it('puts no email address in a message', async () => {
    sqs.on(SendMessageBatchCommand).resolves({});
    await new SqsQueue(client, queueUrl).enqueue(requests(3));
    const raw = sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(raw.every((e) => !(e.MessageBody as string).includes('@'))).toBe(true);
  });
});
