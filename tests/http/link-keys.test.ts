import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LinkKeysError, loadLinkKeys, parseLinkKeys } from '../../functions/adapters/link-keys.js';
import { LinkTokens } from '../../functions/core/tokens.js';
import { flatSecretJson, rotatedKeys, testKeys } from '../support/link-keys.js';

// Secrets Manager has no local emulator here, so its client is mocked.
const secrets = mockClient(SecretsManagerClient);
/** A secret that must never appear in an error message about a bad key set. */
const KEY = 'k1-secret-value-0123456789abcdef';

beforeAll(() => {
  process.env.AWS_REGION ??= 'eu-west-1';
});
beforeEach(() => secrets.reset());
afterAll(() => secrets.restore());

describe('loadLinkKeys', () => {
  it('reads the keys from the secret JSON', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'keys-nested' })
      .resolves({ SecretString: JSON.stringify(rotatedKeys) });

    const keys = await loadLinkKeys('keys-nested');

    expect(keys).toEqual(rotatedKeys);
    expect(() => new LinkTokens(keys)).not.toThrow();
  });

  it('reads the flat shape a generated CloudFormation secret has', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'keys-flat' })
      .resolves({ SecretString: flatSecretJson(testKeys) });

    expect(await loadLinkKeys('keys-flat')).toEqual(testKeys);
  });

  it('reads the secret once and serves warm calls from the cache', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'keys-cached' })
      .resolves({ SecretString: JSON.stringify(testKeys) });

    await loadLinkKeys('keys-cached');
    await loadLinkKeys('keys-cached');
    await loadLinkKeys('keys-cached');

    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('refuses a secret of the wrong shape without quoting any key', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'keys-bad' })
      .resolves({ SecretString: JSON.stringify({ currentKeyId: 'k2', keys: { k1: KEY } }) });

    const error = await loadLinkKeys('keys-bad').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LinkKeysError);
    expect((error as Error).message).toContain('currentKeyId must name one of the keys');
    expect((error as Error).message).not.toContain(KEY);
  });
});

describe('parseLinkKeys', () => {
  it.each([
    ['a key shorter than 16 characters', { currentKeyId: 'k1', keys: { k1: 'short' } }],
    ['a key id that is not URL-safe', { currentKeyId: 'k.1', keys: { 'k.1': KEY } }],
    ['no currentKeyId', { keys: { k1: KEY } }],
    ['a string', 'k1'],
    ['null', null],
  ])('refuses %s', (_kind, value) => {
    expect(() => parseLinkKeys(value)).toThrow(LinkKeysError);
    try {
      parseLinkKeys(value);
    } catch (error) {
      expect((error as Error).message).not.toContain(KEY);
    }
  });
});
