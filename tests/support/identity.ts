/**
 * The subscriber ids of the tests: one fixed pseudonym key, and `subscriberId` bound to
 * it, so a test finds the record the API or the CLI stored for an address.
 */
import { subscriberId as keyedId } from '../../functions/core/identity.js';

/** The pseudonym key every test deployment uses (ApiDeps, LifecycleDeps, the CLI). */
export const TEST_PSEUDONYM_KEY = 'test-pseudonym-key-0123456789abcdef0123456789';

/** The id the tests' deployment gives an address. */
export function subscriberId(email: string): string {
  return keyedId(email, TEST_PSEUDONYM_KEY);
}
