import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../../functions/adapters/settings-from-env.js';
import { ENV } from '../../functions/contract.js';

const env = {
  [ENV.clinicName]: 'Clinic',
  [ENV.postalAddress]: '1 Road',
  [ENV.siteUrl]: 'https://clinic.example',
  [ENV.fromAddress]: 'course@clinic.example',
  [ENV.fromName]: 'Clinic',
  [ENV.sendHour]: '8',
  [ENV.defaultTimeZone]: 'Europe/London',
  [ENV.allowedOrigins]: 'https://a.example, https://b.example',
};

describe('settingsFromEnv', () => {
  it('names a missing public base URL when links need one', () => {
    expect(() => settingsFromEnv(env)).toThrow(ENV.publicBaseUrl);
  });

  it('leaves the base URL empty for the api function, which takes it from each request', () => {
    expect(settingsFromEnv(env, { publicBaseUrl: 'optional' }).publicBaseUrl).toBe('');
  });

  it('drops a trailing slash and splits the allowed origins', () => {
    const settings = settingsFromEnv({ ...env, [ENV.publicBaseUrl]: 'https://api.example/' });
    expect(settings.publicBaseUrl).toBe('https://api.example');
    expect(settings.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(settings.sendHour).toBe(8);
  });
});
