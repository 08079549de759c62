/**
 * Where the functions meet the outside world: the Lambda environment is parsed here,
 * once, and every adapter is built here. The four Lambda entry files, the local stack
 * (with emulator clients) and the owner's CLI all build their adapters through this
 * module, so local runs and AWS cannot drift apart.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { SystemClock } from './adapters/clock.js';
import { DynamoSignupLimiter } from './adapters/dynamo-limits.js';
import { DynamoSubscriberStore } from './adapters/dynamo-store.js';
import { loadLinkKeys } from './adapters/link-keys.js';
import { powertoolsMetricsSink } from './adapters/powertools-metrics.js';
import { loadPseudonymKey } from './adapters/pseudonym-key.js';
import { sesAccountSendRate } from './adapters/ses-account.js';
import { SesMailer } from './adapters/ses-mailer.js';
import { SqsQueue } from './adapters/sqs-queue.js';
import { ALARM_METRICS, ENV, type EnvName, GUARD_METRIC_SERVICE, TABLE, ZONE_NAME } from './contract.js';
import { mailboxPolicy } from './core/lifecycle.js';
import { DEFAULT_CLIENT_BUDGET, MAX_MAILBOX_CAP } from './core/limits.js';
import { Pacer, senderRate } from './core/pacer.js';
import type { Logger, MetricsSink } from './core/ports.js';
import { DEFAULT_RETENTION_DAYS } from './core/retention.js';
import { type CourseSettings, HEX_COLOR } from './core/settings.js';
import { LinkTokens } from './core/tokens.js';
import type { MailEventsHandlerDeps } from './handlers/mail-events.js';
import type { SenderHandlerDeps } from './handlers/sender.js';
import type { SweepHandlerDeps } from './handlers/sweep.js';
import type { ApiDeps } from './http/api.js';

// ---------------------------------------------------------------- the environment

const issue = (message: string) => ({
  error: (i: { input?: unknown }) => (i.input === undefined ? 'is missing' : message),
});
const text = z.string(issue('must not be empty')).check(z.minLength(1, 'must not be empty'));
const optionalText = z.optional(text);
const httpUrl = z
  .string(issue('must be an http(s) URL'))
  .check(z.regex(/^https?:\/\/[^\s/]+/, 'must be an http(s) URL'))
  .check(z.overwrite((url) => url.replace(/\/+$/, '')));
const wholeNumber = (what: string, min: number, max: number) =>
  z.pipe(
    z.string(issue(what)).check(z.regex(/^\d+$/, what)),
    z.transform(Number).check(z.refine((n) => n >= min && n <= max, what)),
  );
const positiveNumber = z.pipe(
  z.string(issue('must be a positive number')).check(z.regex(/^\d+(\.\d+)?$/, 'must be a positive number')),
  z.transform(Number).check(z.refine((n) => n > 0, 'must be a positive number')),
);

/** How each variable is read. Optional ones may be absent; the stack sets the rest. */
const variables = {
  [ENV.tableName]: text,
  [ENV.dueShards]: z.optional(wholeNumber('must be a whole number from 1 to 100', 1, 100)),
  [ENV.queueUrl]: httpUrl,
  [ENV.linkSecretId]: text,
  [ENV.pseudonymSecretId]: text,
  [ENV.configurationSet]: optionalText,
  [ENV.publicBaseUrl]: httpUrl,
  [ENV.clinicName]: text,
  [ENV.postalAddress]: text,
  [ENV.siteUrl]: httpUrl,
  [ENV.bookingUrl]: z.optional(httpUrl),
  [ENV.fromAddress]: z
    .string(issue('must be an email address'))
    .check(z.regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address')),
  [ENV.fromName]: text,
  [ENV.replyTo]: z.optional(
    z
      .string(issue('must be an email address'))
      .check(z.regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address')),
  ),
  [ENV.sendHour]: wholeNumber('must be a whole hour from 0 to 23', 0, 23),
  // Only the shape: synth already ran the runtime's own check (infra/config.ts), and
  // loading the zone data here would cost every cold start about 15 ms.
  [ENV.defaultTimeZone]: z
    .string(issue('must be an IANA time zone name'))
    .check(z.regex(ZONE_NAME, 'must be an IANA time zone name like Europe/London')),
  [ENV.allowedOrigins]: z.optional(z.string()),
  [ENV.logoUrl]: z.optional(
    z.string(issue('must be an https URL')).check(z.regex(/^https:\/\/[^\s/]+\S*$/, 'must be an https URL')),
  ),
  [ENV.logoWidth]: z.optional(wholeNumber('must be a whole number from 16 to 400', 16, 400)),
  [ENV.logoHeight]: z.optional(wholeNumber('must be a whole number from 16 to 200', 16, 200)),
  // Only a plain #rrggbb may reach a style attribute; the contrast was checked at synth.
  [ENV.accentColor]: z.optional(
    z.string(issue('must be a #rrggbb colour')).check(z.regex(HEX_COLOR, 'must be a #rrggbb colour')),
  ),
  [ENV.phone]: optionalText,
  [ENV.practitioner]: optionalText,
  [ENV.privacyPolicyUrl]: z.optional(httpUrl),
  [ENV.trackOpensAndClicks]: z.optional(
    z.pipe(
      z.enum(['true', 'false'], issue('must be true or false')),
      z.transform((v) => v === 'true'),
    ),
  ),
  [ENV.maxSendRate]: positiveNumber,
  [ENV.senderMaxConcurrency]: z.optional(wholeNumber('must be a whole number from 2 to 1000', 2, 1000)),
  [ENV.signupClientLimit]: z.optional(wholeNumber('must be a whole number from 1 to 1000', 1, 1000)),
  [ENV.signupClientWindowMinutes]: z.optional(wholeNumber('must be a whole number from 1 to 1440', 1, 1440)),
  [ENV.mailboxDailyCap]: z.optional(wholeNumber('must be a whole number from 1 to 10', 1, MAX_MAILBOX_CAP)),
  [ENV.retentionDays]: z.optional(wholeNumber('must be a whole number from 30 to 3650', 30, 3650)),
  [ENV.publishedMetrics]: z.optional(z.enum(['all', 'alarms'], issue('must be all or alarms'))),
} satisfies Record<EnvName, z.ZodMiniType>;

const settingsVariables = [
  ENV.clinicName,
  ENV.postalAddress,
  ENV.siteUrl,
  ENV.bookingUrl,
  ENV.publicBaseUrl,
  ENV.fromAddress,
  ENV.fromName,
  ENV.replyTo,
  ENV.sendHour,
  ENV.defaultTimeZone,
  ENV.allowedOrigins,
  ENV.logoUrl,
  ENV.logoWidth,
  ENV.logoHeight,
  ENV.accentColor,
  ENV.phone,
  ENV.practitioner,
  ENV.privacyPolicyUrl,
] as const;

/**
 * The variables each function reads, and no others: the stack binds exactly these (a
 * test compares the synthesized template with this list).
 */
export const FUNCTION_ENV = {
  api: [
    ENV.tableName,
    ENV.dueShards,
    ENV.queueUrl,
    ENV.linkSecretId,
    ENV.pseudonymSecretId,
    ENV.configurationSet,
    ENV.signupClientLimit,
    ENV.signupClientWindowMinutes,
    ENV.mailboxDailyCap,
    ENV.retentionDays,
    // Only the sign-up page's privacy line depends on it.
    ENV.trackOpensAndClicks,
    ENV.publishedMetrics,
    ...settingsVariables,
  ],
  sender: [
    ENV.tableName,
    ENV.dueShards,
    ENV.linkSecretId,
    ENV.configurationSet,
    ENV.maxSendRate,
    ENV.senderMaxConcurrency,
    ENV.retentionDays,
    ENV.publishedMetrics,
    ...settingsVariables,
  ],
  sweep: [ENV.tableName, ENV.dueShards, ENV.queueUrl, ENV.publishedMetrics],
  mailEvents: [ENV.tableName, ENV.dueShards, ENV.pseudonymSecretId, ENV.retentionDays, ENV.publishedMetrics],
} as const satisfies Record<string, readonly EnvName[]>;

export type FunctionName = keyof typeof FUNCTION_ENV;

/**
 * Variables a function may run without. The api function's own URL would be a circular
 * reference in the stack, so without a custom domain it takes each request's domain.
 */
const OPTIONAL: Partial<Record<FunctionName, readonly EnvName[]>> = { api: [ENV.publicBaseUrl] };

type Parsed<F extends FunctionName> = {
  [K in (typeof FUNCTION_ENV)[F][number]]: z.output<(typeof variables)[K]>;
};

/** The Lambda environment is missing a variable or holds a malformed one. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/**
 * Reads the variables `fn` needs; throws one error naming every missing or malformed
 * variable (never its value: some hold addresses).
 */
export function readEnvironment<F extends FunctionName>(
  fn: F,
  env: NodeJS.ProcessEnv = process.env,
): Parsed<F> {
  const optional = new Set(OPTIONAL[fn] ?? []);
  const shape: Record<string, z.ZodMiniType> = {};
  for (const name of FUNCTION_ENV[fn]) {
    shape[name] = optional.has(name) ? z.optional(variables[name]) : variables[name];
  }
  const values = Object.fromEntries(
    FUNCTION_ENV[fn].map((name) => [name, env[name] === '' ? undefined : env[name]]),
  );
  const parsed = z.object(shape).safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message}`);
    throw new EnvironmentError(`The ${fn} function's environment is not valid: ${problems.join('; ')}`);
  }
  return parsed.data as Parsed<F>;
}

/** The course settings from a parsed environment; `publicBaseUrl` is '' when absent. */
export function settingsFrom(env: Parsed<'api'> | Parsed<'sender'>): CourseSettings {
  const replyTo = env[ENV.replyTo];
  const bookingUrl = env[ENV.bookingUrl];
  return {
    clinicName: env[ENV.clinicName],
    postalAddress: env[ENV.postalAddress],
    siteUrl: env[ENV.siteUrl],
    ...(bookingUrl ? { bookingUrl } : {}),
    publicBaseUrl: env[ENV.publicBaseUrl] ?? '',
    fromAddress: env[ENV.fromAddress],
    fromName: env[ENV.fromName],
    ...(replyTo ? { replyTo } : {}),
    sendHour: env[ENV.sendHour],
    defaultTimeZone: env[ENV.defaultTimeZone],
    allowedOrigins: (env[ENV.allowedOrigins] ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    ...brandFrom(env),
  };
}

/** The clinic's brand from a parsed environment: each field only when set. */
function brandFrom(env: Parsed<'api'> | Parsed<'sender'>): Partial<CourseSettings> {
  const logoUrl = env[ENV.logoUrl];
  const optional = {
    accentColor: env[ENV.accentColor],
    phone: env[ENV.phone],
    practitioner: env[ENV.practitioner],
    privacyPolicyUrl: env[ENV.privacyPolicyUrl],
  };
  return {
    ...(logoUrl
      ? { logo: { url: logoUrl, width: env[ENV.logoWidth] ?? 160, height: env[ENV.logoHeight] ?? 48 } }
      : {}),
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}

// ---------------------------------------------------------------- adapters

/** The subscriber table through a DynamoDB client (AWS's or dynalite's). */
export function subscriberStore(
  client: DynamoDBClient,
  tableName: string,
  dueShards: number = TABLE.defaultDueShards,
  retentionDays: number = DEFAULT_RETENTION_DAYS,
): DynamoSubscriberStore {
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return new DynamoSubscriberStore(documents, tableName, dueShards, retentionDays);
}

/** The course's mailer through an SES v2 client (AWS's or aws-ses-v2-local's). */
export function sesMailer(
  client: SESv2Client,
  settings: Pick<CourseSettings, 'fromAddress' | 'fromName' | 'replyTo'>,
  configurationSet?: string,
): SesMailer {
  return new SesMailer(client, {
    from: settings.fromAddress,
    fromName: settings.fromName,
    ...(settings.replyTo ? { replyTo: settings.replyTo } : {}),
    ...(configurationSet ? { configurationSet } : {}),
  });
}

/** The sign-up limits' counters, in the subscriber table. */
export function signupLimiter(client: DynamoDBClient, tableName: string): DynamoSignupLimiter {
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return new DynamoSignupLimiter(documents, tableName);
}

/**
 * The link tokens of a Lambda, read from the secret on demand. Powertools caches the
 * secret for a few minutes, so a warm function picks up a rotated key without a restart;
 * the tokens are rebuilt only when the keys change.
 */
export function secretTokenSource(secretId: string): () => Promise<LinkTokens> {
  let current: { fingerprint: string; tokens: LinkTokens } | undefined;
  return async () => {
    const keys = await loadLinkKeys(secretId);
    const fingerprint = JSON.stringify(keys);
    if (current?.fingerprint !== fingerprint) current = { fingerprint, tokens: new LinkTokens(keys) };
    return current.tokens;
  };
}

/**
 * The subscriber ids' key of a Lambda, read from its secret once per warm function (it
 * never rotates); a failed read is tried again on the next request.
 */
export function secretPseudonymKey(secretId: string): () => Promise<string> {
  let key: Promise<string> | undefined;
  return () => {
    key ??= loadPseudonymKey(secretId).catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    return key;
  };
}

/**
 * Powertools logger and metrics; service name and namespace come from the stack's
 * environment. With `alarms`, only the metrics an alarm reads reach CloudWatch.
 */
export function lambdaTelemetry(published: 'all' | 'alarms' = 'all'): {
  logger: PowertoolsLogger;
  log: Logger;
  metrics: MetricsSink;
} {
  const logger = new PowertoolsLogger();
  const metrics = powertoolsMetricsSink(new Metrics(), {
    ...(published === 'alarms' ? { only: ALARM_METRICS } : {}),
    guard: new Metrics({ serviceName: GUARD_METRIC_SERVICE }),
  });
  return { logger, log: logger, metrics };
}

// ---------------------------------------------------------------- the four functions

/**
 * The deployed API's floor for accepted sign-ups: above what a confirmation (a few
 * DynamoDB writes and one SES call) normally takes, so the time taken does not tell
 * whether a confirmation was sent.
 */
export const SIGNUP_MIN_MS = 1000;

type Wired<D> = D & { logger: PowertoolsLogger };

/** Everything the api function's handler needs, from its environment. */
export function wireApi(env: NodeJS.ProcessEnv = process.env): Wired<ApiDeps> {
  const vars = readEnvironment('api', env);
  const retentionDays = vars[ENV.retentionDays] ?? DEFAULT_RETENTION_DAYS;
  const settings = {
    ...settingsFrom(vars),
    trackOpensAndClicks: vars[ENV.trackOpensAndClicks] === true,
    retentionDays,
  };
  const dynamo = new DynamoDBClient({});
  return {
    ...lambdaTelemetry(vars[ENV.publishedMetrics]),
    store: subscriberStore(dynamo, vars[ENV.tableName], vars[ENV.dueShards], retentionDays),
    mailer: sesMailer(new SESv2Client({}), settings, vars[ENV.configurationSet]),
    queue: new SqsQueue(new SQSClient({}), vars[ENV.queueUrl]),
    clock: new SystemClock(),
    tokens: secretTokenSource(vars[ENV.linkSecretId]),
    pseudonymKey: secretPseudonymKey(vars[ENV.pseudonymSecretId]),
    limiter: signupLimiter(dynamo, vars[ENV.tableName]),
    clientBudget: {
      limit: vars[ENV.signupClientLimit] ?? DEFAULT_CLIENT_BUDGET.limit,
      windowMs: (vars[ENV.signupClientWindowMinutes] ?? DEFAULT_CLIENT_BUDGET.windowMs / 60_000) * 60_000,
    },
    mailboxPolicy: mailboxPolicy(vars[ENV.mailboxDailyCap]),
    settings,
    signupMinMs: SIGNUP_MIN_MS,
  };
}

/**
 * Requests one sender instance has in progress at once: a whole SQS batch, so with SES's
 * and DynamoDB's round trips (tens of ms) an instance keeps up with a share of 100/s.
 */
export const SENDS_IN_FLIGHT = 10;

/**
 * Seconds of its pace a sender may bank between batches: a tenth of a second, so all
 * instances together never burst past what SES allows (about a second of the rate).
 */
export const SENDER_BURST_SECONDS = 0.1;

/** Everything the sender's handler needs, from its environment. */
export function wireSender(env: NodeJS.ProcessEnv = process.env): Wired<SenderHandlerDeps> {
  const vars = readEnvironment('sender', env);
  const settings = settingsFrom(vars);
  // The AWS minimum for an SQS event source's maxConcurrency is 2, and the stack's default.
  const instances = vars[ENV.senderMaxConcurrency] ?? 2;
  const ses = new SESv2Client({});
  const store = subscriberStore(
    new DynamoDBClient({}),
    vars[ENV.tableName],
    vars[ENV.dueShards],
    vars[ENV.retentionDays],
  );
  return {
    ...lambdaTelemetry(vars[ENV.publishedMetrics]),
    store,
    // The reputation guard's item lives in the same table.
    guard: store,
    mailer: sesMailer(ses, settings, vars[ENV.configurationSet]),
    clock: new SystemClock(),
    settings,
    tokens: secretTokenSource(vars[ENV.linkSecretId]),
    pacer: new Pacer(senderRate(vars[ENV.maxSendRate], instances), { burstSeconds: SENDER_BURST_SECONDS }),
    rateLimits: { ceiling: vars[ENV.maxSendRate], instances, account: sesAccountSendRate(ses) },
    sendsInFlight: SENDS_IN_FLIGHT,
  };
}

/** Everything the sweep's handler needs, from its environment. */
export function wireSweep(env: NodeJS.ProcessEnv = process.env): Wired<SweepHandlerDeps> {
  const vars = readEnvironment('sweep', env);
  const store = subscriberStore(new DynamoDBClient({}), vars[ENV.tableName], vars[ENV.dueShards]);
  return {
    ...lambdaTelemetry(vars[ENV.publishedMetrics]),
    store,
    guard: store,
    queue: new SqsQueue(new SQSClient({}), vars[ENV.queueUrl]),
    clock: new SystemClock(),
  };
}

/** Everything the mail-events handler needs, from its environment. */
export function wireMailEvents(env: NodeJS.ProcessEnv = process.env): Wired<MailEventsHandlerDeps> {
  const vars = readEnvironment('mailEvents', env);
  return {
    ...lambdaTelemetry(vars[ENV.publishedMetrics]),
    store: subscriberStore(
      new DynamoDBClient({}),
      vars[ENV.tableName],
      vars[ENV.dueShards],
      vars[ENV.retentionDays],
    ),
    clock: new SystemClock(),
    pseudonymKey: secretPseudonymKey(vars[ENV.pseudonymSecretId]),
  };
}
