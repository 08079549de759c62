import { afterEach, describe, expect, it, vi } from 'vitest';
import { course } from '../../functions/core/course.js';
import {
  MailerPausedError,
  MailerRejectedError,
  MailerRetryableError,
  type OutgoingEmail,
} from '../../functions/core/ports.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import type { HttpResponse } from '../../functions/http/response.js';
import { SIGNUP_ACCEPTED_MESSAGE } from '../../functions/http/signup-route.js';
import { formPost, httpEvent, jsonPost } from '../support/http-event.js';
import { subscriberId } from '../support/identity.js';
import { RecordingMailer } from '../support/recording-mailer.js';
import { confirmTokenFrom, storeSnapshot, type TestApi, testApi } from './harness.js';

const ADDRESS = 'ann.smith@example.com';

describe('form sign-up', () => {
  it('redirects to /check-inbox with 303 and sends one confirmation email', async () => {
    const t = testApi();

    const response = await t.call(formPost('/subscribe', { email: ADDRESS, firstName: 'Ann' }));

    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/check-inbox');
    expect(t.mailer.sent).toHaveLength(1);
    expect(t.mailer.sent[0]?.to).toBe(ADDRESS);
    expect(t.mailer.sent[0]?.subject).toBe(course.confirmation.subject);
    expect(t.mailer.sent[0]?.text).toContain('https://signup.clinic.example/confirm?token=');
  });

  it("sends the confirmation in the clinic's brand when it has one", async () => {
    const t = testApi({
      settings: {
        logo: { url: 'https://clinic.example/logo.png', width: 160, height: 48 },
        accentColor: '#7a2e4d',
        practitioner: 'Jane Doe, MSc',
        privacyPolicyUrl: 'https://clinic.example/privacy',
      },
    });

    await t.call(formPost('/subscribe', { email: ADDRESS }));

    const email = t.mailer.sent[0];
    expect(email?.html).toContain(
      '<img src="https://clinic.example/logo.png" alt="Riverside Massage &amp; Bodywork" width="160" height="48"',
    );
    expect(email?.html).toContain('bgcolor="#7a2e4d"');
    expect(email?.text).toContain('Jane Doe, MSc\nThe team at');
    expect(email?.text).toContain('Privacy policy (https://clinic.example/privacy)');
  });

  it('records consent: time, IP, user agent, form URL without its query, and the consent text version', async () => {
    const t = testApi();

    await t.call(
      formPost(
        '/subscribe',
        {
          email: ' Ann.Smith@Example.com ',
          firstName: 'Ann',
          timeZone: 'America/New_York',
          source: 'https://clinic.example/knee-course?email=ann.smith%40example.com#form',
        },
        { sourceIp: '198.51.100.23', userAgent: 'TestBrowser/1.0' },
      ),
    );

    const stored = await t.store.get(subscriberId(ADDRESS));
    expect(stored).toMatchObject({
      email: ADDRESS,
      firstName: 'Ann',
      timeZone: 'America/New_York',
      status: 'pending',
      consent: {
        at: t.clock.now().toISOString(),
        ip: '198.51.100.23',
        userAgent: 'TestBrowser/1.0',
        formUrl: 'https://clinic.example/knee-course',
        textVersion: course.consentTextVersion,
      },
    });
  });

  it('takes the form URL from the Referer, then the Origin, when the form has no source field', async () => {
    const t = testApi();
    await t.call(
      formPost(
        '/subscribe',
        { email: 'a@example.com' },
        { headers: { referer: 'https://clinic.example/blog/knees?x=1' } },
      ),
    );
    await t.call(
      formPost('/subscribe', { email: 'b@example.com' }, { headers: { origin: 'https://clinic.example' } }),
    );
    await t.call(formPost('/subscribe', { email: 'c@example.com', source: 'javascript:alert(1)' }));

    expect((await t.store.get(subscriberId('a@example.com')))?.consent?.formUrl).toBe(
      'https://clinic.example/blog/knees',
    );
    expect((await t.store.get(subscriberId('b@example.com')))?.consent?.formUrl).toBe(
      'https://clinic.example/',
    );
    expect((await t.store.get(subscriberId('c@example.com')))?.consent?.formUrl).toBe('unknown');
  });

  it('truncates an overlong form URL and user agent', async () => {
    const t = testApi();
    await t.call(
      formPost(
        '/subscribe',
        { email: ADDRESS, source: `https://clinic.example/${'p'.repeat(2000)}` },
        { userAgent: `Agent/${'x'.repeat(2000)}` },
      ),
    );
    const consent = (await t.store.get(subscriberId(ADDRESS)))?.consent;
    expect(consent?.formUrl.length).toBe(512);
    expect(consent?.userAgent.length).toBe(512);
  });

  it('accepts a base64-encoded form body, as API Gateway sometimes sends it', async () => {
    const t = testApi();
    const event = httpEvent({
      method: 'POST',
      path: '/subscribe',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: new URLSearchParams({ email: ADDRESS, firstName: 'Zoë' }).toString(),
      base64: true,
    });

    const response = await t.call(event);

    expect(response.statusCode).toBe(303);
    expect((await t.store.get(subscriberId(ADDRESS)))?.firstName).toBe('Zoë');
  });

  it('records the browser time zone the form sends', async () => {
    const t = testApi();
    await t.call(formPost('/subscribe', { email: ADDRESS, timeZone: 'Pacific/Auckland' }));
    expect((await t.store.get(subscriberId(ADDRESS)))?.timeZone).toBe('Pacific/Auckland');
  });
});

describe('JSON sign-up', () => {
  it('answers 202 with ok and a message', async () => {
    const t = testApi();

    const response = await t.call(
      jsonPost('/subscribe', { email: ADDRESS, firstName: 'Ann', timeZone: 'UTC' }),
    );

    expect(response.statusCode).toBe(202);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toEqual({ ok: true, message: SIGNUP_ACCEPTED_MESSAGE });
    expect(t.mailer.sent).toHaveLength(1);
  });
});

describe('form-encoded sign-up from script', () => {
  it('answers 202 JSON when the caller accepts JSON, so fetch() with FormData needs no redirect', async () => {
    const t = testApi();
    const response = await t.call(
      formPost('/subscribe', { email: ADDRESS }, { headers: { accept: 'application/json' } }),
    );
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ ok: true, message: SIGNUP_ACCEPTED_MESSAGE });
  });
});

describe('CORS', () => {
  const allowed = 'https://clinic.example';

  it('answers a preflight from an allowed origin with 204 and the CORS headers', async () => {
    const t = testApi();
    const response = await t.call(
      httpEvent({
        method: 'OPTIONS',
        path: '/subscribe',
        headers: {
          origin: allowed,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      }),
    );

    expect(response.statusCode).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': allowed,
      'access-control-allow-methods': expect.stringContaining('POST'),
      'access-control-allow-headers': expect.stringContaining('content-type'),
      vary: 'Origin',
    });
    expect(response.body).toBe('');
  });

  it('gives a preflight from any other origin no CORS headers', async () => {
    const t = testApi();
    const response = await t.call(
      httpEvent({
        method: 'OPTIONS',
        path: '/subscribe',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      }),
    );

    expect(response.statusCode).toBe(204);
    expect(Object.keys(response.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('allows an allowed origin to read the JSON answer, and no other origin', async () => {
    const t = testApi();
    const ok = await t.call(jsonPost('/subscribe', { email: ADDRESS }, { headers: { origin: allowed } }));
    const other = await t.call(
      jsonPost('/subscribe', { email: 'b@example.com' }, { headers: { origin: 'https://evil.example' } }),
    );

    expect(ok.headers['access-control-allow-origin']).toBe(allowed);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets an allowed origin read a validation error too', async () => {
    const t = testApi();
    const response = await t.call(
      jsonPost('/subscribe', { email: 'nope' }, { headers: { origin: allowed } }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.headers['access-control-allow-origin']).toBe(allowed);
  });
});

/** Puts an address into each state the way a visitor would get it there (or SES, for suppressed). */
async function addressIn(t: TestApi, state: string, address: string): Promise<void> {
  if (state === 'new') return;
  await t.call(formPost('/subscribe', { email: address }));
  if (state === 'pending') return;
  const confirmToken = confirmTokenFrom(t.mailer, address);
  await t.call(formPost('/confirm', { token: confirmToken }));
  if (state === 'active') return;
  const id = subscriberId(address);
  if (state === 'unsubscribed') {
    const token = t.tokens.sign('unsubscribe', id, { now: t.clock.now() });
    await t.call(formPost('/unsubscribe', { token }));
    return;
  }
  const record = (await t.store.get(id)) as Subscriber;
  await t.store.put(
    { ...record, status: 'bounced', suppressedAt: t.clock.now().toISOString(), version: record.version + 1 },
    record.version,
  );
}

const states = ['new', 'pending', 'active', 'unsubscribed', 'suppressed'] as const;

/** A mailer whose every send takes this long on vitest's fake timers. */
class SlowMailer extends RecordingMailer {
  constructor(readonly sendMs: number) {
    super();
  }
  override async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    vi.advanceTimersByTime(this.sendMs);
    return super.send(email);
  }
}

describe('no address enumeration', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives the same form answer for new, pending, active, unsubscribed and suppressed addresses', async () => {
    const t = testApi();
    const answers: Record<string, HttpResponse> = {};
    for (const state of states) {
      const address = `${state}@example.com`;
      await addressIn(t, state, address);
      answers[state] = await t.call(
        formPost('/subscribe', { email: address }, { headers: { origin: 'https://clinic.example' } }),
      );
    }
    expect(answers.new?.statusCode).toBe(303);
    for (const state of states) expect(answers[state], state).toEqual(answers.new);
    expect((await t.store.get(subscriberId('suppressed@example.com')))?.status).toBe('bounced');
  });

  it('gives the same JSON answer for new, pending, active, unsubscribed and suppressed addresses', async () => {
    const t = testApi();
    const answers: Record<string, HttpResponse> = {};
    for (const state of states) {
      const address = `${state}@example.com`;
      await addressIn(t, state, address);
      answers[state] = await t.call(jsonPost('/subscribe', { email: address }));
    }
    expect(answers.new?.statusCode).toBe(202);
    for (const state of states) expect(answers[state], state).toEqual(answers.new);
  });

  it('holds every accepted sign-up to the same floor, whether or not a confirmation was sent', async () => {
    // performance.now() is what the API measures the time taken with; only the test moves it.
    vi.useFakeTimers({ toFake: ['performance'] });
    const floor = 1000;
    const sendMs = 300;
    const waits: number[] = [];
    const t = testApi({
      mailer: new SlowMailer(sendMs),
      signupMinMs: floor,
      sleep: async (ms) => {
        waits.push(ms);
        vi.advanceTimersByTime(ms);
      },
    });
    const waited: Record<string, number[]> = {};
    const took: Record<string, number> = {};
    for (const state of states) {
      const address = `${state}@example.com`;
      await addressIn(t, state, address);
      waits.length = 0;
      const started = performance.now();

      await t.call(jsonPost('/subscribe', { email: address }));

      took[state] = performance.now() - started;
      waited[state] = [...waits];
    }

    // A new and a returning address cost a send; the others none.
    expect(t.mailer.to('new@example.com')).toHaveLength(1);
    expect(t.mailer.to('pending@example.com')).toHaveLength(1);
    expect(t.mailer.to('active@example.com')).toHaveLength(1);
    expect(t.mailer.to('unsubscribed@example.com')).toHaveLength(2);
    expect(t.mailer.to('suppressed@example.com')).toHaveLength(1);
    // The wait makes up what the work left of the floor.
    expect(waited).toEqual({
      new: [floor - sendMs],
      pending: [floor],
      active: [floor],
      unsubscribed: [floor - sendMs],
      suppressed: [floor],
    });
    expect(took).toEqual(Object.fromEntries(states.map((state) => [state, floor])));
  });

  it('gives the same answer, and stores and sends nothing, when the honeypot is filled', async () => {
    const t = testApi();
    const human = testApi();
    const humanForm = await human.call(formPost('/subscribe', { email: ADDRESS }));
    const humanJson = await human.call(jsonPost('/subscribe', { email: 'b@example.com' }));

    const botForm = await t.call(formPost('/subscribe', { email: ADDRESS, website: 'https://spam.example' }));
    const botJson = await t.call(jsonPost('/subscribe', { email: ADDRESS, website: 'spam' }));
    const botBadEmail = await t.call(formPost('/subscribe', { email: 'not an address', website: 'x' }));

    expect(botForm).toEqual(humanForm);
    expect(botJson).toEqual(humanJson);
    expect(botBadEmail).toEqual(humanForm);
    expect(t.store.records.size).toBe(0);
    expect(t.mailer.sent).toEqual([]);
  });

  it('still gives the neutral answer when the mail service refuses the address', async () => {
    const t = testApi();
    t.mailer.failNext(new MailerRejectedError(`Address ${ADDRESS} is on the account suppression list`));

    const response = await t.call(formPost('/subscribe', { email: ADDRESS }));

    expect(response.statusCode).toBe(303);
    expect(JSON.stringify(t.logs)).not.toContain(ADDRESS);
  });

  it('keeps every part of an address with an apostrophe out of the log when the mail service refuses it', async () => {
    const t = testApi();
    const address = "mary.o'brien@example.com";
    t.mailer.failNext(new MailerRejectedError(`The following identities failed the check: ${address}`));

    const response = await t.call(formPost('/subscribe', { email: address }));

    expect(response.statusCode).toBe(303);
    expect(t.logs.map((l) => l.attributes.error)).toEqual([
      'MailerRejectedError: The following identities failed the check: [address]',
    ]);
  });

  it.each([
    ['throttled', new MailerRetryableError('Throttled')],
    ['paused', new MailerPausedError('SES sending stopped: SendingPausedException')],
  ])(
    'gives the same answer as for an active address when sending is %s, and a new sign-up retries at once',
    async (_kind, failure) => {
      const t = testApi();
      const origin = { headers: { origin: 'https://clinic.example' } };
      await addressIn(t, 'active', 'active@example.com');
      const active = await t.call(jsonPost('/subscribe', { email: 'active@example.com' }, origin));
      t.mailer.failNext(failure);

      const response = await t.call(jsonPost('/subscribe', { email: ADDRESS }, origin));

      expect(response).toEqual(active);
      expect(JSON.stringify(t.logs)).not.toContain(ADDRESS);
      const retry = await t.call(jsonPost('/subscribe', { email: ADDRESS }));
      expect(retry.statusCode).toBe(202);
      expect(t.mailer.to(ADDRESS)).toHaveLength(1);
    },
  );

  it('never puts the address in a Location header, a page or a log line', async () => {
    const t = testApi();
    const responses: HttpResponse[] = [];
    responses.push(await t.call(formPost('/subscribe', { email: ADDRESS, firstName: 'Ann' })));
    responses.push(await t.call(jsonPost('/subscribe', { email: ADDRESS })));
    responses.push(await t.call(httpEvent({ path: responses[0]?.headers.location })));
    const token = confirmTokenFrom(t.mailer, ADDRESS);
    responses.push(await t.call(httpEvent({ path: `/confirm?token=${token}` })));
    responses.push(await t.call(formPost('/confirm', { token })));

    for (const response of responses) {
      expect(JSON.stringify(response).toLowerCase()).not.toContain('ann.smith');
    }
    expect(token).not.toContain('ann');
    expect(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).not.toContain('ann');
    expect(t.logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(t.logs).toLowerCase()).not.toContain('ann.smith');
    expect(t.logs[0]?.attributes).toEqual({ subscriberId: subscriberId(ADDRESS), outcome: 'created' });
  });
});

describe('state after sign-up', () => {
  it('keeps the store unchanged for a repeat sign-up inside the cooldown', async () => {
    const t = testApi();
    await t.call(formPost('/subscribe', { email: ADDRESS }));
    const before = await storeSnapshot(t.store);

    await t.call(formPost('/subscribe', { email: ADDRESS }));

    expect(await storeSnapshot(t.store)).toBe(before);
    expect(t.mailer.sent).toHaveLength(1);
  });
});
