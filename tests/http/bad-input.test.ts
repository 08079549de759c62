import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../functions/http/response.js';
import { formPost, httpEvent, jsonPost } from '../support/http-event.js';
import { subscriberId } from '../support/identity.js';
import { type TestApi, testApi } from './harness.js';

/** The request changed nothing: no record, no counter, no email, nothing queued. */
function expectNothingChanged(t: TestApi): void {
  expect(t.store.records.size).toBe(0);
  expect(t.store.counters).toEqual({});
  expect(t.mailer.sent).toEqual([]);
  expect(t.queue.requests).toEqual([]);
}

function jsonError(response: HttpResponse): { code: string; message: string } {
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const parsed = JSON.parse(response.body) as { error: { code: string; message: string } };
  expect(Object.keys(parsed)).toEqual(['error']);
  return parsed.error;
}

/** A form error is the sign-up page again: the message, the field marked, and the form to fix it. */
function expectFormError(response: HttpResponse, message: string, field?: 'email' | 'firstName'): void {
  expect(response.statusCode).toBe(400);
  expect(response.headers['content-type']).toMatch(/^text\/html/);
  expect(response.body).toContain('There is a problem');
  expect(response.body).toContain(message);
  expect(response.body).toContain('<form method="post" action="/subscribe">');
  if (field) expect(response.body).toMatch(new RegExp(`id="${field}"[^>]*aria-invalid="true"`));
}

const malformed = [
  'not-an-address',
  'ann@',
  '@example.com',
  'ann@example',
  'ann@@example.com',
  'ann@exa mple.com',
];
const multiple = [
  'a@example.com,b@example.com',
  'a@example.com;b@example.com',
  'a@example.com b@example.com',
  'a@b.c, d@e.f',
  'a@example.com\nb@example.com',
];

describe('sign-up with a bad address', () => {
  it.each(malformed.filter((a) => !a.includes(' ')))(
    'refuses the malformed address %j (form and JSON)',
    async (email) => {
      const t = testApi();
      const form = await t.call(formPost('/subscribe', { email }));
      const json = await t.call(jsonPost('/subscribe', { email }));

      expectFormError(form, 'Enter a valid email address', 'email');
      expect(json.statusCode).toBe(400);
      expect(jsonError(json)).toEqual({
        code: 'invalid_email',
        message: expect.stringContaining('valid email'),
      });
      expectNothingChanged(t);
    },
  );

  it.each(multiple)('refuses several addresses in one field: %j', async (email) => {
    const t = testApi();
    const form = await t.call(formPost('/subscribe', { email }));
    const json = await t.call(jsonPost('/subscribe', { email }));

    expectFormError(form, 'Enter just one email address.', 'email');
    expect(jsonError(json)).toEqual({ code: 'invalid_email', message: 'Enter just one email address.' });
    expectNothingChanged(t);
  });

  it('refuses two email fields in one form', async () => {
    const t = testApi();
    const response = await t.call(
      formPost('/subscribe', [
        ['email', 'a@example.com'],
        ['email', 'b@example.com'],
      ]),
    );
    expectFormError(response, 'Enter just one email address.');
    expectNothingChanged(t);
  });

  it('refuses an address over 254 characters', async () => {
    const t = testApi();
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.com`;
    expect(email.length).toBeGreaterThan(254);

    const form = await t.call(formPost('/subscribe', { email }));
    const json = await t.call(jsonPost('/subscribe', { email }));

    expectFormError(form, 'too long', 'email');
    expect(jsonError(json).message).toContain('too long');
    expectNothingChanged(t);
  });

  it('refuses a missing or empty email field', async () => {
    const t = testApi();
    const noField = await t.call(formPost('/subscribe', { firstName: 'Ann' }));
    const empty = await t.call(formPost('/subscribe', { email: '   ' }));
    const json = await t.call(jsonPost('/subscribe', { firstName: 'Ann' }));

    expectFormError(noField, 'Enter your email address.', 'email');
    expectFormError(empty, 'Enter your email address.', 'email');
    expect(json.statusCode).toBe(400);
    expect(jsonError(json)).toEqual({ code: 'invalid_email', message: 'Enter your email address.' });
    expectNothingChanged(t);
  });

  it('shows a typed address back on the form escaped, never as markup', async () => {
    const t = testApi();
    const response = await t.call(formPost('/subscribe', { email: '"><script>alert(1)</script>' }));

    expect(response.statusCode).toBe(400);
    expect(response.body).not.toContain('<script>alert(1)');
    expect(response.body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expectNothingChanged(t);
  });
});

describe('sign-up with a bad first name', () => {
  it.each([
    ['a line feed', 'Ann\nBcc: victim@example.com'],
    ['a carriage return', 'Ann\rX'],
    ['markup', '<b>Ann</b>'],
    ['a lone angle bracket', 'Ann >'],
    ['a Unicode line separator', 'Ann\u2028Smith'],
    ['a right-to-left override', 'Ann \u202emoc.elpmaxe'],
  ])('refuses a first name with %s (400, with a clear message)', async (_kind, firstName) => {
    const t = testApi();
    const form = await t.call(formPost('/subscribe', { email: 'ann@example.com', firstName }));
    const json = await t.call(jsonPost('/subscribe', { email: 'ann@example.com', firstName }));

    expectFormError(form, 'cannot contain line breaks or the characters &lt; and &gt;', 'firstName');
    expect(jsonError(json)).toEqual({
      code: 'invalid_first_name',
      message: 'Your first name cannot contain line breaks or the characters < and >.',
    });
    expectNothingChanged(t);
  });

  it.each([
    ['a URL', 'Ann, claim your prize at https://prize.example/win'],
    ['a bare domain', 'Ann! Your account is locked: see evil.example/unlock'],
    ['a www address', 'Ann www.prize'],
    ['an email address', 'Ann, write to prize@evil.example'],
    ['an internationalised domain', 'Ann пример.рф'],
  ])('refuses a first name with %s, which mail clients would show as a link', async (_kind, firstName) => {
    const t = testApi();
    const form = await t.call(formPost('/subscribe', { email: 'ann@example.com', firstName }));
    const json = await t.call(jsonPost('/subscribe', { email: 'ann@example.com', firstName }));

    expectFormError(form, 'cannot contain a web or email address', 'firstName');
    expect(jsonError(json)).toEqual({
      code: 'invalid_first_name',
      message: 'Your first name cannot contain a web or email address.',
    });
    expectNothingChanged(t);
  });

  it.each(['J. R.', 'Ph.D', 'Mary-Jo', "D'Arcy", 'St. John', '李小龍'])(
    'accepts the first name %s',
    async (firstName) => {
      const t = testApi();
      const response = await t.call(jsonPost('/subscribe', { email: 'ann@example.com', firstName }));
      expect(response.statusCode).toBe(202);
      expect((await t.store.get(subscriberId('ann@example.com')))?.firstName).toBe(firstName);
    },
  );

  it('refuses a first name over 80 characters', async () => {
    const t = testApi();
    const firstName = 'A'.repeat(81);
    const form = await t.call(formPost('/subscribe', { email: 'ann@example.com', firstName }));
    const json = await t.call(jsonPost('/subscribe', { email: 'ann@example.com', firstName }));

    expectFormError(form, '80 characters or fewer', 'firstName');
    expect(jsonError(json).code).toBe('invalid_first_name');
    expectNothingChanged(t);
  });

  it('accepts a first name of exactly 80 characters with accents and apostrophes', async () => {
    const t = testApi();
    const firstName = `Zoë O'Brien-${'é'.repeat(68)}`;
    expect(firstName).toHaveLength(80);
    const response = await t.call(jsonPost('/subscribe', { email: 'zoe@example.com', firstName }));
    expect(response.statusCode).toBe(202);
    expect((await t.store.get(subscriberId('zoe@example.com')))?.firstName).toBe(firstName);
  });
});

describe('sign-up with an unknown time zone', () => {
  // A browser may report a zone this runtime's ICU data does not know (newer tzdata, or
  // a made-up value); the sign-up still succeeds and lessons go out at the course's hour.
  it.each([
    ['an unknown zone', 'Mars/Olympus_Mons'],
    ['a path', '../../etc/passwd'],
    ['an offset', '+05:30'],
    ['an overlong value', `Europe/${'x'.repeat(300)}`],
  ])('stores the course default zone for %s', async (_kind, timeZone) => {
    const t = testApi({ settings: { defaultTimeZone: 'Europe/Dublin' } });
    const response = await t.call(formPost('/subscribe', { email: 'tz@example.com', timeZone }));
    expect(response.statusCode).toBe(303);
    expect((await t.store.get(subscriberId('tz@example.com')))?.timeZone).toBe('Europe/Dublin');
  });

  it('stores the default zone when JSON sends a number instead of a zone name', async () => {
    const t = testApi({ settings: { defaultTimeZone: 'Europe/Dublin' } });
    const response = await t.call(jsonPost('/subscribe', { email: 'tz@example.com', timeZone: 42 }));
    expect(response.statusCode).toBe(202);
    expect((await t.store.get(subscriberId('tz@example.com')))?.timeZone).toBe('Europe/Dublin');
  });
});

describe('sign-up requests that are malformed as a whole', () => {
  it('refuses unknown fields in JSON with 400', async () => {
    const t = testApi();
    const response = await t.call(jsonPost('/subscribe', { email: 'ann@example.com', admin: true }));
    expect(response.statusCode).toBe(400);
    expect(jsonError(response)).toEqual({ code: 'unknown_field', message: 'Unknown field: admin.' });
    expectNothingChanged(t);
  });

  it('ignores extra fields in a form (a submit button, a site field)', async () => {
    const t = testApi();
    const response = await t.call(
      formPost('/subscribe', { email: 'ann@example.com', submit: 'Start', utm: 'x' }),
    );
    expect(response.statusCode).toBe(303);
  });

  it.each([
    ['a JSON array', '[]'],
    ['a JSON string', '"ann@example.com"'],
    ['JSON null', 'null'],
  ])('refuses %s as the body with 400', async (_kind, body) => {
    const t = testApi();
    const response = await t.call(jsonPost('/subscribe', body));
    expect(response.statusCode).toBe(400);
    expect(jsonError(response).code).toBe('invalid_body');
    expectNothingChanged(t);
  });

  it.each([
    ['truncated JSON', '{"email": "ann@example.com"'],
    ['not JSON at all', 'email=ann@example.com'],
    ['an empty body', ''],
  ])('refuses %s with 400 invalid_json', async (_kind, body) => {
    const t = testApi();
    const response = await t.call(jsonPost('/subscribe', body));
    expect(response.statusCode).toBe(400);
    expect(jsonError(response)).toEqual({
      code: 'invalid_json',
      message: 'The request body is not valid JSON.',
    });
    expectNothingChanged(t);
  });

  it('refuses a body over 10 KB with 413 (JSON and form)', async () => {
    const t = testApi();
    const padding = 'x'.repeat(10 * 1024);
    const json = await t.call(jsonPost('/subscribe', { email: 'ann@example.com', source: padding }));
    const form = await t.call(formPost('/subscribe', { email: 'ann@example.com', padding }));

    expect(json.statusCode).toBe(413);
    expect(jsonError(json).code).toBe('payload_too_large');
    expect(form.statusCode).toBe(413);
    expect(form.headers['content-type']).toMatch(/^text\/html/);
    expect(form.body).toContain('The request is too large.');
    expect(form.body).toContain('<a href="/">Back to the sign-up page</a>');
    expectNothingChanged(t);
  });

  it('refuses a body over 10 KB on the link routes with 413', async () => {
    const t = testApi();
    const padding = 'x'.repeat(10 * 1024);
    expect((await t.call(formPost('/confirm', { token: 'k1.a.b', padding }))).statusCode).toBe(413);
    expect((await t.call(formPost('/unsubscribe', { token: 'k1.a.b', padding }))).statusCode).toBe(413);
  });

  it.each([
    ['text/plain', 'email=ann@example.com'],
    ['application/xml', '<email>ann@example.com</email>'],
  ])('refuses the content type %s with 415', async (contentType, body) => {
    const t = testApi();
    const response = await t.call(
      httpEvent({ method: 'POST', path: '/subscribe', headers: { 'content-type': contentType }, body }),
    );
    expect(response.statusCode).toBe(415);
    expect(response.body).toContain('application/x-www-form-urlencoded');
    expectNothingChanged(t);
  });

  it('refuses a body without a content type with 415, as JSON for a JSON caller', async () => {
    const t = testApi();
    const response = await t.call(
      httpEvent({ method: 'POST', path: '/subscribe', headers: { accept: 'application/json' }, body: '{}' }),
    );
    expect(response.statusCode).toBe(415);
    expect(jsonError(response).code).toBe('unsupported_media_type');
    expectNothingChanged(t);
  });
});

describe('unknown routes and methods', () => {
  it.each(['/admin', '/subscribe/', '/confirm/extra', '/assets/other.js', '/.env', '/%2e%2e/etc'])(
    'answers %s with 404',
    async (path) => {
      const t = testApi();
      const response = await t.call(httpEvent({ path }));
      expect(response.statusCode).toBe(404);
      expect(response.body).toContain('<a href="/">Back to the sign-up page</a>');
    },
  );

  it('answers 404 as JSON to a JSON caller', async () => {
    const t = testApi();
    const response = await t.call(httpEvent({ path: '/nope', headers: { accept: 'application/json' } }));
    expect(jsonError(response)).toEqual({ code: 'not_found', message: expect.any(String) });
  });

  it.each([
    ['GET', '/subscribe', 'POST, OPTIONS'],
    ['PUT', '/subscribe', 'POST, OPTIONS'],
    ['POST', '/', 'GET, HEAD'],
    ['DELETE', '/confirm', 'GET, POST, HEAD'],
    ['PATCH', '/unsubscribe', 'GET, POST, HEAD'],
    ['POST', '/health', 'GET, HEAD'],
    ['POST', '/check-inbox', 'GET, HEAD'],
    ['OPTIONS', '/confirm', 'GET, POST, HEAD'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const t = testApi();
    const response = await t.call(httpEvent({ method, path }));
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe(allow);
    expectNothingChanged(t);
  });
});
