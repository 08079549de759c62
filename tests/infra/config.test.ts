import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, contrastRatio, parseConfig } from '../../infra/config.js';
import { FULL_CONFIG } from './synth.js';

const REQUIRED = {
  senderAddress: 'course@clinic.example',
  senderName: 'Riverside Massage & Bodywork',
  clinicName: 'Riverside Massage & Bodywork',
  postalAddress: '12 Mill Lane, Riverside',
  siteUrl: 'https://clinic.example',
  alarmEmail: 'owner@clinic.example',
};

function errorOf(raw: unknown): string {
  try {
    parseConfig(raw, 'course.config.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('course configuration', () => {
  it('accepts the course.config.json in the repository', () => {
    const raw = JSON.parse(readFileSync(new URL('../../course.config.json', import.meta.url), 'utf8'));
    expect(() => parseConfig(raw)).not.toThrow();
  });

  it('fills in the documented defaults', () => {
    expect(parseConfig(REQUIRED)).toMatchObject({
      sendHour: 8,
      defaultTimeZone: 'Europe/London',
      maxSendRate: 10,
      senderMaxConcurrency: 2,
      sweepMinutes: 5,
      apiThrottle: { rateLimit: 10, burstLimit: 20 },
      allowedOrigins: [],
      sandboxRecipients: [],
      logRetentionDays: 30,
    });
  });

  it('drops a trailing slash from URLs so links join cleanly', () => {
    const config = parseConfig({
      ...REQUIRED,
      siteUrl: 'https://clinic.example/',
      publicBaseUrl: 'https://c.example/',
    });
    expect(config.siteUrl).toBe('https://clinic.example');
    expect(config.publicBaseUrl).toBe('https://c.example');
  });

  it('takes an optional booking page, left unset so the emails fall back to the site', () => {
    expect(parseConfig(REQUIRED).bookingUrl).toBeUndefined();
    expect(parseConfig({ ...REQUIRED, bookingUrl: 'https://clinic.example/book/' }).bookingUrl).toBe(
      'https://clinic.example/book',
    );
  });

  it('takes the clinic brand, each field optional, the accent as lower-case #rrggbb', () => {
    const plain = parseConfig(REQUIRED);
    for (const field of ['logoUrl', 'accentColor', 'phone', 'practitioner', 'privacyPolicyUrl'] as const) {
      expect(plain[field], field).toBeUndefined();
    }
    const branded = parseConfig({
      ...REQUIRED,
      logoUrl: 'https://clinic.example/logo.png',
      accentColor: '#7A2E4D',
      phone: '01234 567890',
      practitioner: 'Jane Doe, MSc',
      privacyPolicyUrl: 'https://clinic.example/privacy/',
    });
    expect(branded).toMatchObject({
      logoUrl: 'https://clinic.example/logo.png',
      logoWidth: 160,
      logoHeight: 48,
      accentColor: '#7a2e4d',
      phone: '01234 567890',
      practitioner: 'Jane Doe, MSc',
      privacyPolicyUrl: 'https://clinic.example/privacy',
    });
    expect(parseConfig({ ...REQUIRED, accentColor: '#036' }).accentColor).toBe('#003366');
  });

  it('measures the accent contrast as WCAG does', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBe(1);
    // The darkest grey that passes on white (a well-known reference value).
    expect(contrastRatio('#767676', '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio('#777777', '#ffffff')).toBeLessThan(4.5);
    expect(() => parseConfig({ ...REQUIRED, accentColor: '#767676' })).not.toThrow();
    expect(errorOf({ ...REQUIRED, accentColor: '#777777' })).toContain('accentColor: is too light');
  });

  it.each([
    [{ sendHour: 24 }, 'course.config.json: sendHour: must be between 0 and 23'],
    [{ sendHour: 7.5 }, 'course.config.json: sendHour: must be between 0 and 23'],
    [
      { defaultTimeZone: 'Europe/Atlantis' },
      'course.config.json: defaultTimeZone: must be an IANA time zone name',
    ],
    // Newer runtimes accept offsets as zones; the schedule does not, so neither does the config.
    [{ defaultTimeZone: '+01:00' }, 'course.config.json: defaultTimeZone: must be an IANA time zone name'],
    [{ senderAddress: 'not an address' }, 'course.config.json: senderAddress: must be an email address'],
    [{ senderAddress: undefined }, 'course.config.json: senderAddress: is required'],
    [{ postalAddress: '  ' }, 'course.config.json: postalAddress: must be a non-empty string'],
    [{ siteUrl: 'clinic.example' }, 'course.config.json: siteUrl: must be an http(s) URL'],
    [{ bookingUrl: 'http://clinic.example/book' }, 'course.config.json: bookingUrl: must be an https URL'],
    [{ bookingUrl: 'javascript:alert(1)' }, 'course.config.json: bookingUrl: must be an https URL'],
    [
      { allowedOrigins: ['https://clinic.example/form'] },
      'course.config.json: allowedOrigins.0: must be an origin',
    ],
    [{ maxSendRate: 0.5 }, 'course.config.json: maxSendRate: must be at least 1'],
    [
      { maxSendRate: 1, senderMaxConcurrency: 3 },
      'course.config.json: senderMaxConcurrency: must be at most 2 × maxSendRate',
    ],
    [
      { senderMaxConcurrency: 1 },
      'course.config.json: senderMaxConcurrency: must be a whole number between 2',
    ],
    [{ sweepMinutes: 0 }, 'course.config.json: sweepMinutes: must be a whole number between 1 and 60'],
    [{ apiThrottle: { rateLimit: -1 } }, 'course.config.json: apiThrottle.rateLimit: must be greater than 0'],
    [{ logRetentionDays: 31 }, 'course.config.json: logRetentionDays: must be one of 1, 3, 5'],
    [{ alarmEmail: 'owner' }, 'course.config.json: alarmEmail: must be an email address'],
    [{ mailFromSubdomain: 'mail' }, 'course.config.json: mailFromSubdomain: needs sesIdentityDomain'],
    [
      { sesIdentityDomain: 'other.example' },
      'course.config.json: senderAddress: must be an address at sesIdentityDomain',
    ],
    [{ sendHuor: 9 }, 'course.config.json: sendHuor: unknown field'],
    [{ logoUrl: 'http://clinic.example/logo.png' }, 'course.config.json: logoUrl: must be an https URL'],
    [{ logoWidth: 2000 }, 'course.config.json: logoWidth: must be a whole number of pixels from 16 to 400'],
    [{ accentColor: 'teal' }, 'course.config.json: accentColor: must be a hex colour like #1f5e57'],
    [{ accentColor: '#1f5e57; x' }, 'course.config.json: accentColor: must be a hex colour'],
    // White on #7fb8b0 is 2.1:1: unreadable buttons, and headings too pale on white.
    [
      { accentColor: '#7fb8b0' },
      'course.config.json: accentColor: is too light: white text on it, and it on white, have a contrast of 2.',
    ],
    [{ accentColor: '#ffd400' }, 'course.config.json: accentColor: is too light'],
    [
      { privacyPolicyUrl: 'http://clinic.example/privacy' },
      'course.config.json: privacyPolicyUrl: must be an https URL',
    ],
    [{ phone: ' ' }, 'course.config.json: phone: must be a non-empty string'],
    [{ practitioner: 'x'.repeat(121) }, 'course.config.json: practitioner: must be at most 120 characters'],
  ])('refuses %j, naming the field', (change, message) => {
    expect(errorOf({ ...REQUIRED, ...change })).toContain(message);
  });

  it('lists every bad field at once', () => {
    const message = errorOf({ ...REQUIRED, sendHour: -1, sweepMinutes: 90 });
    expect(message.split('\n')).toHaveLength(2);
  });
});

describe('infra/app.ts', () => {
  const runApp = (configPath: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: new URL('../..', import.meta.url),
      env: {
        ...process.env,
        COURSE_CONFIG: configPath,
        CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'course-cdk-out-')),
      },
      encoding: 'utf8',
    });

  it('stops the synth with the file and field named when the config is invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'course-config-'));
    const path = join(dir, 'course.config.json');
    writeFileSync(path, JSON.stringify({ ...FULL_CONFIG, sendHour: 25 }));
    const result = runApp(path);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/course\.config\.json: sendHour: must be between 0 and 23/);
  });

  it('reports a config file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'course-config-'));
    const path = join(dir, 'course.config.json');
    writeFileSync(path, '{ "senderAddress": ');
    const result = runApp(path);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/course\.config\.json: not valid JSON/);
  });
});
