/**
 * Subscriber identity. Keys, URLs, tokens and logs carry a pseudonymous id instead of
 * the address.
 */
import { createHmac } from 'node:crypto';

/** The form of an address the course stores and hashes: trimmed and lower-cased. */
export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Shortest pseudonym key accepted: a typo or an empty secret must not become the key. */
export const MIN_PSEUDONYM_KEY_LENGTH = 32;

/**
 * The subscriber's id: base64url(HMAC-SHA-256(key, 'email-course:v2:' + normalised address)).
 *
 * Deterministic, so one address is one record, found again on the next sign-up without
 * an index on the address; keyed, so holding a link or a log line does not let anyone
 * test guessed addresses against it, and two deployments give one address different ids.
 * The key is generated at deploy and never rotates: a new key would orphan every record,
 * suppressions included. Under the GDPR the id is still personal data while the record exists.
 */
export function subscriberId(email: string, key: string): string {
  if (key.length < MIN_PSEUDONYM_KEY_LENGTH) throw new Error('The pseudonym key is missing or too short');
  return createHmac('sha256', key)
    .update(`email-course:v2:${normaliseEmail(email)}`)
    .digest('base64url');
}

/** The pseudonym key, fixed or read on demand (a Lambda reads it from its secret once). */
export type PseudonymKeySource = string | (() => Promise<string>);

export async function currentPseudonymKey(source: PseudonymKeySource): Promise<string> {
  return typeof source === 'string' ? source : source();
}
