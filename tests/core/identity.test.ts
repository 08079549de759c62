import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normaliseEmail, subscriberId } from '../../functions/core/identity.js';

const KEY = 'one-deployment-key-0123456789abcdef0123456789';
const OTHER_KEY = 'another-deployment-key-0123456789abcdef01234';

describe('subscriber identity', () => {
  it('normalises an address by trimming and lower-casing it', () => {
    expect(normaliseEmail('  Jane.Doe@Example.COM \n')).toBe('jane.doe@example.com');
  });

  it('gives the same id to every spelling of one address', () => {
    expect(subscriberId(' JANE@example.com', KEY)).toBe(subscriberId('jane@example.com', KEY));
  });

  it('gives different addresses different ids', () => {
    expect(subscriberId('jane@example.com', KEY)).not.toBe(subscriberId('john@example.com', KEY));
  });

  it('derives the id as base64url HMAC-SHA-256 of the prefixed address under the key', () => {
    const expected = createHmac('sha256', KEY).update('email-course:v2:jane@example.com').digest('base64url');
    expect(subscriberId('Jane@Example.com', KEY)).toBe(expected);
  });

  it('gives one address different ids in two deployments', () => {
    expect(subscriberId('jane@example.com', KEY)).not.toBe(subscriberId('jane@example.com', OTHER_KEY));
  });

  it('cannot be computed from the address alone (no unkeyed hash)', () => {
    const unkeyed = createHmac('sha256', '').update('email-course:v2:jane@example.com').digest('base64url');
    expect(subscriberId('jane@example.com', KEY)).not.toBe(unkeyed);
    expect(() => subscriberId('jane@example.com', '')).toThrow('pseudonym key');
    expect(() => subscriberId('jane@example.com', 'short')).toThrow('pseudonym key');
  });

  it('is URL-safe and contains no part of the address', () => {
    const id = subscriberId('jane@example.com', KEY);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(id.toLowerCase()).not.toContain('jane');
    expect(id.toLowerCase()).not.toContain('example');
  });
});
