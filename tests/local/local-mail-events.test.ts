import { describe, expect, it } from 'vitest';
import { parseSesEvent } from '../../functions/core/mail-events.js';
import type { Mailer, OutgoingEmail } from '../../functions/core/ports.js';
import { ObservedMailer, type SentMail, sesEvent } from '../../scripts/local-mail-events.js';

const mail: SentMail = {
  messageId: 'ses-123',
  to: 'reader@example.com',
  from: '"Riverside" <course@clinic.example>',
  tags: { course: 'knee-pain', email: 'lesson-2' },
  sentAt: new Date('2026-03-01T08:00:00Z'),
};
const at = new Date('2026-03-01T08:00:05Z');

describe('made-up SES events', () => {
  it('makes a Delivery event the mail-events code reads as a delivery of that lesson', () => {
    const event = sesEvent('Delivery', mail, at);

    expect(event['detail-type']).toBe('Email Delivered');
    expect(event.source).toBe('aws.ses');
    expect(parseSesEvent(event.detail)).toEqual({
      type: 'Delivery',
      messageId: 'ses-123',
      recipients: ['reader@example.com'],
      emailId: 'lesson-2',
    });
  });

  it('makes a permanent bounce for the recipient', () => {
    const event = sesEvent('Bounce', mail, at);

    expect(event['detail-type']).toBe('Email Bounced');
    expect(parseSesEvent(event.detail)).toMatchObject({
      type: 'Bounce',
      bounceType: 'Permanent',
      recipients: ['reader@example.com'],
    });
  });

  it('makes an abuse complaint for the recipient', () => {
    const event = sesEvent('Complaint', mail, at);

    expect(event['detail-type']).toBe('Email Complaint Received');
    expect(parseSesEvent(event.detail)).toMatchObject({
      type: 'Complaint',
      complaintFeedbackType: 'abuse',
      recipients: ['reader@example.com'],
    });
  });
});

describe('ObservedMailer', () => {
  const email: OutgoingEmail = {
    to: 'reader@example.com',
    subject: 'Lesson 2',
    html: '<p>hi</p>',
    text: 'hi',
    headers: {},
    tags: { email: 'lesson-2' },
  };

  it('reports each accepted email with its message id and tags', async () => {
    const seen: SentMail[] = [];
    const inner: Mailer = { send: async () => ({ messageId: 'm-1' }) };
    const mailer = new ObservedMailer(
      inner,
      'course@clinic.example',
      () => at,
      (m) => seen.push(m),
    );

    await expect(mailer.send(email)).resolves.toEqual({ messageId: 'm-1' });

    expect(seen).toEqual([
      {
        messageId: 'm-1',
        to: 'reader@example.com',
        from: 'course@clinic.example',
        tags: email.tags,
        sentAt: at,
      },
    ]);
  });

  it('reports nothing when the send fails', async () => {
    const seen: SentMail[] = [];
    const inner: Mailer = {
      send: async () => {
        throw new Error('throttled');
      },
    };
    const mailer = new ObservedMailer(
      inner,
      'course@clinic.example',
      () => at,
      (m) => seen.push(m),
    );

    await expect(mailer.send(email)).rejects.toThrow('throttled');
    expect(seen).toEqual([]);
  });
});
