import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTable, DynamoSubscriberStore } from '../../functions/adapters/dynamo-store.js';
import { COUNTER } from '../../functions/contract.js';
import {
  confirm,
  eraseSubscriber,
  exportSubscriber,
  type LifecycleDeps,
  type SignupInput,
  subscribe,
  unsubscribe,
} from '../../functions/core/lifecycle.js';
import { sampleSettings } from '../../functions/core/settings.js';
import { ManualClock } from '../support/clock.js';
import { useDynalite } from '../support/dynalite.js';
import { subscriberId, TEST_PSEUDONYM_KEY } from '../support/identity.js';
import { testTokens } from '../support/link-keys.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { RecordingMailer } from '../support/recording-mailer.js';

const address = 'sam@example.com';
const id = subscriberId(address);
const signup: SignupInput = {
  email: address,
  firstName: 'Sam',
  timeZone: 'Australia/Sydney',
  consent: { ip: '198.51.100.4', userAgent: 'Mozilla/5.0 (X11)', formUrl: 'https://clinic.example/course' },
};

const db = useDynalite();
let client: DynamoDBClient;
let docClient: DynamoDBDocumentClient;
let tableName: string;
let tableCount = 0;
let mailer: RecordingMailer;
let queue: MemoryQueue;
let clock: ManualClock;
let deps: LifecycleDeps;

const tokenIn = (text: string) => /\/confirm\?token=([A-Za-z0-9_.-]+)/.exec(text)?.[1] as string;
const lastConfirmToken = () => tokenIn(mailer.sent.at(-1)?.text ?? '');

beforeEach(async () => {
  ({ client, docClient } = db.clients);
  tableName = `lifecycle-${++tableCount}`;
  await createTable(client, tableName);
  mailer = new RecordingMailer();
  queue = new MemoryQueue();
  clock = new ManualClock('2026-05-01T10:00:00Z');
  deps = {
    store: new DynamoSubscriberStore(docClient, tableName),
    mailer,
    queue,
    clock,
    tokens: testTokens(),
    settings: sampleSettings,
    pseudonymKey: TEST_PSEUDONYM_KEY,
  };
});

async function rawItems() {
  const { Items = [] } = await docClient.send(new ScanCommand({ TableName: tableName }));
  return Items;
}

describe('subscriber lifecycle on DynamoDB', () => {
  it('leaves one subscriber and sends at most one confirmation for 50 parallel sign-ups of one address', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        subscribe(deps, { ...signup, email: i % 2 ? address : ` ${address.toUpperCase()} ` }),
      ),
    );

    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(mailer.sent.length).toBeLessThanOrEqual(1);
    expect(mailer.sent).toHaveLength(1);
    const subscribers = (await rawItems()).filter((i) => String(i.pk).startsWith('SUB#'));
    expect(subscribers).toHaveLength(1);
    expect(await deps.store.readCounters()).toEqual({
      [COUNTER.signedUp]: 1,
      [COUNTER.confirmationsSent]: 1,
    });
  });

  it('confirms, becomes due at once and queues lesson 1', async () => {
    await subscribe(deps, signup);
    expect(await confirm(deps, lastConfirmToken())).toBe('confirmed');

    expect(queue.requests).toEqual([{ subscriberId: id, emailId: 'lesson-1' }]);
    const due = [];
    for (let shard = 0; shard < deps.store.dueShards; shard++) {
      due.push(...(await deps.store.listDue(shard, clock.now(), 10)).items);
    }
    expect(due).toEqual([{ id, nextEmailId: 'lesson-1', nextSendAt: clock.now().toISOString() }]);
  });

  it('starts a new opt-in after unsubscribe, and the old confirm link no longer works', async () => {
    await subscribe(deps, signup);
    const oldLink = lastConfirmToken();
    await confirm(deps, oldLink);
    const unsubscribeLink = deps.tokens.sign('unsubscribe', id, { now: clock.now() });
    expect(await unsubscribe(deps, unsubscribeLink)).toBe('unsubscribed');
    clock.advance(60_000);

    expect(await subscribe(deps, signup)).toBe('reopened');
    expect(mailer.sent).toHaveLength(2);
    const newLink = lastConfirmToken();
    expect(newLink).not.toBe(oldLink);

    await expect(confirm(deps, oldLink)).rejects.toMatchObject({
      name: 'InvalidLinkError',
      reason: 'invalid',
    });
    expect((await deps.store.get(id))?.status).toBe('pending');
    expect(await confirm(deps, newLink)).toBe('confirmed');
    expect((await deps.store.get(id))?.status).toBe('active');
  });

  it('exports everything stored about an address', async () => {
    await subscribe(deps, signup);
    const exported = await exportSubscriber(deps, address);
    expect(exported).toMatchObject({
      id,
      email: address,
      firstName: 'Sam',
      timeZone: 'Australia/Sydney',
      status: 'pending',
      consent: {
        ip: '198.51.100.4',
        userAgent: 'Mozilla/5.0 (X11)',
        formUrl: 'https://clinic.example/course',
      },
    });
    expect(exported).not.toHaveProperty('pk');
  });

  it('erases an active subscriber entirely', async () => {
    await subscribe(deps, signup);
    await confirm(deps, lastConfirmToken());

    expect(await eraseSubscriber(deps, address)).toBe('deleted');

    expect(await deps.store.get(id)).toBeUndefined();
    expect((await rawItems()).filter((i) => String(i.pk).startsWith('SUB#'))).toEqual([]);
    expect(await deps.store.listDue(0, new Date('2100-01-01'), 10)).toEqual({ items: [] });
  });

  it('erases an unsubscribed subscriber down to a tombstone with nothing personal', async () => {
    await subscribe(deps, signup);
    await confirm(deps, lastConfirmToken());
    await unsubscribe(deps, deps.tokens.sign('unsubscribe', id, { now: clock.now() }));

    expect(await eraseSubscriber(deps, address)).toBe('tombstoned');

    const [item] = (await rawItems()).filter((i) => String(i.pk).startsWith('SUB#'));
    // expiresAt: the tombstone too goes after the retention period; its marker stays.
    expect(Object.keys(item ?? {}).sort()).toEqual(
      [
        'createdAt',
        'expiresAt',
        'id',
        'pk',
        'sent',
        'status',
        'timeZone',
        'unsubscribedAt',
        'version',
      ].sort(),
    );
    expect(JSON.stringify(item)).not.toMatch(/sam|198\.51|Mozilla|clinic/i);
    const [marker] = (await rawItems()).filter((i) => String(i.pk).startsWith('MARK#'));
    expect(Object.keys(marker ?? {}).sort()).toEqual(['at', 'pk', 'status']);
    expect(await eraseSubscriber(deps, address)).toBe('tombstoned');
    expect((await deps.store.readCounters())[COUNTER.erased]).toBe(2);
  });

  it('keeps a bounced address refused after erasure', async () => {
    await subscribe(deps, signup);
    const current = await deps.store.get(id);
    if (!current) throw new Error('missing');
    await deps.store.put(
      {
        ...current,
        status: 'bounced',
        suppressedAt: clock.now().toISOString(),
        version: current.version + 1,
      },
      current.version,
    );
    expect(await eraseSubscriber(deps, address)).toBe('tombstoned');

    clock.advance(24 * 60 * 60 * 1000);
    expect(await subscribe(deps, signup)).toBe('suppressed');
    expect(mailer.sent).toHaveLength(1);
    expect((await deps.store.get(id))?.email).toBeUndefined();
  });
});
