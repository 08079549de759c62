import { describe, expect, it } from 'vitest';
import { sampleFor } from '../../emails/catalog.js';
import { course, type EmailId, emailIds } from '../../functions/core/course.js';
import { TemplateVariableError } from '../../functions/core/errors.js';
import { type CompiledEmail, compiledEmails } from '../../functions/core/generated/emails.js';
import { createRenderer, emailVariables, renderEmail, sampleVariables } from '../../functions/core/render.js';
import { preheaderSpacer } from '../../scripts/build-emails.js';

const hostileName = '"><img src=x onerror=alert(1)>\'\r\nBcc: victim@example.com';
const sequenceIds = course.sequence.map((e) => e.id);
const sources = [course.confirmation, ...course.sequence];

function withVars(id: EmailId, overrides: Record<string, string>) {
  return renderEmail(id, { ...sampleVariables(id), ...overrides });
}

describe('variables', () => {
  it('declares the contract variables for every email, and the booking link where it is used', () => {
    const brand = [
      'accentColor',
      'logoUrl',
      'logoWidth',
      'logoHeight',
      'phone',
      'privacyPolicyUrl',
      'practitioner',
    ];
    const common = ['firstName', 'clinicName', 'postalAddress', 'siteUrl', ...brand];
    const booking = new Set(['lesson-5', 'complete']);
    const pictures = new Set(['lesson-3', 'lesson-4']);
    expect([...emailVariables('confirm')].sort()).toEqual([...common, 'confirmUrl'].sort());
    for (const id of sequenceIds) {
      const extra = booking.has(id) ? ['unsubscribeUrl', 'bookingUrl'] : ['unsubscribeUrl'];
      if (pictures.has(id)) extra.push('assetsUrl');
      expect([...emailVariables(id)].sort()).toEqual([...common, ...extra].sort());
    }
  });

  it('uses the same sample data as the catalog', () => {
    for (const id of emailIds) {
      expect(sampleVariables(id)).toEqual(sampleFor(emailVariables(id)));
      expect(Object.keys(sampleVariables(id))).toEqual([...emailVariables(id)]);
    }
  });

  it('hands out sample data that callers cannot corrupt', () => {
    sampleVariables('lesson-1').firstName = 'Changed';
    expect(sampleVariables('lesson-1').firstName).toBe('Sam');
  });

  it.each(emailIds)('%s throws TemplateVariableError on a missing variable', (id) => {
    const vars = sampleVariables(id);
    delete vars.clinicName;

    expect(() => renderEmail(id, vars)).toThrow(TemplateVariableError);
    expect(() => renderEmail(id, vars)).toThrow(/needs variable "clinicName"/);
  });

  it.each(emailIds)('%s throws TemplateVariableError on an unknown variable', (id) => {
    expect(() => withVars(id, { lastName: 'Smith' })).toThrow(TemplateVariableError);
  });

  it('rejects the other email kind’s link variable', () => {
    expect(() => withVars('confirm', { unsubscribeUrl: 'https://a.example/u' })).toThrow(
      TemplateVariableError,
    );
    expect(() => withVars('lesson-1', { confirmUrl: 'https://a.example/c' })).toThrow(TemplateVariableError);
  });

  it('rejects a value that is not a string', () => {
    expect(() => withVars('lesson-1', { firstName: 42 as unknown as string })).toThrow(TemplateVariableError);
  });

  it.each([
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    '//evil.example/x',
    'mailto:a@b.example',
    'https://ok.example/\r\nBcc: x',
    'https://ok.example/a b',
    '',
  ])('refuses %j as a link', (url) => {
    expect(() => withVars('lesson-2', { unsubscribeUrl: url })).toThrow(TemplateVariableError);
    expect(() => withVars('confirm', { siteUrl: url })).toThrow(TemplateVariableError);
  });
});

describe.each(emailIds)('%s', (id) => {
  const vars = sampleVariables(id);
  const email = renderEmail(id, vars);
  const source = sources.find((e) => e.id === id);
  const isConfirm = id === 'confirm';
  // Lines wrap at different places once long URLs are filled in; phrases are checked unwrapped.
  const flat = email.text.replace(/\s+/g, ' ');

  it('is well under the size at which mail clients clip it', () => {
    const bytes = Buffer.byteLength(email.html);
    console.info(`${id}: ${(bytes / 1024).toFixed(1)} KB HTML, ${email.text.length} characters of text`);
    expect(bytes).toBeLessThan(102 * 1024);
    expect(bytes).toBeLessThan(40 * 1024);
  });

  it('takes its subject from course.ts, under 50 characters so phones show it whole', () => {
    expect(email.subject).toBe(source?.subject);
    expect(email.subject.length).toBeGreaterThan(10);
    expect(email.subject.length).toBeLessThan(50);
    expect(email.html).toContain(`<title>${email.subject.replaceAll('&', '&amp;')}</title>`);
  });

  it('carries its preheader from course.ts as hidden inbox preview text, then invisible filler', () => {
    const filler = escapeRegExp(preheaderSpacer);
    expect(preheaderSpacer).toMatch(/^(&#847;&zwnj;&nbsp;){50,}$/);
    expect(email.html).toMatch(
      new RegExp(`<div style="display:none;[^"]*">${escapeRegExp(source?.preheader ?? '?')}${filler}</div>`),
    );
    expect(email.text).not.toContain(source?.preheader);
    expect(email.text).not.toMatch(/[\u034f\u200c]/);
  });

  it('leaves no placeholder unfilled', () => {
    for (const part of [email.subject, email.html, email.text]) {
      expect(part).not.toContain('{{');
      expect(part).not.toContain('}}');
      expect(part).not.toContain('[[');
    }
  });

  it("is in English and loads nothing but the course's own pictures (one in lessons 3 and 4)", () => {
    expect(email.html).toContain('<html lang="en"');
    const loaded = [...email.html.matchAll(/\bsrc="([^"]*)"/gi)].map((m) => m[1]);
    expect(loaded).toHaveLength(id === 'lesson-3' || id === 'lesson-4' ? 1 : 0);
    for (const src of loaded)
      expect(src).toMatch(new RegExp(`^${escapeRegExp(vars.assetsUrl ?? '?')}/[0-9a-f]{20}\\.png$`));
    expect(email.html).not.toMatch(/<link\b|@import|url\(/i);
  });

  it('greets the reader by first name', () => {
    expect(email.html).toContain('Hi Sam,');
    expect(email.text).toContain('Hi Sam,');
  });

  it('has a footer with the clinic, its postal address and the medical disclaimer', () => {
    for (const part of [email.html, flat]) {
      expect(part).toContain('12 Mill Lane, Riverside, RS1 2AB, United Kingdom');
      expect(part).toContain('It is not medical advice');
      expect(part).toMatch(/please see a doctor/);
    }
    expect(email.html).toContain('<a href="https://clinic.example"');
    expect(email.html).toContain('Riverside Massage &amp; Bodywork');
    expect(flat).toContain('Riverside Massage & Bodywork (https://clinic.example)');
  });

  it('explains why the reader gets it', () => {
    expect(flat).toMatch(/You are receiving this/);
  });

  if (isConfirm) {
    it('has a confirm button, no unsubscribe link, and says to ignore it if unrequested', () => {
      expect(email.html).toContain(`href="${vars.confirmUrl}"`);
      expect(flat).toContain(`(${vars.confirmUrl})`);
      expect(email.html).not.toMatch(/unsubscribe\?/i);
      expect(flat).toContain('If you did not sign up, ignore this email — nothing more will be sent.');
    });
  } else {
    it('has a visible unsubscribe link in the footer', () => {
      expect(email.html).toMatch(
        /<a href="http:\/\/localhost:3000\/unsubscribe\?token=sample-unsubscribe-token"[^>]*>Unsubscribe<\/a>/,
      );
      expect(flat).toContain(
        'Unsubscribe (http://localhost:3000/unsubscribe?token=sample-unsubscribe-token)',
      );
    });

    it('keeps SES click tracking off the unsubscribe link', () => {
      // Tracking would route the link through a redirect and count leaving as a click.
      expect(email.html).toMatch(/<a href="[^"]*\/unsubscribe\?token=[^"]*" ses:no-track>/);
    });
  }

  it('has a readable plain-text part with links written out and no HTML', () => {
    expect(email.text).not.toMatch(/<\/?[a-z][^>]*>/i);
    expect(email.text).not.toMatch(/&(amp|lt|gt|quot|#\d+);/);
    expect(flat).toContain('What your muscles are trying to tell you about knee pain');
    expect(email.text).toContain('Warm wishes,\nThe team at Riverside Massage & Bodywork');
    expect(email.text).toMatch(/\((https?:\/\/[^)\s]+)\)/);
  });

  it('escapes a hostile first name in the HTML and keeps it on one line in the text', () => {
    const hostile = withVars(id, { firstName: hostileName });

    expect(hostile.html).not.toContain('<img src=x');
    expect(hostile.html).toContain(
      'Hi &quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39; Bcc: victim@example.com,',
    );
    expect(hostile.text).toContain('Hi "><img src=x onerror=alert(1)>\' Bcc: victim@example.com,');
    expect(hostile.text).not.toMatch(/[\r\u2028]|\nBcc/);
    expect(hostile.subject).not.toMatch(/[\r\n]/);
  });

  it('escapes quotes in link values so they cannot break out of the attribute', () => {
    const link = "https://clinic.example/?a=\"><script>x</script>&b='1'";

    const rendered = withVars(id, { siteUrl: link });

    expect(rendered.html).toContain(
      'href="https://clinic.example/?a=&quot;&gt;&lt;script&gt;x&lt;/script&gt;&amp;b=&#39;1&#39;"',
    );
    expect(rendered.html).not.toContain('<script>');
    expect(rendered.text.replace(/\s+/g, ' ')).toContain(`(${link})`);
  });
});

describe('subjects with placeholders', () => {
  const base = compiledEmails['lesson-1'] as CompiledEmail;
  const renderer = createRenderer({
    custom: { ...base, subject: 'Lesson 1 for {{firstName}} from {{clinicName}}' },
  });

  it('fills the subject with values stripped of CR/LF and other control characters', () => {
    const vars = {
      ...sampleVariables('lesson-1'),
      firstName: 'Sam\r\nBcc: victim@example.com\u0000\t\u2028x',
    };

    const { subject } = renderer.render('custom', vars);

    expect(subject).toBe('Lesson 1 for Sam Bcc: victim@example.com x from Riverside Massage & Bodywork');
  });

  it('does not re-expand placeholders that appear inside a value', () => {
    const vars = { ...sampleVariables('lesson-1'), firstName: '{{clinicName}}' };

    expect(renderer.render('custom', vars).subject).toBe(
      'Lesson 1 for {{clinicName}} from Riverside Massage & Bodywork',
    );
  });

  it('throws TemplateVariableError for an email id it does not know', () => {
    expect(() => renderer.render('lesson-9', {})).toThrow(TemplateVariableError);
  });
});

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('the clinic brand in every email', () => {
  const brand = {
    accentColor: '#7a2e4d',
    logoUrl: 'https://clinic.example/logo.png',
    logoWidth: '180',
    logoHeight: '40',
    phone: '01234 567890',
    practitioner: 'Jane Doe, MSc, remedial massage therapist',
    privacyPolicyUrl: 'https://clinic.example/privacy',
  };

  it.each(emailIds)('%s shows the logo, accent, practitioner, phone and privacy policy when set', (id) => {
    const { html, text } = withVars(id, brand);
    expect(html).toContain(
      '<img src="https://clinic.example/logo.png" alt="Riverside Massage &amp; Bodywork" width="180" height="40"',
    );
    expect(html).toMatch(/<h1 style="[^"]*color: #7a2e4d;/);
    expect(html).toMatch(/bgcolor="#7a2e4d"/);
    expect(html).not.toContain('#1f5e57');
    expect(html).toContain('Warm wishes,<br>Jane Doe, MSc, remedial massage therapist<br>The team at');
    expect(html).toContain(
      '12 Mill Lane, Riverside, RS1 2AB, United Kingdom · <span style="white-space:nowrap;">01234 567890</span></p>',
    );
    expect(html).toContain('<a href="https://clinic.example/privacy">Privacy policy</a>');
    expect(text).toContain('Warm wishes,\nJane Doe, MSc, remedial massage therapist\nThe team at');
    expect(text).toContain('01234 567890');
    expect(text).toContain('Privacy policy (https://clinic.example/privacy)');
    expect(`${html}${text}`).not.toMatch(/\{\{|\}\}/);
  });

  it.each(emailIds)('%s leaves no gap or stray markup for the fields a clinic did not set', (id) => {
    const { html, text } = renderEmail(id, sampleVariables(id));
    expect(html).not.toMatch(
      /<img[^>]*alt="Riverside|Privacy policy|· <\/p>|<br><br>|width=""|href=""|src=""/,
    );
    expect(html).toContain('Warm wishes,<br>The team at');
    expect(html).toContain('12 Mill Lane, Riverside, RS1 2AB, United Kingdom</p>');
    // The default accent, and an empty logo band with no height of its own.
    expect(html).toMatch(/bgcolor="#1f5e57"/);
    expect(html).toMatch(/class="brand-logo"[^>]*padding:0 16px;[^>]*>\s*<div[^>]*><\/div>/);
    expect(text).toContain('Warm wishes,\nThe team at');
    expect(text).not.toMatch(/\{\{|Privacy policy/);
    // No empty line where the logo band or the sign-off's practitioner would be.
    expect(text.startsWith('A free email course from')).toBe(true);
    expect(text.slice(-900)).not.toMatch(/\n\n\n/);
  });

  it.each([
    ['accentColor', 'red;display:none', 'must be a #rrggbb colour'],
    ['accentColor', '#7a2e4d" onload="x', 'must be a #rrggbb colour'],
    ['logoWidth', '180px', 'must be a whole number of pixels'],
    ['logoUrl', 'javascript:alert(1)', 'must be an http(s) URL'],
    ['privacyPolicyUrl', 'clinic.example/privacy', 'must be an http(s) URL'],
  ])('refuses %s = %j before it reaches an attribute', (name, value, message) => {
    expect(() => withVars('lesson-1', { ...brand, [name]: value })).toThrow(TemplateVariableError);
    expect(() => withVars('lesson-1', { ...brand, [name]: value })).toThrow(message);
  });

  it('needs an accent colour: it has no empty form', () => {
    expect(() => withVars('lesson-1', { accentColor: '' })).toThrow('must be a #rrggbb colour');
  });
});
