/**
 * Requests as an attacker would send them: floods from one client, many spellings of one
 * mailbox, a caught bot timing its answer, lookalike names, odd addresses, tokens in odd
 * bodies. Each case checks the status, that nothing was stored or sent that should not
 * be, and that the API still serves a real visitor afterwards.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { subscriberId as keyedId } from '../../functions/core/identity.js';
import type { HttpResponse } from '../../functions/http/response.js';
import { TOO_MANY_SIGNUPS_MESSAGE } from '../../functions/http/signup-route.js';
import { formPost, httpEvent, jsonPost } from '../support/http-event.js';
import { subscriberId } from '../support/identity.js';
import { MemoryLimiter } from '../support/memory-limiter.js';
import { confirmTokenFrom, storeSnapshot, type TestApi, testApi } from './harness.js';

const MINUTE = 60_000;

/** The API still answers a real visitor: a fresh sign-up from another client goes through. */
async function expectStillServes(t: TestApi): Promise<void> {
  expect((await t.call(httpEvent({ path: '/health' }))).statusCode).toBe(200);
  const address = `still-${Math.random().toString(36).slice(2)}@example.org`;
  const before = t.mailer.sent.length;
  const response = await t.call(jsonPost('/subscribe', { email: address }, { sourceIp: '198.51.100.250' }));
  expect(response.statusCode).toBe(202);
  expect(t.mailer.sent.length).toBe(before + 1);
}

function errorOf(response: HttpResponse): { code: string; message: string } {
  return (JSON.parse(response.body) as { error: { code: string; message: string } }).error;
}

describe('one client signing up many addresses', () => {
  it('gets 429 with Retry-After and one message for every address after its budget', async () => {
    const t = testApi();
    t.clock.set(new Date('2026-12-01T09:30:00.000Z'));
    for (let n = 0; n < 10; n++) {
      const ok = await t.call(jsonPost('/subscribe', { email: `p${n}@example.com` }));
      expect(ok.statusCode).toBe(202);
    }
    const json = await t.call(jsonPost('/subscribe', { email: 'new@example.com' }));
    const again = await t.call(jsonPost('/subscribe', { email: 'p0@example.com' }));
    const form = await t.call(formPost('/subscribe', { email: 'other@example.net' }));

    for (const response of [json, again, form]) {
      expect(response.statusCode).toBe(429);
      expect(response.headers['retry-after']).toBe('600');
    }
    expect(errorOf(json)).toEqual({ code: 'too_many_requests', message: TOO_MANY_SIGNUPS_MESSAGE });
    expect(again.body).toBe(json.body);
    expect(form.headers['content-type']).toMatch(/^text\/html/);
    expect(form.body).toContain(TOO_MANY_SIGNUPS_MESSAGE);
    expect(t.mailer.sent).toHaveLength(10);
    expect(t.store.records.has(subscriberId('new@example.com'))).toBe(false);
    expect(t.store.records.has(subscriberId('other@example.net'))).toBe(false);
    await expectStillServes(t);
  });

  it('counts a whole IPv6 /64 as one client', async () => {
    const t = testApi({ clientBudget: { limit: 2, windowMs: 10 * MINUTE } });
    const from = (ip: string, email: string) => t.call(jsonPost('/subscribe', { email }, { sourceIp: ip }));
    expect((await from('2001:db8:1:2::1', 'a@example.com')).statusCode).toBe(202);
    expect((await from('2001:db8:1:2:ffff::9', 'b@example.com')).statusCode).toBe(202);
    expect((await from('2001:db8:1:2:abcd::1', 'c@example.com')).statusCode).toBe(429);
    expect((await from('2001:db8:1:3::1', 'd@example.com')).statusCode).toBe(202);
    expect(t.mailer.sent.map((m) => m.to)).toEqual(['a@example.com', 'b@example.com', 'd@example.com']);
  });

  it('may sign up again in the next window, told how long to wait', async () => {
    const t = testApi({ clientBudget: { limit: 1, windowMs: 10 * MINUTE } });
    t.clock.set(new Date('2026-12-01T09:34:30.000Z'));
    await t.call(jsonPost('/subscribe', { email: 'a@example.com' }));
    const refused = await t.call(jsonPost('/subscribe', { email: 'b@example.com' }));
    expect(refused.headers['retry-after']).toBe('330');
    t.clock.advance(330 * 1000);
    expect((await t.call(jsonPost('/subscribe', { email: 'b@example.com' }))).statusCode).toBe(202);
  });

  it('never stores the client address for the limit, only a keyed hash', async () => {
    const limiter = new MemoryLimiter();
    const t = testApi({ limiter });
    await t.call(jsonPost('/subscribe', { email: 'a@example.com' }, { sourceIp: '192.0.2.44' }));
    expect(limiter.clients.size).toBe(1);
    expect(JSON.stringify([...limiter.clients.keys()])).not.toContain('192.0.2');
  });
});

describe('many spellings of one mailbox', () => {
  it('sends one confirmation for victim+0 to victim+49, the same answer to each', async () => {
    const t = testApi({ clientBudget: { limit: 100, windowMs: 10 * MINUTE } });
    const answers = new Set<string>();
    for (let n = 0; n < 50; n++) {
      const response = await t.call(jsonPost('/subscribe', { email: `victim+${n}@example.com` }));
      expect(response.statusCode).toBe(202);
      answers.add(response.body);
    }
    expect(answers.size).toBe(1);
    expect(t.mailer.sent.map((m) => m.to)).toEqual(['victim+0@example.com']);
    expect(t.store.records.size).toBe(1);
    await expectStillServes(t);
  });

  it('folds dots at Gmail, and keeps the address the person typed', async () => {
    const t = testApi();
    await t.call(jsonPost('/subscribe', { email: 'Jane.Doe+news@gmail.com' }));
    await t.call(jsonPost('/subscribe', { email: 'janedoe@googlemail.com' }));
    await t.call(jsonPost('/subscribe', { email: 'j.a.n.e.d.o.e@gmail.com' }));
    expect(t.mailer.sent.map((m) => m.to)).toEqual(['jane.doe+news@gmail.com']);
    expect(t.store.records.get(subscriberId('jane.doe+news@gmail.com'))?.email).toBe(
      'jane.doe+news@gmail.com',
    );
  });

  it('sends at most three confirmations to one mailbox in 24 hours', async () => {
    const t = testApi({ clientBudget: { limit: 100, windowMs: 10 * MINUTE } });
    for (let n = 0; n < 6; n++) {
      await t.call(jsonPost('/subscribe', { email: `victim+${n}@example.com` }));
      t.clock.advance(11 * MINUTE);
    }
    expect(t.mailer.sent).toHaveLength(3);
    t.clock.advance(24 * 60 * MINUTE);
    await t.call(jsonPost('/subscribe', { email: 'victim+late@example.com' }));
    expect(t.mailer.sent).toHaveLength(4);
  });
});

describe('a bot caught by the honeypot', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits the same floor as a real sign-up, and nothing is stored or sent', async () => {
    // performance.now() is what the API measures the time taken with; only the test moves it.
    vi.useFakeTimers({ toFake: ['performance'] });
    const floor = 1000;
    const waits: number[] = [];
    const t = testApi({
      signupMinMs: floor,
      sleep: async (ms) => {
        waits.push(ms);
        vi.advanceTimersByTime(ms);
      },
    });
    const bots = [
      formPost('/subscribe', { email: 'bot@example.com', website: 'https://spam.example' }),
      jsonPost('/subscribe', { email: 'bot@example.com', website: 'spam' }),
      formPost('/subscribe', { email: 'not an address', website: 'x' }),
    ];
    for (const bot of bots) {
      waits.length = 0;
      const started = performance.now();
      const response = await t.call(bot);
      expect([202, 303]).toContain(response.statusCode);
      expect(waits).toEqual([floor]);
      expect(performance.now() - started).toBe(floor);
    }
    expect(t.store.records.size).toBe(0);
    expect(t.mailer.sent).toEqual([]);

    waits.length = 0;
    const started = performance.now();
    await t.call(jsonPost('/subscribe', { email: 'human@example.com' }));
    expect(performance.now() - started).toBe(floor);
    await expectStillServes(t);
  });
});

describe('names that hide a link', () => {
  it.each([
    'ｅｖｉｌ．ｃｏｍ',
    'evil。com',
    'evil｡com',
    'evil．com',
    'ｗｗｗ．evil',
    'me＠evil',
    'ｈｔｔｐｓ：／／evil',
  ])('refuses %j with 400, storing and sending nothing', async (firstName) => {
    const t = testApi();
    const json = await t.call(jsonPost('/subscribe', { email: 'ann@example.com', firstName }));
    const form = await t.call(formPost('/subscribe', { email: 'ann@example.com', firstName }));

    expect(json.statusCode).toBe(400);
    expect(errorOf(json)).toEqual({
      code: 'invalid_first_name',
      message: 'Your first name cannot contain a web or email address.',
    });
    expect(form.statusCode).toBe(400);
    expect(t.store.records.size).toBe(0);
    expect(t.mailer.sent).toEqual([]);
    await expectStillServes(t);
  });

  it('greets a full-width name in the letters it checked', async () => {
    const t = testApi();
    await t.call(jsonPost('/subscribe', { email: 'fiona@example.com', firstName: 'Ｆｉｏｎａ' }));
    expect(t.store.records.get(subscriberId('fiona@example.com'))?.firstName).toBe('Fiona');
    expect(t.mailer.sent[0]?.text).toContain('Fiona');
  });
});

describe('addresses by the rules mail providers follow', () => {
  it.each([
    ['a@example.xn--p1ai', 'a@example.xn--p1ai'],
    ['user@пример.рф', 'user@xn--e1afmkfd.xn--p1ai'],
    ["o'brien!#$%&*+/=?^_`{|}~-x@example.com", "o'brien!#$%&*+/=?^_`{|}~-x@example.com"],
    [`${'a'.repeat(64)}@example.com`, `${'a'.repeat(64)}@example.com`],
  ])('accepts %j and mails it as %j', async (email, sentTo) => {
    const t = testApi();
    const response = await t.call(jsonPost('/subscribe', { email }));
    expect(response.statusCode).toBe(202);
    expect(t.mailer.sent.map((m) => m.to)).toEqual([sentTo]);
    expect(t.store.records.get(subscriberId(sentTo))?.email).toBe(sentTo);
  });

  it.each([
    [`${'a'.repeat(65)}@example.com`, 'The part before the @ is too long (at most 64 characters).'],
    [
      `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(57)}.com`,
      'That email address is too long',
    ],
    ['a..b@example.com', 'Enter a valid email address'],
    ['.ann@example.com', 'Enter a valid email address'],
    ['ann@[192.0.2.1]', 'Enter a valid email address'],
    ['ann@-example.com', 'Enter a valid email address'],
    ['ann@example.c0m', 'Enter a valid email address'],
    ['ann(comment)@example.com', 'Enter a valid email address'],
  ])('refuses %j with a clear 400, storing and sending nothing', async (email, message) => {
    const t = testApi();
    const json = await t.call(jsonPost('/subscribe', { email }));
    const form = await t.call(formPost('/subscribe', { email }));

    expect(json.statusCode).toBe(400);
    expect(errorOf(json).code).toBe('invalid_email');
    expect(errorOf(json).message).toContain(message);
    expect(form.statusCode).toBe(400);
    expect(form.body).toContain(message.replace("'", '&#39;'));
    expect(t.store.records.size).toBe(0);
    expect(t.mailer.sent).toEqual([]);
    await expectStillServes(t);
  });
});

describe('one-click unsubscribe with the token in the body (RFC 8058)', () => {
  async function reader(): Promise<TestApi & { token: string; id: string }> {
    const t = testApi();
    const address = 'reader@example.com';
    await t.call(formPost('/subscribe', { email: address }));
    await t.call(formPost('/confirm', { token: confirmTokenFrom(t.mailer, address) }));
    t.queue.drain();
    const id = subscriberId(address);
    return { ...t, id, token: t.tokens.sign('unsubscribe', id, { now: t.clock.now() }) };
  }
  const multipart = (boundary: string, fields: Record<string, string>) =>
    `${Object.entries(fields)
      .map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      )
      .join('')}--${boundary}--\r\n`;

  it.each([false, true])('unsubscribes with the token in a multipart body (base64: %s)', async (base64) => {
    const t = await reader();
    const boundary = '----mail-provider-7';
    const response = await t.call(
      httpEvent({
        method: 'POST',
        path: '/unsubscribe',
        headers: { 'content-type': `multipart/form-data; boundary="${boundary}"` },
        body: multipart(boundary, { 'List-Unsubscribe': 'One-Click', token: t.token }),
        base64,
      }),
    );
    expect(response.statusCode).toBe(200);
    expect((await t.store.get(t.id))?.status).toBe('unsubscribed');
  });

  it('unsubscribes with the token in an urlencoded body', async () => {
    const t = await reader();
    const response = await t.call(
      formPost('/unsubscribe', { 'List-Unsubscribe': 'One-Click', token: t.token }),
    );
    expect(response.statusCode).toBe(200);
    expect((await t.store.get(t.id))?.status).toBe('unsubscribed');
  });

  it.each([
    ['no boundary', 'multipart/form-data', (token: string) => multipart('b', { token })],
    [
      'a broken body',
      'multipart/form-data; boundary=b',
      (token: string) => `--b\r\nname="token"\r\n${token}`,
    ],
    [
      'a file part',
      'multipart/form-data; boundary=b',
      (token: string) =>
        `--b\r\nContent-Disposition: form-data; name="token"; filename="t"\r\n\r\n${token}\r\n--b--\r\n`,
    ],
  ])('refuses %s with 400, changing nothing', async (_case, contentType, bodyOf) => {
    const t = await reader();
    const before = await storeSnapshot(t.store);
    const response = await t.call(
      httpEvent({
        method: 'POST',
        path: '/unsubscribe',
        headers: { 'content-type': contentType },
        body: bodyOf(t.token),
      }),
    );
    expect(response.statusCode).toBe(400);
    expect(await storeSnapshot(t.store)).toBe(before);
    await expectStillServes(t);
  });

  it('refuses a malformed multipart sign-up with 400, storing and sending nothing', async () => {
    const t = testApi();
    const response = await t.call(
      jsonPost('/subscribe', '--b\r\nContent-Disposition: form-data; name="email"\r\n', {
        headers: { 'content-type': 'multipart/form-data; boundary=b' },
      }),
    );
    expect(response.statusCode).toBe(400);
    expect(t.store.records.size).toBe(0);
    expect(t.mailer.sent).toEqual([]);
    await expectStillServes(t);
  });

  it('accepts a sign-up form sent as multipart', async () => {
    const t = testApi();
    const response = await t.call(
      httpEvent({
        method: 'POST',
        path: '/subscribe',
        headers: { 'content-type': 'multipart/form-data; boundary=b' },
        body: multipart('b', { email: 'multi@example.com', firstName: 'Mo' }),
      }),
    );
    expect(response.statusCode).toBe(303);
    expect(t.mailer.sent.map((m) => m.to)).toEqual(['multi@example.com']);
  });
});

describe('someone holding a link or a log line', () => {
  it('cannot test a guessed address against the id in it', async () => {
    const t = testApi();
    const address = 'guess-me@example.com';
    await t.call(jsonPost('/subscribe', { email: address }));
    const token = confirmTokenFrom(t.mailer, address);
    const { subscriberId: inLink } = t.tokens.verify(token, 'confirm', t.clock.now());
    const inLog = t.logs.find((l) => l.message === 'Sign-up')?.attributes.subscriberId;

    const unkeyed = (prefix: string) =>
      createHash('sha256').update(`${prefix}${address}`).digest('base64url');
    for (const guess of [unkeyed(''), unkeyed('knee-course:v1:'), unkeyed('email-course:v2:')]) {
      expect(inLink).not.toBe(guess);
    }
    expect(inLog).toBe(inLink);
    expect(inLink).toBe(subscriberId(address));
    expect(keyedId(address, 'another-deployment-key-0123456789abcdef01')).not.toBe(inLink);
    expect(JSON.stringify(t.logs)).not.toContain(address);
  });
});
