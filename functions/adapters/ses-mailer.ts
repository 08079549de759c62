/**
 * Sends course emails with SES v2 `SendEmail` (simple content, so SES builds the MIME
 * and keeps our List-Unsubscribe headers), and turns SES errors into the three mailer
 * errors the core acts on.
 */
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  type Mailer,
  MailerPausedError,
  MailerRejectedError,
  MailerRetryableError,
  MailerThrottledError,
  type OutgoingEmail,
} from '../core/ports.js';

export interface SesMailerOptions {
  /** Verified sender address (or an address on a verified domain). */
  readonly from: string;
  /** Display name shown in the inbox, e.g. the clinic's name. */
  readonly fromName?: string;
  readonly replyTo?: string;
  /** Configuration set that publishes bounces, complaints and engagement events. */
  readonly configurationSet?: string;
}

export class SesMailer implements Mailer {
  readonly #from: string;
  readonly #fromAddress: string;

  constructor(
    private readonly client: SESv2Client,
    private readonly opts: SesMailerOptions,
  ) {
    this.#fromAddress = checkAddress(opts.from, 'from');
    if (opts.replyTo !== undefined) checkAddress(opts.replyTo, 'replyTo');
    this.#from = formatFrom(opts.fromName, this.#fromAddress);
  }

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const command = new SendEmailCommand({
      FromEmailAddress: this.#from,
      Destination: { ToAddresses: [checkAddress(email.to, 'to')] },
      ...(this.opts.replyTo ? { ReplyToAddresses: [this.opts.replyTo] } : {}),
      ...(this.opts.configurationSet ? { ConfigurationSetName: this.opts.configurationSet } : {}),
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: {
            Html: { Data: email.html, Charset: 'UTF-8' },
            Text: { Data: email.text, Charset: 'UTF-8' },
          },
          Headers: Object.entries(email.headers).map(([Name, Value]) => checkHeader(Name, Value)),
        },
      },
      EmailTags: Object.entries(email.tags).map(([Name, Value]) => ({
        Name: tagPart(Name),
        Value: tagPart(Value),
      })),
    });
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.client.send(command));
    } catch (error) {
      throw mapSesError(error, this.#fromAddress);
    }
    if (!messageId) throw new MailerRetryableError('SES accepted the request but returned no message id');
    return { messageId };
  }
}

/**
 * Sorts an SES error into what the sender should do next: retry later
 * (`MailerRetryableError`: quota, SES 5xx, network; `MailerThrottledError` for the
 * sending rate, which the sender retries at once, slower); never mail this
 * recipient (`MailerRejectedError`); or stop sending (`MailerPausedError`: paused or
 * suspended sending, or a missing or unverified identity, MAIL FROM domain or
 * configuration set, which fail every send alike and must not suppress the whole list).
 * Anything else is returned unchanged: the outcome is unknown.
 */
export function mapSesError(error: unknown, fromAddress: string): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const name = error.name;
  const message = error.message ?? '';
  const meta = error as Error & {
    $fault?: 'client' | 'server';
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    code?: string;
  };
  const status = meta.$metadata?.httpStatusCode;
  const cause = { cause: error };

  if (
    ['SendingPausedException', 'AccountSuspendedException', 'MailFromDomainNotVerifiedException'].includes(
      name,
    )
  ) {
    return new MailerPausedError(`SES sending stopped: ${name}`, cause);
  }
  // SendEmail's NotFoundException names a missing configuration set, identity or template.
  if (name === 'NotFoundException') return new MailerPausedError(`SES configuration missing: ${name}`, cause);
  if (/not verified/i.test(message)) {
    // In the SES sandbox an unverified sender and an unverified recipient read alike;
    // only the recipient case is about one subscriber.
    const domain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase();
    return message.toLowerCase().includes(domain)
      ? new MailerPausedError('SES sender identity is not verified', cause)
      : new MailerRejectedError('SES refused the recipient (not verified)', cause);
  }
  if (/suppression list/i.test(message)) {
    return new MailerRejectedError('The address is on the account suppression list', cause);
  }
  if (name === 'MessageRejected') return new MailerRejectedError('SES rejected the message', cause);
  // Over the sending rate: SES took nothing, so the same email may go again at once, slower.
  if (['TooManyRequestsException', 'ThrottlingException'].includes(name)) {
    return new MailerThrottledError(`SES throttled the send: ${name}`, cause);
  }
  if (
    name === 'LimitExceededException' ||
    name === 'InternalServiceErrorException' ||
    meta.$fault === 'server' ||
    meta.$retryable !== undefined ||
    (status !== undefined && (status === 429 || status >= 500))
  ) {
    return new MailerRetryableError(`SES asked to retry: ${name}`, cause);
  }
  if (name === 'BadRequestException' && /address|domain|recipient|mailbox/i.test(message)) {
    // Our own sender address is checked when the mailer is built, so this is the recipient.
    return new MailerRejectedError('SES refused the recipient address', cause);
  }
  if (status === undefined && isNetworkError(name, meta.code)) {
    return new MailerRetryableError(`Network error talking to SES: ${meta.code ?? name}`, cause);
  }
  return error;
}

const networkCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
function isNetworkError(name: string, code: string | undefined): boolean {
  return (
    name === 'TimeoutError' || name === 'RequestTimeout' || (code !== undefined && networkCodes.has(code))
  );
}

// Deliberately plain: one @, no spaces, quotes, angle brackets or control characters.
const plainAddress = /^[^\s@<>"(),;:\\[\]]+@[^\s@<>"(),;:\\[\]]+\.[^\s@<>"(),;:\\[\]]+$/;

function checkAddress(address: string, what: string): string {
  if (!plainAddress.test(address)) throw new Error(`The ${what} address is not a plain email address`);
  return address;
}

/**
 * `"Display Name" <addr>`: quotes and backslashes escaped, control characters dropped,
 * and names with non-ASCII characters as an RFC 2047 encoded word, as SES requires.
 */
export function formatFrom(name: string | undefined, address: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const clean = (name ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (!clean) return address;
  if (/^[\u0020-\u007e]*$/.test(clean)) {
    return `"${clean.replace(/["\\]/g, (c) => `\\${c}`)}" <${address}>`;
  }
  return `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?= <${address}>`;
}

const headerName = /^[A-Za-z0-9-]{1,64}$/;
function checkHeader(Name: string, Value: string): { Name: string; Value: string } {
  if (!headerName.test(Name) || /[\r\n]/.test(Value)) throw new Error(`Refusing unsafe header ${Name}`);
  return { Name, Value };
}

/** SES tag names and values allow letters, digits, `_` and `-` only. */
function tagPart(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 255) || '_';
}
