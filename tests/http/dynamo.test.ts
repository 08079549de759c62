/** The API on the real DynamoDB store (dynalite): the answers do not depend on the store. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, DynamoSubscriberStore } from '../../functions/adapters/dynamo-store.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import type { HttpResponse } from '../../functions/http/response.js';
import { makeDynamoClients, type RunningDynalite, startDynalite } from '../../scripts/dev/dynalite.js';
import { formPost, httpEvent, jsonPost } from '../support/http-event.js';
import { subscriberId } from '../support/identity.js';
import { confirmTokenFrom, storeSnapshot, testApi } from './harness.js';

let dynalite: RunningDynalite;
let tableCount = 0;

beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite?.close();
});

async function dynamoApi() {
  const { client, docClient } = makeDynamoClients(dynalite.endpoint);
  const table = `http-${++tableCount}`;
  await createTable(client, table);
  return testApi({ store: new DynamoSubscriberStore(docClient, table) });
}

describe('the API on DynamoDB', () => {
  it('gives the same answer for new, pending, active, unsubscribed and suppressed addresses', async () => {
    const t = await dynamoApi();
    const answers: HttpResponse[] = [];
    for (const state of ['new', 'pending', 'active', 'unsubscribed', 'suppressed']) {
      const address = `${state}@example.com`;
      const id = subscriberId(address);
      if (state !== 'new') await t.call(formPost('/subscribe', { email: address }));
      if (state !== 'new' && state !== 'pending') {
        await t.call(formPost('/confirm', { token: confirmTokenFrom(t.mailer, address) }));
      }
      if (state === 'unsubscribed') {
        const token = t.tokens.sign('unsubscribe', id, { now: t.clock.now() });
        await t.call(formPost(`/unsubscribe?token=${token}`, { 'List-Unsubscribe': 'One-Click' }));
      }
      if (state === 'suppressed') {
        const record = (await t.store.get(id)) as Subscriber;
        await t.store.put({ ...record, status: 'complained', version: record.version + 1 }, record.version);
      }
      answers.push(await t.call(formPost('/subscribe', { email: address })));
    }
    expect(answers[0]?.statusCode).toBe(303);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect((await t.store.get(subscriberId('active@example.com')))?.status).toBe('active');
    expect((await t.store.get(subscriberId('unsubscribed@example.com')))?.status).toBe('pending');
  });

  it('leaves the table empty after refused sign-ups and bad links', async () => {
    const t = await dynamoApi();
    const empty = await storeSnapshot(t.store);

    const statuses = [
      (await t.call(jsonPost('/subscribe', { email: 'a@b.co, c@d.ef' }))).statusCode,
      (await t.call(jsonPost('/subscribe', { email: 'ok@example.com', extra: 1 }))).statusCode,
      (await t.call(formPost('/subscribe', { email: 'ok@example.com', firstName: 'A\r\nB' }))).statusCode,
      (await t.call(formPost('/subscribe', { email: 'ok@example.com', website: 'bot' }))).statusCode,
      (await t.call(formPost('/confirm', { token: 'k1.e30.bad' }))).statusCode,
      (await t.call(httpEvent({ method: 'POST', path: '/unsubscribe?token=k1.e30.bad' }))).statusCode,
    ];

    expect(statuses).toEqual([400, 400, 400, 303, 400, 400]);
    expect(await storeSnapshot(t.store)).toBe(empty);
    expect(t.mailer.sent).toEqual([]);
  });
});
