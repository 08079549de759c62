import { describe, expect, it } from 'vitest';
import { composeSequenceEmail } from '../../functions/core/compose.js';
import { course } from '../../functions/core/course.js';
import { sampleSettings } from '../../functions/core/settings.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { subscriberId } from '../support/identity.js';
import { testTokens } from '../support/link-keys.js';

const settings = { ...sampleSettings, publicBaseUrl: 'https://course.clinic.example' };
const tokens = testTokens();
const now = new Date('2026-03-02T08:00:00Z');
const address = 'reader@example.org';
const subscriber: Subscriber = {
  id: subscriberId(address),
  email: address,
  firstName: 'Ana',
  timeZone: 'Europe/Madrid',
  status: 'active',
  createdAt: '2026-03-01T10:00:00.000Z',
  nextEmailId: 'lesson-2',
  nextSendAt: now.toISOString(),
  sent: {},
  version: 3,
};

const compose = (s: Subscriber = subscriber, emailId: 'lesson-2' | 'complete' = 'lesson-2') =>
  composeSequenceEmail({ subscriber: s, emailId, settings, tokens, now });

describe('composeSequenceEmail', () => {
  it('addresses the lesson to the subscriber with its subject', () => {
    const email = compose();
    expect(email.to).toBe(address);
    expect(email.subject).toBe(course.sequence[1]?.subject);
    expect(email.text).toContain('Ana');
  });

  it('carries one-click unsubscribe headers pointing at the public API', () => {
    const { headers } = compose();
    expect(headers['List-Unsubscribe']).toMatch(
      /^<https:\/\/course\.clinic\.example\/unsubscribe\?token=[^>]+>$/,
    );
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(headers['List-Id']).toBe('<knee-pain.course.clinic.example>');
  });

  it('puts no email address in the unsubscribe URL', () => {
    const header = compose().headers['List-Unsubscribe'] as string;
    expect(header).not.toContain(address);
    expect(header).not.toContain('@');
    expect(header).not.toContain(encodeURIComponent(address));
  });

  it('signs an unsubscribe token that names this subscriber and never expires', () => {
    const url = new URL((compose().headers['List-Unsubscribe'] as string).slice(1, -1));
    const token = url.searchParams.get('token') as string;
    const years = new Date(now.getTime() + 10 * 365 * 86_400_000);
    expect(tokens.verify(token, 'unsubscribe', years)).toEqual({ subscriberId: subscriber.id });
  });

  it('uses the same unsubscribe URL for the footer link', () => {
    const email = compose();
    const url = (email.headers['List-Unsubscribe'] as string).slice(1, -1);
    expect(email.text).toContain(url);
    expect(email.html).toContain(url.replaceAll('&', '&amp;'));
  });

  it('greets "there" when no first name was given', () => {
    const { firstName: _, ...anonymous } = subscriber;
    expect(compose(anonymous).text).toMatch(/Hi there\b/);
    expect(compose({ ...subscriber, firstName: '   ' }).text).toMatch(/Hi there\b/);
  });

  it('tags the message with the course and the email id', () => {
    expect(compose(subscriber, 'complete').tags).toEqual({ course: 'knee-pain', email: 'complete' });
  });

  it('keeps header values on one line', () => {
    for (const value of Object.values(compose().headers)) expect(value).not.toMatch(/[\r\n]/);
  });

  it("carries the clinic's brand from its settings: logo, accent, practitioner, phone, privacy policy", () => {
    const branded = {
      ...settings,
      logo: { url: 'https://clinic.example/logo.png', width: 200, height: 50 },
      accentColor: '#7a2e4d',
      phone: '01234 567890',
      practitioner: 'Jane Doe, MSc',
      privacyPolicyUrl: 'https://clinic.example/privacy',
    };
    const { html, text } = composeSequenceEmail({
      subscriber,
      emailId: 'lesson-2',
      settings: branded,
      tokens,
      now,
    });
    expect(html).toContain(
      '<img src="https://clinic.example/logo.png" alt="Riverside Massage &amp; Bodywork" width="200" height="50"',
    );
    expect(html).toContain('bgcolor="#7a2e4d"');
    expect(text).toContain('Jane Doe, MSc\nThe team at');
    expect(text).toContain('01234 567890');
    expect(text).toContain('Privacy policy (https://clinic.example/privacy)');
    const plain = compose();
    expect(plain.html).not.toContain('<img');
    expect(plain.html).toContain('bgcolor="#1f5e57"');
  });

  it("points the booking button at the clinic's booking page", () => {
    const booking = { ...settings, bookingUrl: 'https://book.clinic.example/knee' };
    for (const emailId of ['lesson-5', 'complete'] as const) {
      const email = composeSequenceEmail({ subscriber, emailId, settings: booking, tokens, now });
      expect(email.html).toMatch(
        /<a href="https:\/\/book\.clinic\.example\/knee"[^>]*>\s*Book an appointment/,
      );
      expect(email.text).toContain('Book an appointment (https://book.clinic.example/knee)');
    }
  });

  it('sends readers to the clinic site to book when no booking page is configured', () => {
    const { bookingUrl: _, ...noBooking } = settings;
    const email = composeSequenceEmail({ subscriber, emailId: 'lesson-5', settings: noBooking, tokens, now });
    expect(email.text).toContain(`Book an appointment (${settings.siteUrl})`);
  });

  it('refuses a record without an address', () => {
    const { email: _, ...erased } = subscriber;
    expect(() => compose(erased)).toThrow(/no address/);
  });
});
