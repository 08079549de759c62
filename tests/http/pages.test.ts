import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { course, lessons } from '../../functions/core/course.js';
import { signupJs } from '../../functions/http/assets.js';
import type { HttpResponse } from '../../functions/http/response.js';
import { formPost, httpEvent, jsonPost, TEST_DOMAIN } from '../support/http-event.js';
import { subscriberId } from '../support/identity.js';
import { confirmTokenFrom, testApi } from './harness.js';

describe('the sign-up page', () => {
  it('shows the course, its five lessons, the form, the consent text and the privacy note', async () => {
    const t = testApi();
    const { statusCode, headers, body } = await t.call(httpEvent({ path: '/' }));

    expect(statusCode).toBe(200);
    expect(headers['content-type']).toBe('text/html; charset=utf-8');
    expect(body).toContain(`<h1>${course.title}</h1>`);
    expect(body).toContain(course.description);
    expect(lessons).toHaveLength(5);
    for (const lesson of lessons) expect(body).toContain(`<li>${lesson.summary}</li>`);
    expect(body).toContain('<form method="post" action="/subscribe">');
    expect(body).toContain(course.consentText);
    expect(body).toMatch(/never share/i);
    expect(body).toMatch(/unsubscribe at any time/i);
  });

  it('tells, before the sign-up, everything the course records about a subscriber', async () => {
    const t = testApi();
    const { body } = await t.call(httpEvent({ path: '/' }));
    const note = /<p class="privacy">([^<]*)<\/p>/.exec(body)?.[1] ?? '';

    // The consent record and the per-email engagement counts are stored with the address.
    for (const kept of ['email address', 'first name', 'time zone', 'IP address', 'browser', 'delivered']) {
      expect(note, kept).toContain(kept);
    }
  });

  it('says opens and clicks are not tracked when the clinic left tracking off (the default)', async () => {
    const { body } = await testApi().call(httpEvent({ path: '/' }));
    const note = /<p class="privacy">([^<]*)<\/p>/.exec(body)?.[1] ?? '';

    expect(note).toContain('we do not track opens or clicks');
    expect(note).not.toMatch(/when you open|links you click|image/);
  });

  it('tells of the tracking image and links when the clinic turned tracking on', async () => {
    const t = testApi({ settings: { trackOpensAndClicks: true } });
    const { body } = await t.call(httpEvent({ path: '/' }));
    const note = /<p class="privacy">([^<]*)<\/p>/.exec(body)?.[1] ?? '';

    expect(note).toContain('when you open it and which links you click');
    expect(note).toContain('an image in each email');
    expect(note).not.toContain('do not track');
  });

  it('has labelled fields, a hidden time zone, and a consent source pointing at itself', async () => {
    const t = testApi();
    const { body } = await t.call(httpEvent({ path: '/' }));

    expect(body).toMatch(
      /<label for="email">[^<]+<\/label>\s*<input id="email" name="email" type="email"[^>]*required/,
    );
    expect(body).toMatch(/<input id="email"[^>]*autocomplete="email"/);
    expect(body).toMatch(/<label for="firstName">First name/);
    expect(body).toMatch(/<input id="firstName" name="firstName" type="text"[^>]*autocomplete="given-name"/);
    expect(body).toContain('<input type="hidden" name="timeZone" value="">');
    expect(body).toContain('<input type="hidden" name="source" value="https://signup.clinic.example/">');
    expect(body).toMatch(/<button type="submit"[^>]*>Start the free course<\/button>/);
  });

  it('hides the honeypot from people and screen readers and keeps it out of the tab order', async () => {
    const t = testApi();
    const { body } = await t.call(httpEvent({ path: '/' }));

    const honeypot = /<div class="hp" aria-hidden="true">([\s\S]*?)<\/div>/.exec(body)?.[1];
    expect(honeypot).toBeDefined();
    expect(honeypot).toMatch(
      /<input id="website" name="website" type="text" tabindex="-1" autocomplete="off">/,
    );
    expect((await t.call(httpEvent({ path: '/assets/site.css' }))).body).toMatch(
      /\.hp \{[^}]*position: absolute; left: -10000px/,
    );
  });

  it('is a complete, accessible document: language, viewport, title, landmarks, skip link', async () => {
    const t = testApi();
    const { body } = await t.call(httpEvent({ path: '/' }));

    expect(body).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(body).toMatch(/<title>[^<]+<\/title>/);
    expect(body).toContain('<main id="main"');
    expect(body).toContain('<header class="site-header">');
    expect(body).toContain('<footer class="site-footer">');
    expect(body).toContain('<a class="skip-link" href="#main">');
  });

  it('has no inline script or style, only its own stylesheet and script', async () => {
    const t = testApi();
    const { body } = await t.call(httpEvent({ path: '/' }));

    expect(body).not.toMatch(/<style/i);
    expect(body).not.toMatch(/\sstyle=/i);
    expect(body).not.toMatch(/\son[a-z]+=/i);
    const scripts = body.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? [];
    expect(scripts).toEqual(['<script src="/assets/signup.js" defer></script>']);
    expect(body).toContain('<link rel="stylesheet" href="/assets/site.css?accent=1f5e57">');
  });

  it('escapes configured text on the page', async () => {
    const t = testApi({ settings: { clinicName: 'Knees <&> "Co"' } });
    const { body } = await t.call(httpEvent({ path: '/' }));
    expect(body).toContain('Knees &lt;&amp;&gt; &quot;Co&quot;');
    expect(body).not.toContain('Knees <&>');
  });

  it('re-renders with the field marked and described when a form post is refused', async () => {
    const t = testApi();
    const { body } = await t.call(formPost('/subscribe', { email: 'nope', firstName: 'Ann' }));

    expect(body).toContain('<title>Error: ');
    expect(body).toMatch(
      /<div class="error-summary" role="alert" tabindex="-1" autofocus>[\s\S]*<a href="#email">/,
    );
    expect(body).toMatch(
      /<input id="email"[^>]*value="nope" aria-invalid="true" aria-describedby="email-error">/,
    );
    expect(body).toContain('<p class="field-error" id="email-error">');
    expect(body).toMatch(/<input id="firstName"[^>]*value="Ann">/);
  });
});

describe('the other pages', () => {
  it('shows a check-your-inbox page that says the same for every address', async () => {
    const t = testApi();
    const response = await t.call(httpEvent({ path: '/check-inbox' }));
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<h1>Check your inbox</h1>');
    expect(response.body).toContain('If the address can receive the course');
  });

  it('answers /health with 200 JSON', async () => {
    const t = testApi();
    const response = await t.call(httpEvent({ path: '/health' }));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ ok: true });
  });

  it('serves the stylesheet and script with their types and an hour of caching', async () => {
    const t = testApi();
    const css = await t.call(httpEvent({ path: '/assets/site.css' }));
    const js = await t.call(httpEvent({ path: '/assets/signup.js' }));

    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toContain(':focus-visible');
    expect(css.body).toContain('@media (min-width');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe(signupJs);
    for (const asset of [css, js]) expect(asset.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('answers HEAD like GET without a body', async () => {
    const t = testApi();
    const get = await t.call(httpEvent({ path: '/' }));
    const head = await t.call(httpEvent({ method: 'HEAD', path: '/' }));
    expect(head.statusCode).toBe(200);
    expect(head.headers).toEqual(get.headers);
    expect(head.body).toBe('');
  });
});

describe('the clinic brand on the pages', () => {
  const brand = {
    logo: { url: 'https://cdn.clinic.example/logo.png', width: 180, height: 40 },
    accentColor: '#7a2e4d',
    phone: '+44 (0)1234 567890',
    practitioner: 'Jane Doe, MSc, remedial massage therapist',
    privacyPolicyUrl: 'https://clinic.example/privacy',
  };
  const pages = ['/', '/check-inbox', '/confirm?token=broken', '/missing'];

  it('shows the logo at its fixed size with the clinic name as alt text, the phone and the privacy policy on every page', async () => {
    const t = testApi({ settings: brand });
    for (const path of pages) {
      const { body, headers } = await t.call(httpEvent({ path }));
      expect(body, path).toContain(
        '<a class="brand" href="https://clinic.example"><img src="https://cdn.clinic.example/logo.png" alt="Riverside Massage &amp; Bodywork" width="180" height="40"></a>',
      );
      expect(body, path).toContain('<a class="phone" href="tel:+4401234567890">Call +44 (0)1234 567890</a>');
      expect(body, path).toContain('<a href="https://clinic.example/privacy">Privacy policy</a>');
      expect(body, path).toContain('site.css?accent=7a2e4d');
      // The logo's host, and only it, is added to the images the page may load.
      expect(headers['content-security-policy'], path).toContain(
        "img-src 'self' data: https://cdn.clinic.example;",
      );
    }
  });

  it('puts the practitioner by the form and the privacy policy by the consent text', async () => {
    const t = testApi({ settings: brand });
    const { body } = await t.call(httpEvent({ path: '/' }));
    expect(body).toContain('<p class="byline">Written by Jane Doe, MSc, remedial massage therapist</p>');
    expect(body).toContain(
      `<p class="consent" id="consent-text">${course.consentText} <a href="https://clinic.example/privacy">Read our privacy policy</a>.</p>`,
    );
  });

  it('leaves no trace of a field that is not set: no empty image, link, line or loosened policy', async () => {
    const t = testApi();
    for (const path of ['/', '/check-inbox']) {
      const { body, headers } = await t.call(httpEvent({ path }));
      expect(body).toContain(
        '<a class="brand" href="https://clinic.example">Riverside Massage &amp; Bodywork</a>\n</header>',
      );
      expect(body).not.toMatch(/<img|tel:|Privacy policy|privacy policy<|byline|href=""|undefined/);
      expect(body).toContain(
        '<p>Riverside Massage &amp; Bodywork · 12 Mill Lane, Riverside, RS1 2AB, United Kingdom</p>',
      );
      expect(headers['content-security-policy']).toContain("img-src 'self' data:;");
    }
    const { body } = await t.call(httpEvent({ path: '/' }));
    expect(body).toContain(`<p class="consent" id="consent-text">${course.consentText}</p>`);
  });

  it('colours buttons and headings with the accent, and hovers in a darker shade of it', async () => {
    const t = testApi({ settings: brand });
    const css = (await t.call(httpEvent({ path: '/assets/site.css?accent=7a2e4d' }))).body;
    expect(css).toContain('--accent: #7a2e4d;');
    expect(css).toContain('--accent-dark: #5c233a;');
    expect(css).toMatch(/button, \.button \{[^}]*background: var\(--accent\)/);
    expect(css).toMatch(/h1 \{[^}]*color: var\(--accent\)/);
    const plain = (await testApi().call(httpEvent({ path: '/assets/site.css' }))).body;
    expect(plain).toContain('--accent: #1f5e57;');
  });

  it('escapes the brand text and keeps only digits and a leading plus in the phone link', async () => {
    const t = testApi({
      settings: {
        phone: '<b>0123</b>" onclick="x',
        practitioner: 'Jane <script>alert(1)</script>',
        logo: { url: 'https://clinic.example/logo.png?a="><script>', width: 160, height: 48 },
      },
    });
    const { body } = await t.call(httpEvent({ path: '/' }));
    expect(body).toContain(
      '<a class="phone" href="tel:0123">Call &lt;b&gt;0123&lt;/b&gt;&quot; onclick=&quot;x</a>',
    );
    expect(body).toContain('Written by Jane &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).toContain('src="https://clinic.example/logo.png?a=&quot;&gt;&lt;script&gt;"');
    expect(body).not.toMatch(/<script>alert|<b>0123/);
  });

  it('never puts anything but a #rrggbb colour into the stylesheet', async () => {
    const t = testApi({ settings: { accentColor: 'red; } body { display: none' } });
    const css = (await t.call(httpEvent({ path: '/assets/site.css' }))).body;
    expect(css).toContain('--accent: #1f5e57;');
    expect(css).not.toContain('display: none');
  });
});

describe('the time zone script', () => {
  function run(fields: { value: string }[], zone: string | undefined) {
    const document = {
      querySelector: () => null,
      querySelectorAll: (selector: string) => (selector === 'input[name="timeZone"]' ? fields : []),
    };
    const fakeIntl = { DateTimeFormat: () => ({ resolvedOptions: () => ({ timeZone: zone }) }) };
    runInNewContext(signupJs, { document, Intl: fakeIntl });
    return fields;
  }

  it('fills empty time zone fields with the browser zone and leaves filled ones alone', () => {
    expect(run([{ value: '' }, { value: 'Asia/Tokyo' }], 'Europe/Berlin')).toEqual([
      { value: 'Europe/Berlin' },
      { value: 'Asia/Tokyo' },
    ]);
  });

  it('does nothing when the browser reports no zone', () => {
    expect(run([{ value: '' }], undefined)).toEqual([{ value: '' }]);
  });
});

describe('security headers', () => {
  const expected = {
    'content-security-policy':
      "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };

  it('are on every answer: pages, redirects, JSON, errors and assets', async () => {
    const t = testApi();
    await t.call(formPost('/subscribe', { email: 'sec@example.com' }));
    const token = confirmTokenFrom(t.mailer, 'sec@example.com');
    const unsubscribe = t.tokens.sign('unsubscribe', subscriberId('sec@example.com'), { now: t.clock.now() });
    const responses: [string, HttpResponse, boolean][] = [];
    const add = async (name: string, event: Parameters<typeof t.call>[0], dynamic = true) => {
      responses.push([name, await t.call(event), dynamic]);
    };
    await add('home', httpEvent({ path: '/' }));
    await add('head', httpEvent({ method: 'HEAD', path: '/' }));
    await add('subscribe form', formPost('/subscribe', { email: 'x@example.com' }));
    await add('subscribe json', jsonPost('/subscribe', { email: 'y@example.com' }));
    await add('subscribe 400', formPost('/subscribe', { email: 'bad' }));
    await add('subscribe 415', httpEvent({ method: 'POST', path: '/subscribe', body: 'x' }));
    await add(
      'preflight',
      httpEvent({ method: 'OPTIONS', path: '/subscribe', headers: { origin: 'https://clinic.example' } }),
    );
    await add('check inbox', httpEvent({ path: '/check-inbox' }));
    await add('confirm get', httpEvent({ path: `/confirm?token=${token}` }));
    await add('confirm post', formPost('/confirm', { token }));
    await add('confirm bad', httpEvent({ path: '/confirm?token=bad' }));
    await add('unsubscribe get', httpEvent({ path: `/unsubscribe?token=${unsubscribe}` }));
    await add('unsubscribe post', formPost('/unsubscribe', { token: unsubscribe }));
    await add('health', httpEvent({ path: '/health' }));
    await add('404', httpEvent({ path: '/missing' }));
    await add('405', httpEvent({ method: 'DELETE', path: '/' }));
    await add('css', httpEvent({ path: '/assets/site.css' }), false);
    await add('js', httpEvent({ path: '/assets/signup.js' }), false);

    for (const [name, response, dynamic] of responses) {
      expect(response.headers, name).toMatchObject(expected);
      if (dynamic) expect(response.headers['cache-control'], name).toBe('no-store');
    }
  });
});

describe('links in emails point back at the API', () => {
  it('uses the configured public base URL', async () => {
    const t = testApi({ settings: { publicBaseUrl: 'https://course.clinic.example' } });
    await t.call(formPost('/subscribe', { email: 'link@example.com' }));
    expect(t.mailer.sent[0]?.text).toContain('https://course.clinic.example/confirm?token=');
  });

  it("derives it from the request's domain when none is configured", async () => {
    const t = testApi({ settings: { publicBaseUrl: '' } });
    await t.call(formPost('/subscribe', { email: 'link@example.com' }));
    const page = await t.call(httpEvent({ path: '/' }));

    expect(t.mailer.sent[0]?.text).toContain(`https://${TEST_DOMAIN}/confirm?token=`);
    expect(page.body).toContain(`name="source" value="https://${TEST_DOMAIN}/"`);
  });

  it('keeps a named stage in links, redirects and asset paths', async () => {
    const t = testApi({ settings: { publicBaseUrl: '' } });
    const page = await t.call(httpEvent({ path: '/prod/', stage: 'prod' }));
    const signup = await t.call(
      formPost('/prod/subscribe', { email: 'stage@example.com' }, { stage: 'prod' }),
    );

    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post" action="/prod/subscribe">');
    expect(page.body).toContain('href="/prod/assets/site.css?accent=1f5e57"');
    expect(signup.headers.location).toBe('/prod/check-inbox');
    expect(t.mailer.sent[0]?.text).toContain(`https://${TEST_DOMAIN}/prod/confirm?token=`);
  });
});
