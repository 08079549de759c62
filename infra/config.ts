import { z } from 'zod';
import { isValidTimeZone } from '../functions/contract.js';

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

const intBetween = (min: number, max: number, message: string) =>
  z.number(required('a number')).int(message).min(min, message).max(max, message);

/**
 * The one file a clinic edits before deploying: `course.config.json`. Each field is
 * documented here; docs/configuration.md lists them with examples.
 */
export const courseConfigSchema = z
  .strictObject(
    {
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

/** The URL links and the sign-up page use: the custom domain's, else publicBaseUrl, else none (execute-api). */
export function publicBaseUrlOf(config: CourseConfig): string | undefined {
  return config.customDomain ? `https://${config.customDomain.domainName}` : config.publicBaseUrl;
}

/** The sender's domain, used for the SES identity ARN when the stack does not create the identity. */
export function senderDomain(config: CourseConfig): string {
  return config.sesIdentityDomain ?? config.senderAddress.split('@')[1] ?? '';
}
