/**
 * Subscriber identity. Keys, URLs, tokens and logs carry a pseudonymous id instead of
 * the address.
 */
import { createHash } from 'node:crypto';

/** The form of an address the course stores and hashes: trimmed and lower-cased. */
export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/**
 * The subscriber's id: base64url(SHA-256('knee-course:v1:' + normalised address)).
 *
 * It is a pseudonym, not an anonymisation: nobody can read the address back from it,
 * so ids may appear in keys, links and log lines, but anyone who already knows an
 * address can compute its id. That determinism is what we need (one record per address,
 * found again on the next sign-up without an index on the address); under the GDPR the
 * id is still personal data while the record exists. The prefix keeps these hashes
 * apart from any other SHA-256 of an address (and versions the scheme).
 */
export function subscriberId(email: string): string {
  return createHash('sha256')
    .update(`knee-course:v1:${normaliseEmail(email)}`)
    .digest('base64url');
}
