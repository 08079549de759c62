import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normaliseEmail, subscriberId } from '../../functions/core/identity.js';

describe('subscriber identity', () => {
  it('normalises an address by trimming and lower-casing it', () => {
    expect(normaliseEmail('  Jane.Doe@Example.COM \n')).toBe('jane.doe@example.com');
  });

  it('gives the same id to every spelling of one address', () => {
    expect(subscriberId(' JANE@example.com')).toBe(subscriberId('jane@example.com'));
  });

  it('gives different addresses different ids', () => {
    expect(subscriberId('jane@example.com')).not.toBe(subscriberId('john@example.com'));
  });

  it('derives the id as base64url SHA-256 of the prefixed address', () => {
    const expected = createHash('sha256').update('knee-course:v1:jane@example.com').digest('base64url');
    expect(subscriberId('Jane@Example.com')).toBe(expected);
  });

  it('is URL-safe and contains no part of the address', () => {
    const id = subscriberId('jane@example.com');
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(id.toLowerCase()).not.toContain('jane');
    expect(id.toLowerCase()).not.toContain('example');
  });
});
