import { describe, expect, it } from 'vitest';
import { InvalidLinkError } from '../../functions/core/errors.js';
import { sampleSettings } from '../../functions/core/settings.js';
import { CONFIRM_LINK_TTL_MS, LinkTokens, linkUrl } from '../../functions/core/tokens.js';
import { retiredKeys, rotatedKeys, testKeys, testTokens } from '../support/link-keys.js';

const now = new Date('2026-05-01T10:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const id = 'c2FtcGxlLXN1YnNjcmliZXItaWQtMDEyMzQ1Njc4OTAx';

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidLinkError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('link tokens', () => {
  const tokens = testTokens();

  it('round-trips the subscriber id and opt-in id of a confirm link', () => {
    const token = tokens.sign('confirm', id, { now, optInId: 'opt-1' });
    expect(tokens.verify(token, 'confirm', now)).toEqual({ subscriberId: id, optInId: 'opt-1' });
  });

  it('round-trips an unsubscribe link without an opt-in id', () => {
    const token = tokens.sign('unsubscribe', id, { now });
    expect(tokens.verify(token, 'unsubscribe', now)).toEqual({ subscriberId: id });
  });

  it('is URL-safe and carries no address', () => {
    const token = tokens.sign('confirm', id, { now, optInId: 'opt-1' });
    expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).not.toContain('@');
  });

  it('does not let a confirm link unsubscribe, nor the reverse', () => {
    const confirmToken = tokens.sign('confirm', id, { now, optInId: 'o' });
    const unsubscribeToken = tokens.sign('unsubscribe', id, { now });
    expect(reasonOf(() => tokens.verify(confirmToken, 'unsubscribe', now))).toBe('invalid');
    expect(reasonOf(() => tokens.verify(unsubscribeToken, 'confirm', now))).toBe('invalid');
  });

  it('expires confirm links after 7 days', () => {
    const token = tokens.sign('confirm', id, { now, optInId: 'o' });
    expect(reasonOf(() => tokens.verify(token, 'confirm', later(CONFIRM_LINK_TTL_MS)))).toBeUndefined();
    expect(reasonOf(() => tokens.verify(token, 'confirm', later(CONFIRM_LINK_TTL_MS + 1)))).toBe('expired');
  });

  it('never expires unsubscribe links', () => {
    const token = tokens.sign('unsubscribe', id, { now });
    const tenYears = 10 * 365 * 24 * 60 * 60 * 1000;
    expect(tokens.verify(token, 'unsubscribe', later(tenYears))).toEqual({ subscriberId: id });
  });

  it('refuses a tampered payload', () => {
    const [kid, , mac] = tokens.sign('unsubscribe', id, { now }).split('.');
    const forged = Buffer.from(JSON.stringify({ p: 'unsubscribe', s: 'someone-else' })).toString('base64url');
    expect(reasonOf(() => tokens.verify(`${kid}.${forged}.${mac}`, 'unsubscribe', now))).toBe('invalid');
  });

  it('refuses a confirm link whose expiry was pushed back', () => {
    const token = tokens.sign('confirm', id, { now, optInId: 'o' });
    const [kid, body, mac] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    payload.e += 365 * 24 * 60 * 60 * 1000;
    const stretched = Buffer.from(JSON.stringify(payload)).toString('base64url');
    expect(
      reasonOf(() => tokens.verify(`${kid}.${stretched}.${mac}`, 'confirm', later(CONFIRM_LINK_TTL_MS * 2))),
    ).toBe('invalid');
  });

  it('refuses every single-character change to a token', () => {
    const token = tokens.sign('confirm', id, { now, optInId: 'o' });
    for (let i = 0; i < token.length; i++) {
      const replacement = token[i] === 'A' ? 'B' : 'A';
      const altered = token.slice(0, i) + replacement + token.slice(i + 1);
      expect(
        reasonOf(() => tokens.verify(altered, 'confirm', now)),
        `position ${i}`,
      ).toBe('invalid');
    }
  });

  it('refuses truncated, padded and malformed tokens', () => {
    const token = tokens.sign('unsubscribe', id, { now });
    for (const bad of [
      token.slice(0, -1),
      token.slice(0, token.lastIndexOf('.')),
      `${token}A`,
      `${token}.extra`,
      '',
      'not-a-token',
      '...',
      'k1..',
      'x'.repeat(5000),
    ]) {
      expect(
        reasonOf(() => tokens.verify(bad, 'unsubscribe', now)),
        bad.slice(0, 40),
      ).toBe('invalid');
    }
  });

  it('refuses a token signed with an unknown key id', () => {
    const other = new LinkTokens({ currentKeyId: 'k9', keys: { k9: 'another-secret-0123456789abcd' } });
    const token = other.sign('unsubscribe', id, { now });
    expect(reasonOf(() => tokens.verify(token, 'unsubscribe', now))).toBe('invalid');
  });

  it('refuses a token made with another secret under the same key id', () => {
    const impostor = new LinkTokens({
      currentKeyId: testKeys.currentKeyId,
      keys: { [testKeys.currentKeyId]: 'guessed-secret-0123456789abcd' },
    });
    const token = impostor.sign('unsubscribe', id, { now });
    expect(reasonOf(() => tokens.verify(token, 'unsubscribe', now))).toBe('invalid');
  });

  it('keeps old links working after the key rotates, and signs new ones with the new key', () => {
    const oldToken = tokens.sign('unsubscribe', id, { now });
    const rotated = testTokens(rotatedKeys);
    expect(rotated.verify(oldToken, 'unsubscribe', now)).toEqual({ subscriberId: id });
    const newToken = rotated.sign('unsubscribe', id, { now });
    expect(newToken.startsWith(`${rotatedKeys.currentKeyId}.`)).toBe(true);
    // A server that has not learnt the new key yet refuses the new link.
    expect(reasonOf(() => tokens.verify(newToken, 'unsubscribe', now))).toBe('invalid');
    // Once the old key is retired, its links stop working.
    const retired = testTokens(retiredKeys);
    expect(reasonOf(() => retired.verify(oldToken, 'unsubscribe', now))).toBe('invalid');
  });

  it('refuses unusable keys when constructed', () => {
    expect(() => new LinkTokens({ currentKeyId: 'k2', keys: testKeys.keys })).toThrow(/current link key/);
    expect(() => new LinkTokens({ currentKeyId: 'k1', keys: { k1: 'short' } })).toThrow(/at least/);
    expect(() => new LinkTokens({ currentKeyId: 'a.b', keys: { 'a.b': testKeys.keys.k1 } })).toThrow(
      /URL-safe/,
    );
  });

  it('builds link URLs under the public base URL', () => {
    const token = tokens.sign('unsubscribe', id, { now });
    expect(linkUrl(sampleSettings, 'unsubscribe', token)).toBe(
      `http://localhost:3000/unsubscribe?token=${token}`,
    );
    expect(linkUrl(sampleSettings, 'confirm', 'abc')).toBe('http://localhost:3000/confirm?token=abc');
  });
});
