/**
 * Retention on dynalite, with the clock: the store sets each record's TTL attribute, and
 * `expire` does what DynamoDB's TTL does (dynalite never does): it deletes the items whose
 * expiry has passed. What is left afterwards is what the course keeps for good.
 */
import { readFileSync } from 'node:fs';
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTable, DynamoSubscriberStore } from '../../functions/adapters/dynamo-store.js';
import { TABLE } from '../../functions/contract.js';
import {
  confirm,
  eraseSubscriber,
  type LifecycleDeps,
  subscribe,
  unsubscribe,
} from '../../functions/core/lifecycle.js';
import { type MailEvent, parseSesEvent, recordMailEvent } from '../../functions/core/mail-events.js';
import { sampleSettings } from '../../functions/core/settings.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { testApi } from '../http/harness.js';
import { ManualClock } from '../support/clock.js';
import { useDynalite } from '../support/dynalite.js';
import { httpEvent } from '../support/http-event.js';
import { subscriberId, TEST_PSEUDONYM_KEY } from '../support/identity.js';
import { testTokens } from '../support/link-keys.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { RecordingMailer } from '../support/recording-mailer.js';

const db = useDynalite();
const DAY = 24 * 60 * 60 * 1000;
const address = 'reader@example.org';
const id = subscriberId(address);
let tables = 0;
let tableName: string;
let deps: LifecycleDeps;
let clock: ManualClock;
let mailer: RecordingMailer;

async function storeKeeping(days: number): Promise<DynamoSubscriberStore> {
  tableName = `retention-${++tables}`;
  await createTable(db.clients.client, tableName);
  return new DynamoSubscriberStore(db.clients.docClient, tableName, TABLE.defaultDueShards, days);
}

beforeEach(async () => {
  clock = new ManualClock('2026-05-01T10:00:00.000Z');
  mailer = new RecordingMailer();
  deps = {
    store: await storeKeeping(365),
    mailer,
    queue: new MemoryQueue(),
    clock,
    tokens: testTokens(),
    settings: sampleSettings,
    pseudonymKey: TEST_PSEUDONYM_KEY,
  };
});

/** DynamoDB's TTL at the clock's time: deletes every item whose expiry has passed. */
async function expire(): Promise<void> {
  const { Items = [] } = await db.clients.docClient.send(new ScanCommand({ TableName: tableName }));
  const now = Math.floor(clock.now().getTime() / 1000);
  for (const item of Items) {
    const at = item[TABLE.expiryAttribute];
    if (typeof at === 'number' && at <= now) {
      await db.clients.docClient.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk } }));
    }
  }
}

async function everything(): Promise<string> {
  const { Items = [] } = await db.clients.docClient.send(new ScanCommand({ TableName: tableName }));
  return JSON.stringify(Items.filter((i) => !String(i.pk).startsWith('COUNTERS')));
}

const consent = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0', formUrl: 'https://clinic.example/knee' };

async function activeReader(): Promise<void> {
  await subscribe(deps, { email: address, firstName: 'Rea', consent });
  const pending = (await deps.store.get(id)) as Subscriber;
  await confirm(
    deps,
    deps.tokens.sign('confirm', id, { now: clock.now(), optInId: pending.optInId as string }),
  );
}

const bounce = (): MailEvent => {
  const fixture = JSON.parse(
    readFileSync(new URL('../fixtures/ses-events/bounce-permanent.json', import.meta.url), 'utf8'),
  ) as { detail: unknown };
  return parseSesEvent(fixture.detail) as MailEvent;
};

describe('retention of people who left', () => {
  it('erases an unsubscribed reader after the period, keeping only a marker, and lets them opt in again', async () => {
    await activeReader();
    clock.advance(DAY);
    await unsubscribe(deps, deps.tokens.sign('unsubscribe', id, { now: clock.now() }));

    clock.advance(364 * DAY);
    await expire();
    expect((await deps.store.get(id))?.email).toBe(address);

    clock.advance(DAY);
    await expire();
    const left = await deps.store.get(id);
    expect(left?.status).toBe('unsubscribed');
    expect(left?.email).toBeUndefined();
    const stored = await everything();
    for (const personal of [address, 'Rea', '203.0.113.7', 'Mozilla', 'clinic.example/knee']) {
      expect(stored).not.toContain(personal);
    }

    expect(await eraseSubscriber(deps, address)).toBe('tombstoned');
    expect(await everything()).toBe(stored);

    clock.advance(DAY);
    expect(await subscribe(deps, { email: address, consent })).toBe('reopened');
    expect(mailer.to(address)).toHaveLength(2);
  });

  it('keeps suppressing a bounced address after its data is erased', async () => {
    await activeReader();
    await recordMailEvent({ store: deps.store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, bounce());

    clock.advance(366 * DAY);
    await expire();
    expect((await deps.store.get(id))?.status).toBe('bounced');
    expect(await everything()).not.toContain(address);

    expect(await subscribe(deps, { email: address, consent })).toBe('suppressed');
    expect(mailer.to(address)).toHaveLength(1);
    expect(await everything()).not.toContain(address);
  });

  it('erases whoever completed the course after the period, leaving nothing', async () => {
    await activeReader();
    const active = (await deps.store.get(id)) as Subscriber;
    const { nextEmailId: _i, nextSendAt: _s, ...rest } = active;
    const completed = { ...rest, status: 'completed' as const, completedAt: clock.now().toISOString() };
    await deps.store.put({ ...completed, version: active.version + 1 }, active.version);

    clock.advance(365 * DAY - 1000);
    await expire();
    expect(await deps.store.get(id)).toBeDefined();
    clock.advance(1000);
    await expire();
    expect(await deps.store.get(id)).toBeUndefined();
    expect(await everything()).toBe('[]');
  });

  it('keeps an active reader, and drops an unconfirmed sign-up after 30 days as before', async () => {
    await activeReader();
    await subscribe(deps, { email: 'never-confirms@example.org', consent });

    clock.advance(30 * DAY + 1000);
    await expire();
    expect((await deps.store.get(id))?.status).toBe('active');
    expect(await deps.store.get(subscriberId('never-confirms@example.org'))).toBeUndefined();

    clock.advance(3650 * DAY);
    await expire();
    expect((await deps.store.get(id))?.status).toBe('active');
  });

  it('takes the period from the configuration', async () => {
    deps = { ...deps, store: await storeKeeping(90) };
    await activeReader();
    await unsubscribe(deps, deps.tokens.sign('unsubscribe', id, { now: clock.now() }));

    clock.advance(89 * DAY);
    await expire();
    expect((await deps.store.get(id))?.email).toBe(address);
    clock.advance(DAY);
    await expire();
    expect((await deps.store.get(id))?.email).toBeUndefined();
  });
});

describe('the privacy line on the sign-up page', () => {
  it.each([
    [undefined, '1 year after you finish the course'],
    [730, '2 years after you finish the course'],
    [90, '90 days after you finish the course'],
  ])('states the retention period (%s days)', async (retentionDays, says) => {
    const t = testApi(retentionDays ? { settings: { retentionDays } } : {});
    const home = await t.call(httpEvent({ path: '/' }));
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain(says);
    expect(home.body).toContain('delete your details after 30 days');
  });
});
