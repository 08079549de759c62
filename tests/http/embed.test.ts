import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { course } from '../../functions/core/course.js';
import { embedSnippet } from '../../functions/http/embed.js';
import { httpEvent } from '../support/http-event.js';
import { testApi } from './harness.js';

describe('GET /embed.js', () => {
  it('carries the course wording, the privacy line and the accent of the running course', async () => {
    const t = testApi({
      settings: { accentColor: '#7a2e4d', privacyPolicyUrl: 'https://clinic.example/privacy' },
    });
    const response = await t.call(httpEvent({ path: '/embed.js' }));

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    const copy = copyOf(response.body);
    expect(copy).toMatchObject({
      subscribeUrl: 'https://signup.clinic.example/subscribe',
      pageUrl: 'https://signup.clinic.example/',
      title: course.title,
      consentText: course.consentText,
      accent: '#7a2e4d',
      privacyPolicyUrl: 'https://clinic.example/privacy',
    });
    expect(copy.privacyLine).toMatch(/^We keep your email address/);
  });

  it('cannot be broken out of by what the clinic configured', async () => {
    const t = testApi({ settings: { clinicName: '</script><script>alert(1)</script>' } });
    const { body } = await t.call(httpEvent({ path: '/embed.js' }));
    expect(body).not.toContain('</script>');
    expect(copyOf(body).clinicName).toBe('</script><script>alert(1)</script>');
  });

  it('keeps a named stage in the addresses it posts to', async () => {
    const t = testApi({ settings: { publicBaseUrl: '' } });
    const { body } = await t.call(httpEvent({ path: '/prod/embed.js', stage: 'prod' }));
    expect(copyOf(body).subscribeUrl).toMatch(/^https:\/\/[^/]+\/prod\/subscribe$/);
  });
});

describe('the embed snippet', () => {
  it('is a div holding a link to the hosted page, and one async script, with the title escaped', () => {
    expect(embedSnippet('https://api.example/', 'Knees & <you>')).toBe(`<div data-course-signup>
  <a href="https://api.example/">Sign up for the free email course: Knees &amp; &lt;you&gt;</a>
</div>
<script src="https://api.example/embed.js" async></script>
`);
  });
});

/** Runs the script with no page to draw on and returns the copy it carries. */
function copyOf(script: string): Record<string, unknown> {
  const match = /var copy = (\{.*?\});\n/.exec(script);
  if (!match) throw new Error('no copy in the script');
  return runInNewContext(`(${match[1]})`) as Record<string, unknown>;
}
