import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/contract.js';
import {
  EnvironmentError,
  FUNCTION_ENV,
  readEnvironment,
  settingsFrom,
  wireApi,
  wireMailEvents,
  wireSender,
  wireSweep,
} from '../../functions/wiring.js';

const settingsEnv = {
  [ENV.clinicName]: 'Clinic',
  [ENV.postalAddress]: '1 Road',
  [ENV.siteUrl]: 'https://clinic.example',
  [ENV.fromAddress]: 'course@clinic.example',
  [ENV.fromName]: 'Clinic',
  [ENV.sendHour]: '8',
  [ENV.defaultTimeZone]: 'Europe/London',
  [ENV.allowedOrigins]: 'https://a.example, https://b.example',
};

const senderEnv = {
  ...settingsEnv,
  [ENV.tableName]: 'subscribers',
  [ENV.dueShards]: '8',
  [ENV.linkSecretId]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:keys',
  [ENV.configurationSet]: 'course',
  [ENV.publicBaseUrl]: 'https://api.example/',
  [ENV.maxSendRate]: '14',
  [ENV.senderMaxConcurrency]: '2',
};

const apiEnv = {
  ...settingsEnv,
  [ENV.tableName]: 'subscribers',
  [ENV.linkSecretId]: 'keys',
  [ENV.pseudonymSecretId]: 'pseudonym-key',
  [ENV.queueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/send',
};

function errorOf(action: () => unknown): EnvironmentError {
  try {
    action();
  } catch (error) {
    if (error instanceof EnvironmentError) return error;
    throw error;
  }
  throw new Error('expected an EnvironmentError');
}

describe('readEnvironment', () => {
  it('names every missing variable in one error', () => {
    const { [ENV.tableName]: _table, [ENV.maxSendRate]: _rate, ...rest } = senderEnv;
    const error = errorOf(() => readEnvironment('sender', rest));
    expect(error.message).toContain(`${ENV.tableName} is missing`);
    expect(error.message).toContain(`${ENV.maxSendRate} is missing`);
  });

  it('names each malformed variable and never echoes its value', () => {
    const error = errorOf(() =>
      readEnvironment('sender', {
        ...senderEnv,
        [ENV.sendHour]: '25',
        [ENV.maxSendRate]: 'fast',
        [ENV.dueShards]: '0',
        [ENV.fromAddress]: 'not-an-address',
        [ENV.defaultTimeZone]: '+01:00',
      }),
    );
    for (const name of [ENV.sendHour, ENV.maxSendRate, ENV.dueShards, ENV.fromAddress, ENV.defaultTimeZone]) {
      expect(error.message).toContain(name);
    }
    expect(error.message).not.toContain('not-an-address');
  });

  it('treats an empty variable as a missing one', () => {
    expect(
      errorOf(() => readEnvironment('sweep', { [ENV.tableName]: '', [ENV.queueUrl]: apiEnv[ENV.queueUrl] }))
        .message,
    ).toContain(`${ENV.tableName} is missing`);
  });

  it('reads numbers as numbers, drops a trailing slash and splits the allowed origins', () => {
    const settings = settingsFrom(readEnvironment('sender', senderEnv));
    expect(settings.publicBaseUrl).toBe('https://api.example');
    expect(settings.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(settings.sendHour).toBe(8);
    expect(readEnvironment('sender', senderEnv)[ENV.maxSendRate]).toBe(14);
  });

  it('gives the api and the sender the booking page, or none so the emails use the site', () => {
    expect(FUNCTION_ENV.api).toContain(ENV.bookingUrl);
    expect(FUNCTION_ENV.sender).toContain(ENV.bookingUrl);
    const booking = { [ENV.bookingUrl]: 'https://clinic.example/book' };
    expect(settingsFrom(readEnvironment('sender', { ...senderEnv, ...booking })).bookingUrl).toBe(
      'https://clinic.example/book',
    );
    expect(settingsFrom(readEnvironment('api', apiEnv))).not.toHaveProperty('bookingUrl');
    expect(
      errorOf(() => readEnvironment('sender', { ...senderEnv, [ENV.bookingUrl]: 'book' })).message,
    ).toContain(ENV.bookingUrl);
  });

  it('gives the api and the sender the clinic brand, each field only when set', () => {
    const brand = {
      [ENV.logoUrl]: 'https://clinic.example/logo.png',
      [ENV.logoWidth]: '180',
      [ENV.logoHeight]: '40',
      [ENV.accentColor]: '#7a2e4d',
      [ENV.phone]: '01234 567890',
      [ENV.practitioner]: 'Jane Doe, MSc',
      [ENV.privacyPolicyUrl]: 'https://clinic.example/privacy',
    };
    for (const fn of ['api', 'sender'] as const) {
      for (const name of Object.keys(brand)) expect(FUNCTION_ENV[fn]).toContain(name);
    }
    expect(settingsFrom(readEnvironment('sender', { ...senderEnv, ...brand }))).toMatchObject({
      logo: { url: 'https://clinic.example/logo.png', width: 180, height: 40 },
      accentColor: '#7a2e4d',
      phone: '01234 567890',
      practitioner: 'Jane Doe, MSc',
      privacyPolicyUrl: 'https://clinic.example/privacy',
    });
    const plain = settingsFrom(readEnvironment('api', apiEnv));
    for (const field of ['logo', 'accentColor', 'phone', 'practitioner', 'privacyPolicyUrl']) {
      expect(plain).not.toHaveProperty(field);
    }
  });

  it.each([
    [ENV.accentColor, 'red'],
    [ENV.accentColor, '#7a2e4d;display:none'],
    [ENV.logoUrl, 'http://clinic.example/logo.png'],
    [ENV.logoWidth, '180px'],
  ])('refuses %s=%j, naming the variable', (name, value) => {
    expect(errorOf(() => readEnvironment('api', { ...apiEnv, [name]: value })).message).toContain(name);
  });

  it('lets only the api function run without a public base URL, which it takes from each request', () => {
    expect(settingsFrom(readEnvironment('api', apiEnv)).publicBaseUrl).toBe('');
    const { [ENV.publicBaseUrl]: _url, ...withoutUrl } = senderEnv;
    expect(errorOf(() => readEnvironment('sender', withoutUrl)).message).toContain(
      `${ENV.publicBaseUrl} is missing`,
    );
  });

  it('asks the sweep and the mail-events function for nothing they do not use', () => {
    expect(FUNCTION_ENV.sweep).toEqual([ENV.tableName, ENV.dueShards, ENV.queueUrl, ENV.publishedMetrics]);
    expect(FUNCTION_ENV.mailEvents).toEqual([
      ENV.tableName,
      ENV.dueShards,
      ENV.pseudonymSecretId,
      ENV.retentionDays,
      ENV.publishedMetrics,
    ]);
    expect(() =>
      readEnvironment('mailEvents', { [ENV.tableName]: 'subscribers', [ENV.pseudonymSecretId]: 'key' }),
    ).not.toThrow();
  });
});

describe('the four functions are wired from their environment', () => {
  const aws = { AWS_REGION: 'eu-west-1' };

  it('builds the api with the secret as its token source and the sign-up floor', () => {
    const deps = wireApi({ ...aws, ...apiEnv });
    expect(typeof deps.tokens).toBe('function');
    expect(typeof deps.pseudonymKey).toBe('function');
    expect(deps.signupMinMs).toBeGreaterThan(0);
    expect(deps.settings.clinicName).toBe('Clinic');
  });

  it('gives the sweep and the sender the reputation guard, kept in their own table', () => {
    const sender = wireSender({ ...aws, ...senderEnv });
    const sweep = wireSweep({ ...aws, [ENV.tableName]: 't', [ENV.queueUrl]: 'https://sqs.example/q' });
    expect(sender.guard).toBe(sender.store);
    expect(sweep.guard).toBe(sweep.store);
  });

  it('builds the sender with a pacer and the secret as its token source', () => {
    const deps = wireSender({ ...aws, ...senderEnv });
    expect(deps.pacer).toBeDefined();
    expect(typeof deps.tokens).toBe('function');
    expect(deps.store.dueShards).toBe(8);
  });

  it('builds the sweep and the mail-events function with the default shard count', () => {
    expect(
      wireSweep({ ...aws, [ENV.tableName]: 't', [ENV.queueUrl]: apiEnv[ENV.queueUrl] }).store.dueShards,
    ).toBe(8);
    const mailEvents = wireMailEvents({
      ...aws,
      [ENV.tableName]: 't',
      [ENV.dueShards]: '4',
      [ENV.pseudonymSecretId]: 'key',
    });
    expect(mailEvents.store.dueShards).toBe(4);
    expect(typeof mailEvents.pseudonymKey).toBe('function');
  });

  it('refuses to start a function whose environment is broken', () => {
    expect(() => wireSweep({ ...aws, [ENV.tableName]: 't' })).toThrow(EnvironmentError);
  });
});
