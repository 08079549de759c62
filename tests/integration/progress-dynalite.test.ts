/**
 * Progress by email id against DynamoDB (dynalite): records written when progress was a
 * position are read as the email at that place, and a course edited under a subscriber
 * is followed through the real store and its due index, nothing sent twice.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTable, DynamoSubscriberStore, dueShardOf } from '../../functions/adapters/dynamo-store.js';
import { TABLE } from '../../functions/contract.js';
import { course, type SequenceEmail } from '../../functions/core/course.js';
import { type SendDeps, sendNext, sweep } from '../../functions/core/drip.js';
import { sampleSettings } from '../../functions/core/settings.js';
import { ManualClock } from '../support/clock.js';
import { useDynalite } from '../support/dynalite.js';
import { subscriberId } from '../support/identity.js';
import { testTokens } from '../support/link-keys.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { RecordingMailer } from '../support/recording-mailer.js';

const db = useDynalite();
const T0 = new Date('2026-04-01T08:00:00.000Z');
const address = 'legacy@example.org';
const id = subscriberId(address);
const SHARDS = 2;
let tables = 0;
let tableName: string;
let doc: DynamoDBDocumentClient;
let store: DynamoSubscriberStore;
let mailer: RecordingMailer;
let queue: MemoryQueue;
let clock: ManualClock;

beforeEach(async () => {
  doc = db.clients.docClient;
  tableName = `progress-${++tables}`;
  await createTable(db.clients.client, tableName);
  store = new DynamoSubscriberStore(doc, tableName, SHARDS);
  mailer = new RecordingMailer();
  queue = new MemoryQueue();
  clock = new ManualClock(T0);
});

/** An item as the store wrote it before progress was kept by id: `nextIndex` a position. */
async function putLegacy(position: number, sentIds: readonly string[]): Promise<void> {
  const sent = Object.fromEntries(sentIds.map((e) => [e, { sentAt: T0.toISOString(), messageId: `m-${e}` }]));
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        pk: `SUB#${id}`,
        id,
        email: address,
        timeZone: 'UTC',
        status: 'active',
        createdAt: T0.toISOString(),
        confirmedAt: T0.toISOString(),
        nextIndex: position,
        nextSendAt: T0.toISOString(),
        sent,
        version: 3,
        [TABLE.dueIndex.partitionKey]: String(dueShardOf(id, SHARDS)),
        [TABLE.dueIndex.sortKey]: T0.toISOString(),
      },
    }),
  );
}

const rawItem = async () =>
  (await doc.send(new GetCommand({ TableName: tableName, Key: { pk: `SUB#${id}` } }))).Item ?? {};

async function sweepAndSend(sequence: readonly SequenceEmail[] = course.sequence): Promise<void> {
  const deps: SendDeps = { store, mailer, clock, tokens: testTokens(), settings: sampleSettings, sequence };
  await sweep({ store, queue, clock });
  for (const request of queue.drain()) {
    await sendNext(deps, request);
    await sendNext(deps, request);
  }
}

describe('progress by email id in DynamoDB', () => {
  it('reads a stored position as the email at that place, then stores ids', async () => {
    await putLegacy(2, ['lesson-1', 'lesson-2']);

    expect((await store.get(id))?.nextEmailId).toBe('lesson-3');
    const due = await store.listDue(dueShardOf(id, SHARDS), T0, 10);
    expect(due.items).toEqual([{ id, nextEmailId: 'lesson-3', nextSendAt: T0.toISOString() }]);

    await sweepAndSend();

    expect(mailer.sent.map((m) => m.tags.email)).toEqual(['lesson-3']);
    expect((await rawItem())[TABLE.dueIndex.projected[0]]).toBe('lesson-4');
    expect((await store.get(id))?.nextEmailId).toBe('lesson-4');
  });

  it('follows a course edited under a subscriber: the scheduled lesson removed, none sent twice', async () => {
    await putLegacy(2, ['lesson-1', 'lesson-2']);
    const without = course.sequence.filter((e) => e.id !== 'lesson-3');

    await sweepAndSend(without);
    clock.set((await store.get(id))?.nextSendAt as string);
    await sweepAndSend(without);

    expect(mailer.sent.map((m) => m.tags.email)).toEqual(['lesson-4', 'lesson-5']);
    expect((await rawItem())[TABLE.dueIndex.projected[0]]).toBe('complete');
  });

  it('leaves the due index once the course, as edited, holds nothing more', async () => {
    await putLegacy(2, ['lesson-1', 'lesson-2']);

    await sweepAndSend(course.sequence.slice(0, 2));

    expect(mailer.sent).toEqual([]);
    expect(await store.get(id)).toMatchObject({ status: 'completed' });
    expect(await rawItem()).not.toHaveProperty(TABLE.dueIndex.sortKey);
  });
});
