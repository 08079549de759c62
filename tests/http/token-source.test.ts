import { describe, expect, it } from 'vitest';
import { sampleSettings } from '../../functions/core/settings.js';
import { type LinkKeys, LinkTokens } from '../../functions/core/tokens.js';
import { createApi } from '../../functions/http/api.js';
import { formPost, httpEvent } from '../support/http-event.js';
import { subscriberId, TEST_PSEUDONYM_KEY } from '../support/identity.js';
import { MemoryLimiter } from '../support/memory-limiter.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { MemoryStore } from '../support/memory-store.js';
import { RecordingMailer } from '../support/recording-mailer.js';

const OLD_KEY = 'old-link-key-0123456789abcdef';
const NEW_KEY = 'new-link-key-0123456789abcdef';
const FIRST = 'first@example.com';
const SECOND = 'second@example.com';

/** The API with a token source that reads whatever key set is current, as a Lambda's cached secret does. */
function rotatingApi(keys: LinkKeys) {
  const source = { keys, calls: 0 };
  const mailer = new RecordingMailer();
  const store = new MemoryStore();
  const handler = createApi({
    store,
    mailer,
    queue: new MemoryQueue(),
    clock: { now: () => new Date('2026-12-01T09:30:00.000Z') },
    settings: { ...sampleSettings, publicBaseUrl: 'https://signup.clinic.example' },
    pseudonymKey: TEST_PSEUDONYM_KEY,
    limiter: new MemoryLimiter(),
    tokens: async () => {
      source.calls += 1;
      return new LinkTokens(source.keys);
    },
  });
  const confirmToken = (address: string): string => {
    const match = /\/confirm\?token=([A-Za-z0-9._~%-]+)/.exec(mailer.to(address).at(-1)?.text ?? '');
    if (!match?.[1]) throw new Error(`No confirm link was mailed to ${address}`);
    return decodeURIComponent(match[1]);
  };
  return { source, store, handler, confirmToken };
}

describe('a token source', () => {
  it('is read on every request, so a rotated key set applies without rebuilding the API', async () => {
    const t = rotatingApi({ currentKeyId: 'old', keys: { old: OLD_KEY } });
    expect((await t.handler(formPost('/subscribe', { email: FIRST }))).statusCode).toBe(303);
    const oldLink = t.confirmToken(FIRST);
    expect(oldLink.startsWith('old.')).toBe(true);

    t.source.keys = { currentKeyId: 'new', keys: { old: OLD_KEY, new: NEW_KEY } };

    // New links use the new key at once...
    expect((await t.handler(formPost('/subscribe', { email: SECOND }))).statusCode).toBe(303);
    expect(t.confirmToken(SECOND).startsWith('new.')).toBe(true);
    // ...and a link signed with the old key still works while the old key is listed.
    expect((await t.handler(httpEvent({ path: `/confirm?token=${oldLink}` }))).statusCode).toBe(200);
    expect((await t.handler(formPost('/confirm', { token: oldLink }))).statusCode).toBe(200);
    expect((await t.store.get(subscriberId(FIRST)))?.status).toBe('active');
    expect(t.source.calls).toBe(4);
  });

  it('refuses a link whose key has left the key set', async () => {
    const t = rotatingApi({ currentKeyId: 'old', keys: { old: OLD_KEY } });
    await t.handler(formPost('/subscribe', { email: FIRST }));
    const oldLink = t.confirmToken(FIRST);

    t.source.keys = { currentKeyId: 'new', keys: { new: NEW_KEY } };

    const response = await t.handler(formPost('/confirm', { token: oldLink }));
    expect(response.statusCode).toBe(400);
    expect((await t.store.get(subscriberId(FIRST)))?.status).toBe('pending');
  });
});
