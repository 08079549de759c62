/**
 * The key of the subscriber ids, read from its own Secrets Manager secret: the plain
 * random string CloudFormation generated at deploy. It never rotates (a new key would
 * give every address a new id and orphan every record), so a warm function reads it once.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { MIN_PSEUDONYM_KEY_LENGTH } from '../core/identity.js';

/** The pseudonym key's secret is missing or too short to be the generated key. */
export class PseudonymKeyError extends Error {
  override readonly name = 'PseudonymKeyError';
}

/** Checks a secret's value; the message never quotes it. */
export function parsePseudonymKey(value: unknown): string {
  const key = typeof value === 'string' ? value.trim() : '';
  if (key.length < MIN_PSEUDONYM_KEY_LENGTH) {
    throw new PseudonymKeyError(
      `The pseudonym key secret must hold a random string of at least ${MIN_PSEUDONYM_KEY_LENGTH} characters`,
    );
  }
  return key;
}

/** Reads the pseudonym key; the caller keeps it (see `secretPseudonymKey` in wiring.ts). */
export async function loadPseudonymKey(secretId: string): Promise<string> {
  return parsePseudonymKey(await getSecret(secretId));
}
