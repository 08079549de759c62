import { describe, expect, it } from 'vitest';
import { CONFIRM_LINK_TTL_MS } from '../../functions/core/tokens.js';
import { formPost, httpEvent } from '../support/http-event.js';
import { subscriberId } from '../support/identity.js';
import { confirmTokenFrom, storeSnapshot, type TestApi, testApi } from './harness.js';

const ADDRESS = 'reader@example.com';
const ID = subscriberId(ADDRESS);

async function signedUp(): Promise<TestApi & { confirmToken: string }> {
  const t = testApi();
  await t.call(formPost('/subscribe', { email: ADDRESS, firstName: 'Rea' }));
  return { ...t, confirmToken: confirmTokenFrom(t.mailer, ADDRESS) };
}

async function confirmed(): Promise<TestApi & { confirmToken: string; unsubscribeToken: string }> {
  const t = await signedUp();
  await t.call(formPost('/confirm', { token: t.confirmToken }));
  t.queue.drain();
  return { ...t, unsubscribeToken: t.tokens.sign('unsubscribe', ID, { now: t.clock.now() }) };
}

describe('confirm', () => {
  it('shows a page with a confirm button on GET and changes nothing', async () => {
    const t = await signedUp();
    const before = await storeSnapshot(t.store);

    const response = await t.call(httpEvent({ path: `/confirm?token=${t.confirmToken}` }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<form method="post" action="/confirm">');
    expect(response.body).toContain(`<input type="hidden" name="token" value="${t.confirmToken}">`);
    expect(response.body).toMatch(/<button type="submit">[^<]+<\/button>/);
    expect(await storeSnapshot(t.store)).toBe(before);
    expect(t.queue.requests).toEqual([]);
  });

  it('confirms on POST, queues lesson 1 and shows the welcome page', async () => {
    const t = await signedUp();

    const response = await t.call(formPost('/confirm', { token: t.confirmToken }));

    expect(response.statusCode).toBe(200);
    expect(response.headers.location).toBeUndefined();
    expect(response.body).toContain('Lesson 1 arrives within a minute');
    expect((await t.store.get(ID))?.status).toBe('active');
    expect(t.queue.requests).toEqual([{ subscriberId: ID, emailId: 'lesson-1' }]);
  });

  it('accepts the token in the query string of the POST too', async () => {
    const t = await signedUp();
    const response = await t.call(formPost(`/confirm?token=${t.confirmToken}`, {}));
    expect(response.statusCode).toBe(200);
    expect((await t.store.get(ID))?.status).toBe('active');
  });

  it('shows the same welcome page when confirmed twice, and queues lesson 1 once', async () => {
    const t = await signedUp();
    const first = await t.call(formPost('/confirm', { token: t.confirmToken }));
    const before = await storeSnapshot(t.store);

    const second = await t.call(formPost('/confirm', { token: t.confirmToken }));

    expect(second).toEqual(first);
    expect(await storeSnapshot(t.store)).toBe(before);
    expect(t.queue.requests).toHaveLength(1);
  });
});

describe('unsubscribe', () => {
  it('shows a page with an unsubscribe button on GET and changes nothing', async () => {
    const t = await confirmed();
    const before = await storeSnapshot(t.store);

    const response = await t.call(httpEvent({ path: `/unsubscribe?token=${t.unsubscribeToken}` }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<form method="post" action="/unsubscribe">');
    expect(response.body).toContain(`name="token" value="${t.unsubscribeToken}"`);
    expect(await storeSnapshot(t.store)).toBe(before);
  });

  it('unsubscribes at once on POST with the token in the form, and offers to sign up again', async () => {
    const t = await confirmed();

    const response = await t.call(formPost('/unsubscribe', { token: t.unsubscribeToken }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('You are unsubscribed');
    expect(response.body).toContain('<a href="/">Sign up again</a>');
    const stored = await t.store.get(ID);
    expect(stored?.status).toBe('unsubscribed');
    expect(stored?.nextSendAt).toBeUndefined();
  });

  it('honours an RFC 8058 one-click POST with 200 and no redirect', async () => {
    const t = await confirmed();

    const response = await t.call(
      formPost(
        `/unsubscribe?token=${t.unsubscribeToken}`,
        { 'List-Unsubscribe': 'One-Click' },
        { userAgent: 'Mail' },
      ),
    );

    expect(response.statusCode).toBe(200);
    expect(response.headers.location).toBeUndefined();
    expect((await t.store.get(ID))?.status).toBe('unsubscribed');
  });

  it('honours a one-click POST sent as base64 multipart/form-data', async () => {
    const t = await confirmed();
    const boundary = '----mailclient123';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;

    const response = await t.call(
      httpEvent({
        method: 'POST',
        path: `/unsubscribe?token=${t.unsubscribeToken}`,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
        base64: true,
      }),
    );

    expect(response.statusCode).toBe(200);
    expect((await t.store.get(ID))?.status).toBe('unsubscribed');
  });

  it('gives the same answer when unsubscribing twice and changes nothing the second time', async () => {
    const t = await confirmed();
    const first = await t.call(
      formPost(`/unsubscribe?token=${t.unsubscribeToken}`, { 'List-Unsubscribe': 'One-Click' }),
    );
    const before = await storeSnapshot(t.store);

    const second = await t.call(formPost('/unsubscribe', { token: t.unsubscribeToken }));

    expect(second).toEqual(first);
    expect(await storeSnapshot(t.store)).toBe(before);
  });

  it('lets an unsubscribed reader sign up again with a new opt-in', async () => {
    const t = await confirmed();
    await t.call(formPost('/unsubscribe', { token: t.unsubscribeToken }));

    await t.call(formPost('/subscribe', { email: ADDRESS }));
    const freshToken = confirmTokenFrom(t.mailer, ADDRESS);
    const stale = await t.call(formPost('/confirm', { token: t.confirmToken }));
    const fresh = await t.call(formPost('/confirm', { token: freshToken }));

    expect(stale.statusCode).toBe(400);
    expect(fresh.statusCode).toBe(200);
    expect((await t.store.get(ID))?.status).toBe('active');
  });
});

/** Ways a link can be wrong, each made from a good token of the right purpose. */
function badTokens(t: TestApi & { confirmToken: string }, purpose: 'confirm' | 'unsubscribe') {
  const good =
    purpose === 'confirm' ? t.confirmToken : t.tokens.sign('unsubscribe', ID, { now: t.clock.now() });
  const [kid, body, mac] = good.split('.') as [string, string, string];
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  const other = purpose === 'confirm' ? 'unsubscribe' : 'confirm';
  return [
    ['tampered payload', `${kid}.${flip(body, 5)}.${mac}`],
    ['tampered signature', `${kid}.${body}.${flip(mac, 3)}`],
    ['truncated', good.slice(0, good.length - 10)],
    ['unknown key id', `k9.${body}.${mac}`],
    ['wrong purpose', t.tokens.sign(other, ID, { now: t.clock.now(), optInId: 'x' })],
    ['garbage characters', '<script>alert(1)</script>'],
    ['empty', ''],
    ['overlong', 'a'.repeat(5000)],
  ] as const;
}

describe.each(['confirm', 'unsubscribe'] as const)('bad %s links', (purpose) => {
  it.each([
    'tampered payload',
    'tampered signature',
    'truncated',
    'unknown key id',
    'wrong purpose',
    'garbage characters',
    'empty',
    'overlong',
  ])('answers a %s token with 400, on GET and POST, and changes nothing', async (kind) => {
    const t = await signedUp();
    if (purpose === 'unsubscribe') await t.call(formPost('/confirm', { token: t.confirmToken }));
    const token = badTokens(t, purpose).find(([k]) => k === kind)?.[1] as string;
    const before = await storeSnapshot(t.store);
    const queued = t.queue.requests.length;

    const onGet = await t.call(httpEvent({ path: `/${purpose}?token=${encodeURIComponent(token)}` }));
    const onPost = await t.call(formPost(`/${purpose}`, { token }));
    const onPostQuery = await t.call(formPost(`/${purpose}?token=${encodeURIComponent(token)}`, {}));

    for (const response of [onGet, onPost, onPostQuery]) {
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toContain('This link does not work');
      expect(response.body).toContain('href="/">Sign up again</a>');
      expect(response.body).not.toContain('<script>alert');
    }
    expect(await storeSnapshot(t.store)).toBe(before);
    expect(t.queue.requests).toHaveLength(queued);
    expect(t.mailer.sent).toHaveLength(1);
  });

  it('answers a request without a token with 400', async () => {
    const t = await signedUp();
    const before = await storeSnapshot(t.store);
    expect((await t.call(httpEvent({ path: `/${purpose}` }))).statusCode).toBe(400);
    expect((await t.call(formPost(`/${purpose}`, {}))).statusCode).toBe(400);
    expect(await storeSnapshot(t.store)).toBe(before);
  });
});

describe('expired confirm links', () => {
  it('answers 410 with a page that offers to sign up again, on GET and POST, and changes nothing', async () => {
    const t = await signedUp();
    t.clock.advance(CONFIRM_LINK_TTL_MS + 1000);
    const before = await storeSnapshot(t.store);

    const onGet = await t.call(httpEvent({ path: `/confirm?token=${t.confirmToken}` }));
    const onPost = await t.call(formPost('/confirm', { token: t.confirmToken }));

    for (const response of [onGet, onPost]) {
      expect(response.statusCode).toBe(410);
      expect(response.body).toContain('This link has expired');
      expect(response.body).toContain('href="/">Sign up again</a>');
    }
    expect(await storeSnapshot(t.store)).toBe(before);
    expect(t.queue.requests).toEqual([]);
  });

  it('answers JSON callers with a JSON error', async () => {
    const t = await signedUp();
    t.clock.advance(CONFIRM_LINK_TTL_MS + 1000);
    const response = await t.call(
      httpEvent({ path: `/confirm?token=${t.confirmToken}`, headers: { accept: 'application/json' } }),
    );
    expect(response.statusCode).toBe(410);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'expired_link', message: expect.any(String) },
    });
  });

  it('keeps unsubscribe links working long after they were sent', async () => {
    const t = await confirmed();
    t.clock.advance(400 * 24 * 60 * 60 * 1000);
    const response = await t.call(
      formPost(`/unsubscribe?token=${t.unsubscribeToken}`, { 'List-Unsubscribe': 'One-Click' }),
    );
    expect(response.statusCode).toBe(200);
    expect((await t.store.get(ID))?.status).toBe('unsubscribed');
  });
});

describe('metrics', () => {
  it('publishes one signedUp, confirmed and unsubscribed per real change, none for repeats', async () => {
    const t = await confirmed();
    await t.call(formPost('/subscribe', { email: ADDRESS })); // already active: no new sign-up
    await t.call(formPost('/confirm', { token: t.confirmToken })); // already confirmed
    await t.call(formPost(`/unsubscribe?token=${t.unsubscribeToken}`, {}));
    await t.call(formPost(`/unsubscribe?token=${t.unsubscribeToken}`, {})); // already unsubscribed

    expect(t.metrics).toEqual([
      { name: 'signedUp', value: 1 },
      { name: 'confirmed', value: 1 },
      { name: 'unsubscribed', value: 1 },
    ]);
  });
});
