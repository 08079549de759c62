/**
 * Link signing keys for tests that just need valid ones, and key sets for rotation.
 * Tests of malformed key JSON keep their own bad inputs.
 */
import { type LinkKeys, LinkTokens } from '../../functions/core/tokens.js';

/** One key, `k1`, signing and verifying. */
export const testKeys = {
  currentKeyId: 'k1',
  keys: { k1: 'test-link-key-0123456789abcdef' },
} as const satisfies LinkKeys;

/** After a rotation: `k2` signs new links, `k1` still verifies old ones. */
export const rotatedKeys = {
  currentKeyId: 'k2',
  keys: { k1: testKeys.keys.k1, k2: 'second-link-key-0123456789abcdef' },
} as const satisfies LinkKeys;

/** After `k1` is retired: only `k2` is left. */
export const retiredKeys = {
  currentKeyId: 'k2',
  keys: { k2: rotatedKeys.keys.k2 },
} as const satisfies LinkKeys;

/** Tokens signed and verified with these keys (`testKeys` unless told). */
export function testTokens(keys: LinkKeys = testKeys): LinkTokens {
  return new LinkTokens(keys);
}

/**
 * The keys as the JSON of the flat secret CloudFormation generates:
 * `{ "currentKeyId": "k1", "k1": "..." }`.
 */
export function flatSecretJson(keys: LinkKeys = testKeys): string {
  return JSON.stringify({ currentKeyId: keys.currentKeyId, ...keys.keys });
}
