// SES's GetAccount has no emulator (aws-ses-v2-local does not serve it): mocked here only.
import { GetAccountCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_RATE_TTL_MS, sesAccountSendRate } from '../../functions/adapters/ses-account.js';
import { ManualClock } from '../support/clock.js';

const ses = mockClient(SESv2Client);
const client = new SESv2Client({ region: 'eu-west-1' });
beforeEach(() => ses.reset());

const quota = (MaxSendRate: number) => ({
  SendQuota: { MaxSendRate, Max24HourSend: 50_000, SentLast24Hours: 0 },
});

describe('the account’s SES sending rate', () => {
  it('reads MaxSendRate once and keeps it for the cache period', async () => {
    ses.on(GetAccountCommand).resolves(quota(14));
    const time = new ManualClock();
    const rate = sesAccountSendRate(client, { now: time.millis });

    expect(await rate()).toBe(14);
    time.advance(ACCOUNT_RATE_TTL_MS - 1);
    expect(await rate()).toBe(14);
    expect(ses.commandCalls(GetAccountCommand)).toHaveLength(1);
  });

  it('picks up a raised quota after the cache period, with no redeploy', async () => {
    ses.on(GetAccountCommand).resolvesOnce(quota(14)).resolves(quota(200));
    const time = new ManualClock();
    const rate = sesAccountSendRate(client, { now: time.millis });

    expect(await rate()).toBe(14);
    time.advance(ACCOUNT_RATE_TTL_MS);
    expect(await rate()).toBe(200);
  });

  it('asks SES once when many batches want the rate at the same time', async () => {
    ses.on(GetAccountCommand).resolves(quota(14));
    const rate = sesAccountSendRate(client);

    expect(await Promise.all([rate(), rate(), rate()])).toEqual([14, 14, 14]);
    expect(ses.commandCalls(GetAccountCommand)).toHaveLength(1);
  });

  it('gives no rate when SES cannot be read, and the last one read after that', async () => {
    const time = new ManualClock();
    ses
      .on(GetAccountCommand)
      .rejectsOnce(new Error('AccessDenied'))
      .resolvesOnce(quota(14))
      .rejects(new Error('SES down'));
    const rate = sesAccountSendRate(client, { now: time.millis });
    expect(await rate()).toBeUndefined();

    time.advance(ACCOUNT_RATE_TTL_MS / 5);
    expect(await rate()).toBe(14);
    time.advance(ACCOUNT_RATE_TTL_MS);
    expect(await rate()).toBe(14);
  });
});
