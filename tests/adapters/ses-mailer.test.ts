import type { AddressInfo } from 'node:net';
import { SESv2Client, SESv2ServiceException, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import sesLocalModule from 'aws-ses-v2-local';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatFrom, SesMailer } from '../../functions/adapters/ses-mailer.js';
import {
  MailerPausedError,
  MailerRejectedError,
  MailerRetryableError,
  type OutgoingEmail,
} from '../../functions/core/ports.js';
import { signupJsonSchema } from '../../functions/http/schemas.js';

const email: OutgoingEmail = {
  to: 'reader@example.org',
  subject: 'Lesson 1: why your muscles can make your knee hurt',
  html: '<p>Hello there</p>',
  text: 'Hello there',
  headers: {
    'List-Unsubscribe': '<https://api.example/unsubscribe?token=k1.abc.def>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Id': '<knee-pain.api.example>',
  },
  tags: { course: 'knee-pain', email: 'lesson-1' },
};

const opts = {
  from: 'course@clinic.example',
  fromName: 'Riverside Massage & Bodywork',
  replyTo: 'hello@clinic.example',
};

describe('SesMailer against aws-ses-v2-local', () => {
  type StoredEmail = {
    messageId: string;
    from: string;
    replyTo: string[];
    destination: { to: string[] };
    subject: string;
    body: { html?: string; text?: string };
    headers?: { name: string; value: string }[];
  };
  let server: import('node:http').Server;
  let base: string;
  let client: SESv2Client;

  beforeAll(async () => {
    const start = ((sesLocalModule as unknown as { default?: unknown }).default ??
      sesLocalModule) as (config: { host: string; port: number }) => Promise<import('node:http').Server>;
    server = await start({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new SESv2Client({
      endpoint: base,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    client?.destroy();
    await new Promise((resolve) => server?.close(resolve));
  });
  beforeEach(async () => {
    await fetch(`${base}/clear-store`, { method: 'POST' });
  });

  const stored = async (): Promise<StoredEmail[]> =>
    ((await (await fetch(`${base}/store`)).json()) as { emails: StoredEmail[] }).emails;

  it('delivers subject, both bodies, sender name and reply-to', async () => {
    const { messageId } = await new SesMailer(client, opts).send(email);

    const [sent, ...rest] = await stored();
    expect(rest).toEqual([]);
    expect(sent?.messageId).toBe(messageId);
    expect(sent?.from).toBe('"Riverside Massage & Bodywork" <course@clinic.example>');
    expect(sent?.replyTo).toEqual(['hello@clinic.example']);
    expect(sent?.destination.to).toEqual(['reader@example.org']);
    expect(sent?.subject).toBe(email.subject);
    expect(sent?.body).toEqual({ html: email.html, text: email.text });
  });

  it('keeps the one-click unsubscribe headers', async () => {
    await new SesMailer(client, opts).send(email);

    const headers = Object.fromEntries(((await stored())[0]?.headers ?? []).map((h) => [h.name, h.value]));
    expect(headers['List-Unsubscribe']).toBe('<https://api.example/unsubscribe?token=k1.abc.def>');
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(headers['List-Id']).toBe('<knee-pain.api.example>');
  });

  it('sends to every kind of address the sign-up form accepts', async () => {
    const typed = [
      'a@example.xn--p1ai',
      'user@пример.рф',
      "o'brien!#$%&*+/=?^_`{|}~-x@example.com",
      `${'a'.repeat(64)}@example.com`,
    ];
    const accepted = typed.map((address) => {
      const parsed = signupJsonSchema.safeParse({ email: address });
      if (!parsed.success) throw new Error(`the form refused ${address}`);
      return parsed.data.email;
    });
    const mailer = new SesMailer(client, opts);
    for (const to of accepted) await mailer.send({ ...email, to });

    expect((await stored()).map((e) => e.destination.to[0])).toEqual(accepted);
    expect(accepted[1]).toBe('user@xn--e1afmkfd.xn--p1ai');
  });
});

describe('SesMailer request', () => {
  const sesClient = new SESv2Client({ region: 'eu-west-1' });
  const ses = mockClient(sesClient);
  beforeEach(() => ses.reset());

  it('sends the configuration set and the course tags', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const mailer = new SesMailer(sesClient, { ...opts, configurationSet: 'course-events' });

    await mailer.send(email);

    const input = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(input?.ConfigurationSetName).toBe('course-events');
    expect(input?.EmailTags).toEqual([
      { Name: 'course', Value: 'knee-pain' },
      { Name: 'email', Value: 'lesson-1' },
    ]);
  });

  it('refuses a header value that would inject another header', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const mailer = new SesMailer(sesClient, opts);

    await expect(
      mailer.send({ ...email, headers: { 'List-Id': '<a>\r\nBcc: victim@example.org' } }),
    ).rejects.toThrow(/unsafe header/);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('refuses a recipient that is not a plain address', async () => {
    const mailer = new SesMailer(sesClient, opts);
    await expect(mailer.send({ ...email, to: 'a@b.example, c@d.example' })).rejects.toThrow(/not a plain/);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});

describe('formatFrom', () => {
  it('quotes and escapes the display name', () => {
    expect(formatFrom('Dr "Knees" \\ Co', 'a@b.example')).toBe('"Dr \\"Knees\\" \\\\ Co" <a@b.example>');
  });
  it('drops line breaks so nothing can be injected', () => {
    expect(formatFrom('Clinic\r\nBcc: x@y.example', 'a@b.example')).toBe(
      '"Clinic Bcc: x@y.example" <a@b.example>',
    );
  });
  it('encodes a name with accents as an RFC 2047 word', () => {
    expect(formatFrom('Clínica Rodilla', 'a@b.example')).toBe(
      `=?UTF-8?B?${Buffer.from('Clínica Rodilla').toString('base64')}?= <a@b.example>`,
    );
  });
  it('uses the bare address without a name', () => {
    expect(formatFrom(undefined, 'a@b.example')).toBe('a@b.example');
  });
});

describe('SES error mapping', () => {
  const sesClient = new SESv2Client({ region: 'eu-west-1' });
  const ses = mockClient(sesClient);
  beforeEach(() => ses.reset());

  const fail = (
    name: string,
    message: string,
    extra: { fault?: 'client' | 'server'; status?: number } = {},
  ) =>
    new SESv2ServiceException({
      name,
      message,
      $fault: extra.fault ?? 'client',
      $metadata: { httpStatusCode: extra.status ?? 400 },
    });

  const sendWith = async (error: Error) => {
    ses.on(SendEmailCommand).rejects(error);
    const mailer = new SesMailer(sesClient, opts);
    return mailer.send(email).then(
      () => undefined,
      (e: unknown) => e,
    );
  };

  it.each([
    ['TooManyRequestsException', 'Maximum sending rate exceeded.', {}],
    ['LimitExceededException', 'Daily message quota exceeded.', {}],
    ['InternalServiceErrorException', 'Internal failure', { fault: 'server' as const, status: 500 }],
    ['ServiceUnavailable', 'Service unavailable', { fault: 'server' as const, status: 503 }],
  ])('asks to retry later on %s', async (name, message, extra) => {
    expect(await sendWith(fail(name, message, extra))).toBeInstanceOf(MailerRetryableError);
  });

  it('asks to retry later on a network error', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(await sendWith(reset)).toBeInstanceOf(MailerRetryableError);
  });

  it.each([
    ['MessageRejected', 'Address blacklisted.'],
    ['BadRequestException', 'Recipient address is on the account-level suppression list'],
    ['BadRequestException', "Missing final '@domain'"],
    [
      'MessageRejected',
      'Email address is not verified. The following identities failed the check: reader@example.org',
    ],
  ])('rejects the recipient on %s: %s', async (name, message) => {
    expect(await sendWith(fail(name, message))).toBeInstanceOf(MailerRejectedError);
  });

  it.each([
    ['SendingPausedException', 'Sending is paused for this account.'],
    ['AccountSuspendedException', 'Account suspended.'],
    ['MailFromDomainNotVerifiedException', 'MAIL FROM domain not verified.'],
    ['NotFoundException', 'Configuration set <course-events> does not exist.'],
    [
      'MessageRejected',
      'Email address is not verified. The following identities failed the check: course@clinic.example',
    ],
  ])('stops sending on %s: %s', async (name, message) => {
    expect(await sendWith(fail(name, message))).toBeInstanceOf(MailerPausedError);
  });

  it('passes an unknown client error through unchanged', async () => {
    const odd = fail('BadRequestException', 'Something about the template');
    expect(await sendWith(odd)).toBe(odd);
  });

  it('keeps the SES error as the cause', async () => {
    const throttled = fail('TooManyRequestsException', 'Slow down');
    expect(((await sendWith(throttled)) as Error).cause).toBe(throttled);
  });
});
