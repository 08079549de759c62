import { describe, expect, it } from 'vitest';
import {
  clientKey,
  mailboxKey,
  mailboxOf,
  networkOf,
  secondsUntil,
  windowOf,
} from '../../functions/core/limits.js';

const KEY = 'one-deployment-key-0123456789abcdef0123456789';

describe('the client a sign-up counts against', () => {
  it('is an IPv4 address as it is', () => {
    expect(networkOf('203.0.113.7')).toBe('203.0.113.7');
    expect(networkOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('is an IPv6 address by its /64, however it is written', () => {
    expect(networkOf('2001:db8:1:2:aaaa::1')).toBe('2001:0db8:0001:0002::/64');
    expect(networkOf('2001:DB8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:0db8:0001:0002::/64');
    expect(networkOf('[2001:db8:1:2::7]')).toBe('2001:0db8:0001:0002::/64');
    expect(networkOf('2001:db8::1')).toBe('2001:0db8:0000:0000::/64');
    expect(networkOf('2001:db8:1:3::1')).not.toBe(networkOf('2001:db8:1:2::1'));
  });

  it('is one shared client for an unreadable address', () => {
    expect(networkOf('')).toBe('unknown');
    expect(networkOf('not an ip')).toBe('unknown');
  });

  it('is stored as a keyed hash that holds no part of the address', () => {
    const key = clientKey('203.0.113.7', KEY);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain('203');
    expect(clientKey('2001:db8:1:2::1', KEY)).toBe(clientKey('2001:db8:1:2::ffff', KEY));
    expect(clientKey('203.0.113.7', `${KEY}x`)).not.toBe(key);
  });
});

describe('the mailbox a confirmation counts against', () => {
  it('folds +tags for every domain', () => {
    expect(mailboxOf('Victim+0@Example.com')).toBe('victim@example.com');
    expect(mailboxOf('victim+a+b@example.com')).toBe('victim@example.com');
  });

  it('folds dots only where the provider ignores them', () => {
    expect(mailboxOf('v.i.c.tim+x@googlemail.com')).toBe('victim@gmail.com');
    expect(mailboxOf('vic.tim@gmail.com')).toBe('victim@gmail.com');
    expect(mailboxOf('vic.tim@example.com')).toBe('vic.tim@example.com');
  });

  it('is stored as a keyed hash, apart from the subscriber id', () => {
    expect(mailboxKey('victim+1@example.com', KEY)).toBe(mailboxKey('victim@example.com', KEY));
    expect(mailboxKey('victim@example.com', KEY)).not.toContain('victim');
  });
});

describe('fixed windows', () => {
  it('start at multiples of the window and tell how long is left', () => {
    const now = new Date('2026-05-01T10:07:30.000Z');
    const { start, end } = windowOf(now, 10 * 60_000);
    expect(start.toISOString()).toBe('2026-05-01T10:00:00.000Z');
    expect(end.toISOString()).toBe('2026-05-01T10:10:00.000Z');
    expect(secondsUntil(end, now)).toBe(150);
    expect(secondsUntil(end, end)).toBe(1);
  });
});
