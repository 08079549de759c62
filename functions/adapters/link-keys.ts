/**
 * The link-signing keys, read from Secrets Manager through Powertools Parameters. The
 * secret is JSON, either `{ "currentKeyId": "k2", "keys": { "k1": "…", "k2": "…" } }`
 * (`currentKeyId` signs new links, every listed key verifies old ones: rotation is add,
 * make current, later remove) or the flat `{ "currentKeyId": "k1", "k1": "…" }` that
 * CloudFormation's generated secrets produce. Key ids are URL-safe, up to 32 characters;
 * keys are random strings of at least 16 characters. Rotation: docs/deploying.md.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import type { LinkKeys } from '../core/tokens.js';

/** How long a warm function reuses the keys before reading the secret again (picks up rotation). */
export const LINK_KEYS_MAX_AGE_SECONDS = 300;

const keyId = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,32}$/, 'key ids are URL-safe, 1-32 characters'));
const key = z.string().check(z.minLength(16, 'keys are at least 16 characters'));

const nested = z.strictObject({ currentKeyId: keyId, keys: z.record(keyId, key) });
const flat = z.pipe(
  z.catchall(z.object({ currentKeyId: keyId }), key),
  z.transform(({ currentKeyId, ...keys }) => ({ currentKeyId, keys: keys as Record<string, string> })),
);

const linkKeysSchema = z
  .union([nested, flat])
  .check(z.refine((k) => Object.hasOwn(k.keys, k.currentKeyId), 'currentKeyId must name one of the keys'));

// zod/mini loads no locale; English messages for this one parse keep the log line readable
// without setting zod's global configuration.
const englishIssues = en().localeError;

/** The signing keys' secret did not have the expected JSON shape. */
export class LinkKeysError extends Error {
  override readonly name = 'LinkKeysError';
}

/**
 * Parses the secret's JSON value into link keys. Error messages name the problem and the
 * path only, never a key.
 */
export function parseLinkKeys(value: unknown): LinkKeys {
  const parsed = linkKeysSchema.safeParse(value, { error: englishIssues });
  if (!parsed.success) {
    throw new LinkKeysError(`The link key secret is not valid: ${describeIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      if (issue.code === 'invalid_union') {
        const [asNested = [], asFlat = []] = issue.errors;
        return `as { currentKeyId, keys }: ${describeIssues(asNested)}; as { currentKeyId, <id>: <key> }: ${describeIssues(asFlat)}`;
      }
      return `${issue.path.join('.') || '(root)'}: ${issue.message}`;
    })
    .join(', ');
}

/**
 * Reads the link-signing keys. Powertools caches the secret for
 * LINK_KEYS_MAX_AGE_SECONDS, so calling this per request costs one Secrets Manager call
 * per five minutes per warm function.
 */
export async function loadLinkKeys(secretId: string): Promise<LinkKeys> {
  const value = await getSecret(secretId, { transform: 'json', maxAge: LINK_KEYS_MAX_AGE_SECONDS });
  return parseLinkKeys(value);
}
