/**
 * Limits on sign-ups that cost someone an email: per client (one network sending many
 * sign-ups) and per mailbox (many spellings of one inbox). Keys are keyed hashes: the
 * table never holds an IP address or an address for this purpose.
 */
import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';

/** Where the limits are counted (one item per key; the adapter expires them by TTL). */
export interface SignupLimiter {
  /**
   * Counts one sign-up of `client` in the fixed window `windowStart`..`windowEnd`, unless
   * `limit` were counted there already: then false and nothing changes. One conditional write.
   */
  countClient(client: string, windowStart: Date, windowEnd: Date, limit: number): Promise<boolean>;
  /**
   * Records one confirmation email to `mailbox` at `now`, unless one went less than
   * `cooldownMs` ago or `cap` went in the last `periodMs`: then false and nothing changes.
   * One conditional write.
   */
  recordMailboxSend(mailbox: string, now: Date, policy: MailboxPolicy): Promise<boolean>;
  /** Gives back the send recorded at `at` if it is still the latest (the email was not sent). */
  releaseMailboxSend(mailbox: string, at: Date, policy: MailboxPolicy): Promise<void>;
}

export interface ClientBudget {
  /** Sign-ups one client may make per window. @default 10 */
  readonly limit: number;
  /** @default 10 minutes */
  readonly windowMs: number;
}

export interface MailboxPolicy {
  readonly cooldownMs: number;
  /** Confirmations one mailbox may receive per period. @default 3 */
  readonly cap: number;
  /** @default 24 hours */
  readonly periodMs: number;
}

export const DEFAULT_CLIENT_BUDGET: ClientBudget = { limit: 10, windowMs: 10 * 60 * 1000 };
/** The most confirmations per mailbox per period the store can track (one slot each). */
export const MAX_MAILBOX_CAP = 10;

/**
 * The client a request comes from, as a keyed hash: an IPv4 address as it is, an IPv6
 * one by its /64 (one home or phone gets a whole /64, so counting single addresses would
 * let it rotate through millions). An unreadable address counts as one shared client.
 */
export function clientKey(ip: string, key: string): string {
  return keyedHash('client', networkOf(ip), key);
}

/** The network part that identifies one client: IPv4 whole, IPv6 by its first 64 bits. */
export function networkOf(ip: string): string {
  const bare = ip
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  const kind = isIP(bare);
  if (kind === 4) return bare;
  if (kind !== 6) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1]) return mapped[1];
  return `${expandIpv6(bare).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(ip: string): string[] {
  let text = ip.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((group) => group.padStart(4, '0'));
}

/** Domains whose mailboxes ignore dots in the local part (Gmail). */
const DOTLESS_DOMAINS: Readonly<Record<string, string>> = {
  'gmail.com': 'gmail.com',
  'googlemail.com': 'gmail.com',
};

/**
 * The mailbox an address delivers to, for the per-mailbox limit only (the subscriber keeps
 * the address they typed): `+tags` folded for every domain (providers that do not support
 * them gain nothing from the spelling), dots folded where the provider ignores them.
 */
export function mailboxOf(address: string): string {
  const normalised = address.trim().toLowerCase();
  const at = normalised.lastIndexOf('@');
  if (at < 1) return normalised;
  let local = normalised.slice(0, at);
  let domain = normalised.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  const dotless = DOTLESS_DOMAINS[domain];
  if (dotless) {
    domain = dotless;
    local = local.replaceAll('.', '');
  }
  return `${local}@${domain}`;
}

/** The keyed hash of an address's mailbox. */
export function mailboxKey(address: string, key: string): string {
  return keyedHash('mailbox', mailboxOf(address), key);
}

/** The fixed window `now` falls in: windows start at multiples of `windowMs` since the epoch. */
export function windowOf(now: Date, windowMs: number): { start: Date; end: Date } {
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  return { start: new Date(start), end: new Date(start + windowMs) };
}

/** Whole seconds until `end`, at least 1 (for Retry-After). */
export function secondsUntil(end: Date, now: Date): number {
  return Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000));
}

// A purpose label keeps these hashes apart from subscriber ids made with the same key.
function keyedHash(purpose: string, value: string, key: string): string {
  return createHmac('sha256', key).update(`email-course:${purpose}:v1:${value}`).digest('base64url');
}
