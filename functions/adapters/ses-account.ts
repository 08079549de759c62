/**
 * The SES account's maximum send rate (SES v2 `GetAccount`, `SendQuota.MaxSendRate`),
 * cached per container: an owner whose quota AWS raised gets it within minutes, without
 * a redeploy, and a sender asks SES about once per cache period, not once per batch.
 */
import { GetAccountCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { AccountSendRate } from '../core/pacer.js';

/** How long a read rate holds. @default five minutes */
export const ACCOUNT_RATE_TTL_MS = 5 * 60_000;

export interface AccountRateOptions {
  readonly ttlMs?: number;
  /** Milliseconds; only differences matter. @default Date.now */
  readonly now?: () => number;
}

/**
 * Reads the rate at most once per `ttlMs`. A failed read (no permission, SES down) gives
 * the last rate read, or undefined (the sender then keeps to its configured ceiling), and
 * is tried again after a fifth of the period.
 */
export function sesAccountSendRate(client: SESv2Client, options: AccountRateOptions = {}): AccountSendRate {
  const ttl = options.ttlMs ?? ACCOUNT_RATE_TTL_MS;
  const now = options.now ?? Date.now;
  let rate: number | undefined;
  let freshUntil = Number.NEGATIVE_INFINITY;
  let reading: Promise<number | undefined> | undefined;
  const read = async (): Promise<number | undefined> => {
    try {
      const { SendQuota } = await client.send(new GetAccountCommand({}));
      const max = SendQuota?.MaxSendRate;
      if (max !== undefined && max > 0) rate = max;
      freshUntil = now() + ttl;
    } catch {
      freshUntil = now() + ttl / 5;
    }
    return rate;
  };
  return () => {
    if (now() < freshUntil) return Promise.resolve(rate);
    reading ??= read().finally(() => {
      reading = undefined;
    });
    return reading;
  };
}
