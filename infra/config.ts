import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { isValidTimeZone } from '../functions/contract.js';
import { REPO_ROOT } from './bundling.js';

/** Retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const required = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
});

const text = (what = 'a non-empty string') => z.string(required(what)).trim().min(1, `must be ${what}`);

const emailAddress = z.email({
  error: (issue) => (issue.input === undefined ? 'is required' : 'must be an email address'),
});

/** An https (or, for local testing, http) URL; a trailing slash is dropped so links join cleanly. */
const webUrl = z
  .url({
    protocol: /^https?$/,
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be an http(s) URL'),
  })
  .transform((u) => u.replace(/\/+$/, ''));

/** A page the emails send readers to: https only, as mail clients warn on plain http links. */
const httpsUrl = z
  .url({
    protocol: /^https$/,
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be an https URL'),
  })
  .transform((u) => u.replace(/\/+$/, ''));

/** A browser origin: scheme, host and optional port, nothing else (what CORS compares). */
const origin = z.string(required('an origin')).refine((value) => {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}, 'must be an origin like https://clinic.example (scheme and host, no path or trailing slash)');

const hostname = z
  .string(required('a domain name'))
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
    'must be a domain name like clinic.example',
  );

/**
 * The clinic's own domain for the sign-up page and every link: with `hostedZoneId` the
 * stack makes the certificate (DNS-validated in that Route 53 zone) and the alias record;
 * with `certificateArn` (an ACM certificate in the stack's region) the owner adds a CNAME.
 */
const customDomain = z.union(
  [
    z.strictObject({
      domainName: hostname,
      hostedZoneId: z
        .string(required('a Route 53 zone id'))
        .regex(/^Z[A-Z0-9]{1,32}$/, 'must be a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ'),
    }),
    z.strictObject({
      domainName: hostname,
      certificateArn: z
        .string(required('an ACM certificate ARN'))
        .regex(
          /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
          'must be an ACM certificate ARN',
        ),
    }),
  ],
  { error: 'must be { "domainName", "hostedZoneId" } or { "domainName", "certificateArn" }' },
);

/** WCAG 2 relative luminance of a `#rrggbb` colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** Least contrast of normal text (WCAG AA): white on the accent, and the accent on white. */
export const MIN_ACCENT_CONTRAST = 4.5;

/**
 * The clinic's accent colour, lower-cased `#rrggbb` (`#abc` is expanded). White text sits
 * on it (buttons) and it sits on white (headings), so both need 4.5:1; one ratio covers both.
 */
const accentColor = z
  .string(required('a hex colour like #1f5e57'))
  .trim()
  .regex(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i, 'must be a hex colour like #1f5e57')
  .transform((c) => (c.length === 4 ? `#${[...c.slice(1)].map((d) => d + d).join('')}` : c).toLowerCase())
  .refine((c) => contrastRatio(c, '#ffffff') >= MIN_ACCENT_CONTRAST, {
    error: (issue) =>
      `is too light: white text on it, and it on white, have a contrast of ${contrastRatio(String(issue.input), '#ffffff').toFixed(2)}:1, under the ${MIN_ACCENT_CONTRAST}:1 text needs to be readable; pick a darker colour`,
  });

/** The course a config names when it names none: package.json's `config.defaultCourse`. */
export const DEFAULT_COURSE: string = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { config: { defaultCourse: string } }
).config.defaultCourse;

/** Course folders with a course.json, as `npm run build` compiles them. */
export function courseIds(): string[] {
  const dir = join(REPO_ROOT, 'emails');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'course.json')))
    .map((d) => d.name)
    .sort();
}

/** A course folder under emails/; an unknown one names the courses there are. */
const courseId = z.string(required('a course id')).refine((id) => courseIds().includes(id), {
  error: (issue) => `no course "${String(issue.input)}" in emails/ (courses: ${courseIds().join(', ')})`,
});

const intBetween = (min: number, max: number, message: string) =>
  z.number(required('a number')).int(message).min(min, message).max(max, message);

/**
 * The one file a clinic edits before deploying: `course.config.json`. Each field is
 * documented here; docs/configuration.md lists them with examples.
 */
export const courseConfigSchema = z
  .strictObject(
    {
      /** The course this stack runs: a folder `emails/<course>/` with its course.json. @default package.json's config.defaultCourse */
      course: courseId.default(DEFAULT_COURSE),
      /** Address the course is sent from; its domain (or the address) must be verified in SES. */
      senderAddress: emailAddress,
      /** Display name in the From header, e.g. the clinic's name. */
      senderName: text(),
      /** Where replies go, if not the sender address. */
      replyTo: emailAddress.optional(),
      /** Clinic name shown in emails and pages. */
      clinicName: text(),
      /** Postal address printed in every email footer (anti-spam laws require one). */
      postalAddress: text(),
      /** The clinic's own website; emails link to it. */
      siteUrl: webUrl,
      /** Where "Book an appointment" in the emails leads, e.g. the online booking page. @default siteUrl */
      bookingUrl: httpsUrl.optional(),
      /** The clinic's logo (https), on every page and email; drawn at logoWidth × logoHeight. */
      logoUrl: httpsUrl.optional(),
      /** Width of the logo in CSS pixels (fixed, so nothing jumps as it loads). @default 160 */
      logoWidth: intBetween(16, 400, 'must be a whole number of pixels from 16 to 400').default(160),
      /** Height of the logo in CSS pixels. @default 48 */
      logoHeight: intBetween(16, 200, 'must be a whole number of pixels from 16 to 200').default(48),
      /** Colour of buttons and headings in pages and emails; needs 4.5:1 against white. @default '#1f5e57' */
      accentColor: accentColor.optional(),
      /** The clinic's phone number, shown where readers look for it. */
      phone: text().max(40, 'must be at most 40 characters').optional(),
      /** Who writes the course, with credentials, e.g. "Jane Doe, MSc, remedial massage therapist". */
      practitioner: text().max(120, 'must be at most 120 characters').optional(),
      /** The clinic's privacy policy (https), linked beside the consent text and in every email. */
      privacyPolicyUrl: httpsUrl.optional(),
      /** Origins allowed to post the sign-up form from another site (CORS), e.g. the clinic's site. @default [] */
      allowedOrigins: z.array(origin).default([]),
      /** Local hour (0-23) at which lessons go out in the subscriber's time zone. @default 8 */
      sendHour: intBetween(0, 23, 'must be between 0 and 23').default(8),
      /** IANA time zone used when the browser sends none or an unknown one. @default 'Europe/London' */
      defaultTimeZone: z
        .string(required('an IANA time zone name'))
        .refine(isValidTimeZone, 'must be an IANA time zone name like Europe/London')
        .default('Europe/London'),
      /** Emails per second the course may send in total; keep it under the SES account's sending rate. @default 10 */
      maxSendRate: z
        .number(required('a number'))
        .min(1, 'must be at least 1 (the SES sandbox rate)')
        .max(1000, 'must be at most 1000')
        .default(10),
      /** Sender Lambdas running at once (AWS minimum for an SQS event source is 2). @default 2 */
      senderMaxConcurrency: intBetween(2, 1000, 'must be a whole number between 2 and 1000').default(2),
      /** Minutes between two sweeps for due lessons. @default 5 */
      sweepMinutes: intBetween(1, 60, 'must be a whole number between 1 and 60').default(5),
      /** Request rate (per second) and burst allowed on the sign-up API. @default { rateLimit: 10, burstLimit: 20 } */
      apiThrottle: z
        .strictObject({
          rateLimit: z.number(required('a number')).positive('must be greater than 0').default(10),
          burstLimit: intBetween(1, 5000, 'must be a whole number between 1 and 5000').default(20),
        })
        .default({ rateLimit: 10, burstLimit: 20 }),
      /** Sign-ups one client (an IPv4 address or an IPv6 /64) may make per window; then 429. @default 10 */
      signupsPerClient: intBetween(1, 1000, 'must be a whole number between 1 and 1000').default(10),
      /** Minutes of the per-client sign-up window. @default 10 */
      signupWindowMinutes: intBetween(1, 1440, 'must be a whole number between 1 and 1440').default(10),
      /** Confirmation emails one mailbox (all its +tag and dot spellings) may receive per 24 hours. @default 3 */
      confirmationsPerMailboxPerDay: intBetween(1, 10, 'must be a whole number between 1 and 10').default(3),
      /** Days the data of people who completed, unsubscribed or bounced is kept, then erased. @default 365 */
      retentionDays: intBetween(30, 3650, 'must be a whole number between 30 and 3650').default(365),
      /**
       * Domain the stack creates an SES identity for (Easy DKIM). Omit when the domain or
       * address is already verified in SES by hand.
       */
      sesIdentityDomain: hostname.optional(),
      /**
       * The sesIdentityDomain identity exists already (another course's stack made it, or you
       * did): this stack sends from it and creates none, so courses share the domain. @default false
       */
      existingSesIdentity: z.boolean({ error: 'must be true or false' }).default(false),
      /** Custom MAIL FROM subdomain label, e.g. `mail` for mail.clinic.example (aligns SPF for DMARC). */
      mailFromSubdomain: z
        .string(required('a subdomain label'))
        .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, 'must be a single subdomain label like mail')
        .optional(),
      /**
       * Let SES count opens (a tracking pixel) and clicks (links rewritten through SES). Off
       * by default: in the UK and EU both need the reader's consent. @default false
       */
      trackOpensAndClicks: z.boolean({ error: 'must be true or false' }).default(false),
      /** Your own domain for SES's rewritten click links (CNAME to SES's tracking domain); needs trackOpensAndClicks. */
      clickTrackingDomain: hostname.optional(),
      /** The clinic's own domain for the sign-up page and every link; the execute-api address is then closed. */
      customDomain: customDomain.optional(),
      /** Public URL of the sign-up API behind a proxy you run yourself; links in emails use it. Prefer customDomain. */
      publicBaseUrl: webUrl.optional(),
      /** Refuse `cdk destroy` (and console deletes) of the stack until it is turned off. @default true */
      terminationProtection: z.boolean({ error: 'must be true or false' }).default(true),
      /**
       * Address that receives every alarm (confirm the SNS subscription email once). Required:
       * an alarm nobody hears of is no alarm, and the reputation guard tells the owner through it.
       */
      alarmEmail: emailAddress,
      /**
       * While the SES account is in the sandbox, SES checks the send permission against each
       * recipient too; list the verified test recipients here. Empty once out of the sandbox.
       * @default []
       */
      sandboxRecipients: z.array(emailAddress).default([]),
      /**
       * Build the CloudWatch dashboard and publish every metric it graphs (about US$3 a month,
       * free among an account's first three dashboards, plus US$0.30 per metric). Off: the
       * alarms still run and `npm run course -- report` shows the funnel. @default false
       */
      dashboard: z.boolean({ error: 'must be true or false' }).default(false),
      /** Days CloudWatch keeps function and access logs. @default 30 */
      logRetentionDays: z
        .number(required('a number'))
        .refine(
          (days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days),
          `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
        )
        .default(30),
    },
    { error: 'must be a JSON object' },
  )
  .superRefine((config, ctx) => {
    const senderDomain = config.senderAddress.split('@')[1]?.toLowerCase() ?? '';
    if (config.sesIdentityDomain) {
      const domain = config.sesIdentityDomain.toLowerCase();
      if (senderDomain !== domain && !senderDomain.endsWith(`.${domain}`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['senderAddress'],
          message: `must be an address at sesIdentityDomain (${config.sesIdentityDomain})`,
        });
      }
    }
    if (config.maxSendRate / config.senderMaxConcurrency < 0.5) {
      ctx.addIssue({
        code: 'custom',
        path: ['senderMaxConcurrency'],
        message: 'must be at most 2 × maxSendRate (each sender needs at least one send every two seconds)',
      });
    }
    if (config.customDomain && config.publicBaseUrl) {
      ctx.addIssue({
        code: 'custom',
        path: ['publicBaseUrl'],
        message: 'leave it out with customDomain (links then use https://<customDomain.domainName>)',
      });
    }
    if (config.clickTrackingDomain && !config.trackOpensAndClicks) {
      ctx.addIssue({
        code: 'custom',
        path: ['clickTrackingDomain'],
        message: 'needs trackOpensAndClicks: true (without tracking no link is rewritten)',
      });
    }
    if (config.existingSesIdentity && config.mailFromSubdomain) {
      ctx.addIssue({
        code: 'custom',
        path: ['mailFromSubdomain'],
        message:
          'leave it out with existingSesIdentity (the stack that made the identity sets its MAIL FROM)',
      });
    }
    if (config.mailFromSubdomain && !config.sesIdentityDomain) {
      ctx.addIssue({
        code: 'custom',
        path: ['mailFromSubdomain'],
        message: 'needs sesIdentityDomain (the MAIL FROM domain is a subdomain of it)',
      });
    }
  });

/** The validated configuration, defaults filled in. */
export type CourseConfig = z.output<typeof courseConfigSchema>;

/** A configuration file that is not valid; the message names the file and every bad field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates raw configuration (already parsed JSON). Throws {@link ConfigError} with one
 * line per problem, e.g. `course.config.json: sendHour: must be between 0 and 23`.
 */
export function parseConfig(raw: unknown, source = 'course.config.json'): CourseConfig {
  const result = courseConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${source}: ${[...issue.path, key].join('.')}: unknown field`);
    }
    const field = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return [`${source}: ${field}: ${issue.message}`];
  });
  throw new ConfigError(lines.join('\n'));
}

/**
 * Reads and validates a configuration file: for `cdk synth` (infra/app.ts) and the local
 * tools alike. @throws ConfigError naming the file and each bad field.
 */
export function readConfigFile(file: string): CourseConfig {
  const source = relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${source}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  return parseConfig(raw, source);
}

/** The URL links and the sign-up page use: the custom domain's, else publicBaseUrl, else none (execute-api). */
export function publicBaseUrlOf(config: CourseConfig): string | undefined {
  return config.customDomain ? `https://${config.customDomain.domainName}` : config.publicBaseUrl;
}

/** The sender's domain, used for the SES identity ARN when the stack does not create the identity. */
export function senderDomain(config: CourseConfig): string {
  return config.sesIdentityDomain ?? config.senderAddress.split('@')[1] ?? '';
}
