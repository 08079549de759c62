import { createHash, randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * One SQS event whose records carry `bodies` as JSON (strings as they are), as an SQS
 * event source delivers it: for the tests and the benchmarks of the queue-fed handlers.
 */
export function sqsBatch(bodies: readonly unknown[]): SQSEvent {
  return {
    Records: bodies.map((value): SQSRecord => {
      const body = typeof value === 'string' ? value : JSON.stringify(value);
      const messageId = randomUUID();
      return {
        messageId,
        receiptHandle: messageId,
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 'test',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:test',
        awsRegion: 'eu-west-1',
      };
    }),
  };
}
