/**
 * Signed links for confirming and unsubscribing. A token names the subscriber by id
 * (never by address), the purpose it was made for and, for confirm links, the opt-in it
 * belongs to and when it expires. It is signed with HMAC-SHA256 under a key id, so keys
 * can rotate: new links use the current key, old links stay valid while their key is
 * still listed.
 *
 * Format: `<keyId>.<base64url(JSON payload)>.<base64url(HMAC of "<keyId>.<payload>")>`,
 * all URL-safe characters.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidLinkError } from './errors.js';
import type { CourseSettings } from './settings.js';

export type LinkPurpose = 'confirm' | 'unsubscribe';

/** Signing keys by id; `currentKeyId` signs new links, every listed key verifies. */
export interface LinkKeys {
  readonly currentKeyId: string;
  readonly keys: Readonly<Record<string, string>>;
}

/** How long a confirmation link works. Unsubscribe links never expire (RFC 8058 and the law). */
export const CONFIRM_LINK_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const MIN_KEY_LENGTH = 16;
const MAX_TOKEN_LENGTH = 1024;
const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/;

interface Payload {
  /** purpose */
  p: LinkPurpose;
  /** subscriber id */
  s: string;
  /** opt-in id */
  o?: string;
  /** expiry, epoch milliseconds */
  e?: number;
}

export class LinkTokens {
  readonly #keys: LinkKeys;

  /** Throws if the current key is missing, or any key id or key is unusable. */
  constructor(keys: LinkKeys) {
    for (const [id, secret] of Object.entries(keys.keys)) {
      if (!keyIdPattern.test(id)) throw new Error(`Link key id ${JSON.stringify(id)} is not URL-safe`);
      if (typeof secret !== 'string' || secret.length < MIN_KEY_LENGTH) {
        throw new Error(`Link key ${id} must be a string of at least ${MIN_KEY_LENGTH} characters`);
      }
    }
    if (!Object.hasOwn(keys.keys, keys.currentKeyId)) {
      throw new Error(`The current link key ${JSON.stringify(keys.currentKeyId)} is not among the keys`);
    }
    this.#keys = { currentKeyId: keys.currentKeyId, keys: { ...keys.keys } };
  }

  /** A token for `purpose` and this subscriber, signed with the current key. */
  sign(purpose: LinkPurpose, subscriberId: string, opts: { now: Date; optInId?: string }): string {
    const payload: Payload = { p: purpose, s: subscriberId };
    if (opts.optInId !== undefined) payload.o = opts.optInId;
    if (purpose === 'confirm') payload.e = opts.now.getTime() + CONFIRM_LINK_TTL_MS;
    const kid = this.#keys.currentKeyId;
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${kid}.${body}.${this.#mac(kid, body)}`;
  }

  /**
   * Checks a token made for `purpose` and returns whom it names. Throws
   * InvalidLinkError('expired') for a genuine confirm link past its time, and
   * InvalidLinkError('invalid') for anything else that is wrong.
   */
  verify(token: string, purpose: LinkPurpose, now: Date): { subscriberId: string; optInId?: string } {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw new InvalidLinkError('invalid');
    const parts = token.split('.');
    if (parts.length !== 3) throw new InvalidLinkError('invalid');
    const [kid, body, mac] = parts as [string, string, string];
    if (!Object.hasOwn(this.#keys.keys, kid)) throw new InvalidLinkError('invalid');
    // Compare the canonical encodings: base64url decoding ignores stray bits and characters.
    const expected = Buffer.from(this.#mac(kid, body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidLinkError('invalid');
    }
    const payload = parsePayload(body);
    if (!payload || payload.p !== purpose) throw new InvalidLinkError('invalid');
    if (purpose === 'confirm') {
      if (payload.e === undefined) throw new InvalidLinkError('invalid');
      if (now.getTime() > payload.e) throw new InvalidLinkError('expired');
    }
    return payload.o === undefined
      ? { subscriberId: payload.s }
      : { subscriberId: payload.s, optInId: payload.o };
  }

  #mac(kid: string, body: string): string {
    const secret = this.#keys.keys[kid] as string;
    return createHmac('sha256', secret).update(`${kid}.${body}`).digest('base64url');
  }
}

function parsePayload(body: string): Payload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { p, s, o, e } = value as Record<string, unknown>;
  if ((p !== 'confirm' && p !== 'unsubscribe') || typeof s !== 'string' || s === '') return undefined;
  if (o !== undefined && typeof o !== 'string') return undefined;
  if (e !== undefined && typeof e !== 'number') return undefined;
  return { p, s, ...(o === undefined ? {} : { o }), ...(e === undefined ? {} : { e }) };
}

/**
 * The link tokens as a function receives them: fixed (tests, the local stack) or read on
 * demand (a Lambda, whose keys live in a cached secret that may rotate).
 */
export type TokenSource = LinkTokens | (() => Promise<LinkTokens>);

/** The tokens to use for one event or batch. */
export async function currentTokens(source: TokenSource): Promise<LinkTokens> {
  return typeof source === 'function' ? source() : source;
}

/** The public URL of a link page: `${publicBaseUrl}/${purpose}?token=${token}`. */
export function linkUrl(settings: CourseSettings, purpose: LinkPurpose, token: string): string {
  return `${settings.publicBaseUrl}/${purpose}?token=${encodeURIComponent(token)}`;
}
