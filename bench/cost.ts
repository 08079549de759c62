/**
 * Cost model: dollars per 1,000 subscribers who complete the course (7 emails each:
 * the confirmation, five lessons and the closing email), at list prices, from COUNTED
 * requests and MEASURED handler times:
 *
 * - sign-up and confirm: the browser's requests run through the API handler (counted and
 *   timed here), then lesson 1, which the confirm step queues on its own (one sender
 *   invocation with one record), then the SES events of both emails through the
 *   mail-events handler, as many and of the types the configuration set publishes;
 * - the other five emails: the drip section's figures per email (sweep, SQS batches of
 *   ten, sender), read from the same run or the stored results.
 */

import { randomBytes } from 'node:crypto';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoSignupLimiter } from '../functions/adapters/dynamo-limits.js';
import { powertoolsMetricsSink } from '../functions/adapters/powertools-metrics.js';
import { ALARM_METRICS, ENV, PUBLISHED_MAIL_EVENT_TYPES } from '../functions/contract.js';
import type { MailEventType } from '../functions/core/mail-events.js';
import type { Mailer, MetricCount, OutgoingEmail, Queue, SendRequest } from '../functions/core/ports.js';
import { sampleSettings } from '../functions/core/settings.js';
import { LinkTokens } from '../functions/core/tokens.js';
import { createMailEventsHandler } from '../functions/handlers/mail-events.js';
import { createSenderHandler } from '../functions/handlers/sender.js';
import { createApi } from '../functions/http/api.js';
import { SIGNUP_MIN_MS } from '../functions/wiring.js';
import { MAIL_EVENT_BATCH_SIZE } from '../infra/constructs/mail-events.js';
import { sqsBatch } from '../scripts/dev/sqs-event.js';
import { type SentMail, sesEvent } from '../scripts/local-mail-events.js';
import type { DripFigures } from './drip.js';
import { type CfnTemplate, defaultConfig, fixedMonthlyOf, sumDollars, synthTemplate } from './fixed-cost.js';
import {
  BENCH_PSEUDONYM_KEY,
  CountingLogger,
  type DynamoCounts,
  mean,
  round,
  startBenchDynamo,
} from './support.js';

// ---------------------------------------------------------------- prices

/** When the prices below were checked (us-east-1 list prices, no free tier). */
export const PRICES_AS_OF = '2026-11';

export const PRICES = {
  region: 'us-east-1',
  /** SES outbound email: $0.10 per 1,000. */
  sesPerEmail: 0.1 / 1000,
  /** Lambda on arm64: $0.0000133334 per GB-second, $0.20 per million requests. */
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1e6,
  /** DynamoDB on demand since the November 2024 cut: $0.625 per million WRU, $0.125 per million RRU. */
  dynamoPerWriteUnit: 0.625 / 1e6,
  dynamoPerReadUnit: 0.125 / 1e6,
  /** SQS standard queue: $0.40 per million requests. */
  sqsPerRequest: 0.4 / 1e6,
  /** API Gateway HTTP API: $1.00 per million requests. */
  httpApiPerRequest: 1 / 1e6,
  /**
   * SES events on the default bus. AWS management events are free; SES's opt-in mail
   * events are priced here like custom events ($1.00 per million), the cautious reading.
   */
  eventBridgePerEvent: 1 / 1e6,
  /** CloudWatch Logs ingestion (standard class): $0.50 per GB. */
  logsPerGb: 0.5,
  /** Data transfer out to the internet: $0.09 per GB (the first 100 GB a month are free). */
  transferOutPerGb: 0.09,
  // Monthly, whatever the number of subscribers (bench/fixed-cost.ts counts them in the template).
  secretPerMonth: 0.4,
  kmsKeyPerMonth: 1,
  dashboardPerMonth: 3,
  alarmPerMonth: 0.1,
  customMetricPerMonth: 0.3,
  dynamoStoragePerGbMonth: 0.25,
  pitrPerGbMonth: 0.2,
} as const;

export type Prices = typeof PRICES;

/** Every function's memory: the house construct's default (CourseFunction); no function sets another. */
export const LAMBDA_MEMORY_MB = 256;
/** Lambda's own START, END and REPORT lines per invocation, in bytes (about). */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 400;
/** One line of the HTTP API's JSON access log (SignupApi's format), in bytes (about). */
export const ACCESS_LOG_BYTES_PER_REQUEST = 330;

const GB = 1024 ** 3;

// ---------------------------------------------------------------- the model

/** What one subscriber who completes the course uses, stage by stage. */
export interface Usage {
  readonly emails: number;
  readonly apiRequests: number;
  readonly lambdaInvocations: number;
  /** Billed Lambda milliseconds (each invocation rounded up to 1 ms). */
  readonly lambdaMs: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly sqsRequests: number;
  readonly events: number;
  readonly logBytes: number;
  readonly transferBytes: number;
}

export const noUsage: Usage = {
  emails: 0,
  apiRequests: 0,
  lambdaInvocations: 0,
  lambdaMs: 0,
  readUnits: 0,
  writeUnits: 0,
  sqsRequests: 0,
  events: 0,
  logBytes: 0,
  transferBytes: 0,
};

export function addUsage(...parts: readonly Usage[]): Usage {
  const total: Record<keyof Usage, number> = { ...noUsage };
  for (const part of parts) for (const key of Object.keys(total) as (keyof Usage)[]) total[key] += part[key];
  return total;
}

export function scaleUsage(usage: Usage, factor: number): Usage {
  return Object.fromEntries(Object.entries(usage).map(([k, v]) => [k, v * factor])) as unknown as Usage;
}

export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly dollars: number;
}

export interface CostReport {
  readonly subscribers: number;
  readonly lines: readonly CostLine[];
  readonly sesDollars: number;
  readonly infraDollars: number;
  readonly totalDollars: number;
  /** infra ÷ (SES + infra). */
  readonly infraShare: number;
}

/** Dollars for `subscribers` subscribers who each use `perSubscriber`. */
export function costFor(
  perSubscriber: Usage,
  subscribers: number,
  memoryMb: number = LAMBDA_MEMORY_MB,
  prices: Prices = PRICES,
): CostReport {
  const u = scaleUsage(perSubscriber, subscribers);
  const gbSeconds = (u.lambdaMs / 1000) * (memoryMb / 1024);
  const lines: CostLine[] = [
    { item: 'SES emails', quantity: u.emails, unit: 'emails', dollars: u.emails * prices.sesPerEmail },
    {
      item: 'API Gateway HTTP API',
      quantity: u.apiRequests,
      unit: 'requests',
      dollars: u.apiRequests * prices.httpApiPerRequest,
    },
    {
      item: 'Lambda requests',
      quantity: u.lambdaInvocations,
      unit: 'invocations',
      dollars: u.lambdaInvocations * prices.lambdaPerRequest,
    },
    {
      item: `Lambda duration (${memoryMb} MB arm64)`,
      quantity: gbSeconds,
      unit: 'GB-s',
      dollars: gbSeconds * prices.lambdaPerGbSecond,
    },
    {
      item: 'DynamoDB reads',
      quantity: u.readUnits,
      unit: 'RRU',
      dollars: u.readUnits * prices.dynamoPerReadUnit,
    },
    {
      item: 'DynamoDB writes',
      quantity: u.writeUnits,
      unit: 'WRU',
      dollars: u.writeUnits * prices.dynamoPerWriteUnit,
    },
    { item: 'SQS', quantity: u.sqsRequests, unit: 'requests', dollars: u.sqsRequests * prices.sqsPerRequest },
    {
      item: 'EventBridge (SES events)',
      quantity: u.events,
      unit: 'events',
      dollars: u.events * prices.eventBridgePerEvent,
    },
    {
      item: 'CloudWatch Logs ingestion',
      quantity: u.logBytes / GB,
      unit: 'GB',
      dollars: (u.logBytes / GB) * prices.logsPerGb,
    },
    {
      item: 'Data transfer out (pages)',
      quantity: u.transferBytes / GB,
      unit: 'GB',
      dollars: (u.transferBytes / GB) * prices.transferOutPerGb,
    },
  ];
  const sesDollars = lines[0]?.dollars ?? 0;
  const totalDollars = lines.reduce((sum, line) => sum + line.dollars, 0);
  const infraDollars = totalDollars - sesDollars;
  return {
    subscribers,
    lines,
    sesDollars,
    infraDollars,
    totalDollars,
    infraShare: infraDollars / totalDollars,
  };
}

// ---------------------------------------------------------------- the counted run

/** Emails a completing subscriber gets: confirmation, five lessons, closing email. */
const EMAILS_PER_SUBSCRIBER = 7;
/** Of those, sent by the sweep in SQS batches (all but the confirmation and lesson 1). */
const SWEPT_EMAILS = 5;

/**
 * SES events every email produces when it is delivered: a Send when SES accepts it, a
 * Delivery when the receiving server does. Opens and clicks depend on the reader and are
 * not modelled.
 */
const EVENTS_OF_EVERY_EMAIL = ['Send', 'Delivery'] as const satisfies readonly MailEventType[];

/**
 * The events of {@link EVENTS_OF_EVERY_EMAIL} the configuration set publishes, each of which
 * costs an EventBridge event and a mail-events invocation per email.
 */
export function eventsPerEmail(
  published: readonly MailEventType[] = PUBLISHED_MAIL_EVENT_TYPES,
): readonly MailEventType[] {
  return EVENTS_OF_EVERY_EMAIL.filter((type) => published.includes(type));
}

/** Keeps the emails so the bench can follow the confirmation link and make SES events. */
class CapturingMailer implements Mailer {
  readonly sent: { email: OutgoingEmail; messageId: string; at: Date }[] = [];
  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const messageId = `0100019${randomBytes(26).toString('hex')}-000000`;
    this.sent.push({ email, messageId, at: new Date() });
    return { messageId };
  }
}

class ArrayQueue implements Queue {
  readonly requests: SendRequest[] = [];
  sendBatchRequests = 0;
  async enqueue(requests: readonly SendRequest[]): Promise<void> {
    this.sendBatchRequests += Math.ceil(requests.length / 10);
    this.requests.push(...requests);
  }
}

function apiEvent(
  method: string,
  path: string,
  opts: { query?: string; body?: string; contentType?: string; accept?: string } = {},
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {
    host: 'course.clinic.example',
    'user-agent': 'Mozilla/5.0 (bench)',
    accept: opts.accept ?? 'text/html',
    ...(opts.contentType ? { 'content-type': opts.contentType } : {}),
  };
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: opts.query ?? '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'bench',
      domainName: 'course.clinic.example',
      domainPrefix: 'course',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: headers['user-agent'] as string,
      },
      requestId: randomBytes(8).toString('hex'),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    isBase64Encoded: false,
  };
}

/** What the template tells the model about logs: Lambda's own lines, and the metrics published. */
interface LogShape {
  readonly platformBytesPerInvocation: number;
  readonly publishedMetrics: 'all' | 'alarms';
}

/** Lambda writes START, END and REPORT lines unless every function's system log level is WARN or above. */
export function logShapeOf(template: CfnTemplate): LogShape {
  const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
  const quiet = functions.every((f) =>
    ['WARN', 'ERROR'].includes(f.Properties?.LoggingConfig?.SystemLogLevel),
  );
  const all = functions.some((f) => f.Properties?.Environment?.Variables?.[ENV.publishedMetrics] === 'all');
  return {
    platformBytesPerInvocation: quiet ? 0 : PLATFORM_LOG_BYTES_PER_INVOCATION,
    publishedMetrics: all ? 'all' : 'alarms',
  };
}

/** Bytes of the EMF log line(s) Powertools Metrics writes for one publish. */
function emfBytes(service: string, counts: readonly MetricCount[], shape: LogShape): number {
  const metrics = new Metrics({ namespace: 'KneeCourse', serviceName: service });
  let bytes = 0;
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return true;
  }) as typeof process.stdout.write;
  try {
    const only = shape.publishedMetrics === 'alarms' ? { only: ALARM_METRICS } : {};
    powertoolsMetricsSink(metrics, only).publish(counts);
  } finally {
    process.stdout.write = write;
  }
  return bytes;
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/** The EventBridge event SES publishes for `mail`: a Send when accepted, a Delivery when delivered. */
function mailEventOf(type: MailEventType, mail: SentMail) {
  const delivery = sesEvent('Delivery', mail, new Date());
  if (type === 'Delivery') return delivery;
  if (type !== 'Send') throw new Error(`No ${type} event in the model`);
  const { delivery: _d, ...sendDetail } = delivery.detail;
  return { ...delivery, 'detail-type': 'Email Sent', detail: { ...sendDetail, eventType: 'Send' } };
}

interface EventRun {
  readonly ms: number[];
  readonly events: number;
  readonly counts: DynamoCounts;
  readonly logBytes: number;
}

const ceilMs = (values: readonly number[]) => values.reduce((sum, ms) => sum + Math.max(1, Math.ceil(ms)), 0);

export interface CostFigures {
  readonly pricesAsOf: string;
  readonly subscribers: number;
  readonly emailsPerSubscriber: number;
  readonly sesDollars: number;
  readonly infraDollars: number;
  readonly totalDollars: number;
  readonly infraShare: number;
  /** infraShare if every Lambda invocation billed 100 ms (AWS network latencies instead of local ones). */
  readonly infraShareAt100msLambdas: number;
  /** The SES events each email produces that the configuration set publishes. */
  readonly eventsPerEmail: readonly MailEventType[];
  readonly lines: Record<string, number>;
  /** Per month before anyone signs up, default configuration, from its template. */
  readonly fixedMonthlyDollars: number;
  /** The same with `dashboard: true`. */
  readonly fixedMonthlyWithDashboardDollars: number;
  readonly fixedMonthly: Record<string, number>;
  /** What one completing subscriber uses, stage by stage. */
  readonly perSubscriber: Readonly<
    Record<'signupAndConfirm' | 'lesson1' | 'sweptEmails' | 'mailEvents' | 'total', Usage>
  >;
  /** `perSubscriber.mailEvents` by event type. */
  readonly mailEventsByType: Readonly<Partial<Record<MailEventType, Usage>>>;
  readonly measured: Readonly<Record<string, number>>;
}

/**
 * Counts and times sign-up, confirm, lesson 1 and the SES events for `subscribers`
 * subscribers on dynalite, combines them with the drip section's per-email figures and
 * prices the lot per 1,000 completing subscribers.
 */
export async function runCostBench(
  drip: DripFigures,
  options: { subscribers?: number } = {},
): Promise<CostFigures> {
  const n = options.subscribers ?? 200;
  // The stack as `cdk synth` makes it of course.config.json: its fixed costs and its logs.
  const template = synthTemplate(defaultConfig());
  const shape = logShapeOf(template);
  const dynamo = await startBenchDynamo('bench-cost');
  try {
    const keyId = 'bench';
    const tokens = new LinkTokens({
      currentKeyId: keyId,
      keys: { [keyId]: randomBytes(32).toString('base64url') },
    });
    const settings = { ...sampleSettings, publicBaseUrl: 'https://course.clinic.example' };
    const clock = { now: () => new Date() };
    const mailer = new CapturingMailer();
    const queue = new ArrayQueue();
    const apiLog = new CountingLogger('signup-api');
    const apiMetrics: MetricCount[][] = [];
    // The deployed API holds every accepted sign-up to SIGNUP_MIN_MS; the floor is billed
    // Lambda time, so it is added up here instead of slept.
    let floorMs = 0;
    const api = createApi({
      signupMinMs: SIGNUP_MIN_MS,
      sleep: async (ms) => {
        floorMs += ms;
      },
      store: dynamo.store,
      mailer,
      queue,
      clock,
      tokens,
      pseudonymKey: BENCH_PSEUDONYM_KEY,
      // Each sign-up still makes its client and mailbox writes; the one bench client
      // stands for many people, so its budget is the whole run.
      limiter: new DynamoSignupLimiter(dynamo.docClient, dynamo.tableName),
      clientBudget: { limit: n + 1, windowMs: 24 * 60 * 60 * 1000 },
      settings,
      log: apiLog,
      metrics: { publish: (counts) => apiMetrics.push([...counts]) },
    });

    // 1. The browser's requests: page, stylesheet, script, sign-up, confirm page, confirm.
    const apiMs: number[] = [];
    let responseBytes = 0;
    const call = async (event: APIGatewayProxyEventV2, expect: number) => {
      const started = performance.now();
      const response = await api(event);
      apiMs.push(performance.now() - started);
      if (response.statusCode !== expect) {
        throw new Error(`${event.requestContext.http.method} ${event.rawPath}: ${response.statusCode}`);
      }
      const headerBytes = Object.entries(response.headers ?? {}).reduce(
        (sum, [k, v]) => sum + k.length + String(v).length + 4,
        0,
      );
      responseBytes += Buffer.byteLength(response.body ?? '') + headerBytes + 17;
    };
    // Warm the code paths, then count.
    for (let i = 0; i < 5; i++) await call(apiEvent('GET', '/'), 200);
    dynamo.counter.reset();
    apiMs.length = 0;
    floorMs = 0;
    responseBytes = 0;
    apiLog.reset();
    apiMetrics.length = 0;
    let apiRequests = 0;
    for (let i = 0; i < n; i++) {
      await call(apiEvent('GET', '/'), 200);
      await call(apiEvent('GET', '/assets/site.css', { accept: 'text/css' }), 200);
      await call(apiEvent('GET', '/assets/signup.js', { accept: '*/*' }), 200);
      const body = JSON.stringify({
        email: `cost${i}@bench.example`,
        firstName: 'Sam',
        timeZone: 'Europe/London',
      });
      await call(
        apiEvent('POST', '/subscribe', { body, contentType: 'application/json', accept: 'application/json' }),
        202,
      );
      const sent = mailer.sent.at(-1);
      const token = /\/confirm\?token=([A-Za-z0-9._~-]+)/.exec(sent?.email.text ?? '')?.[1];
      if (!token) throw new Error('no confirmation link in the confirmation email');
      await call(apiEvent('GET', '/confirm', { query: `token=${token}` }), 200);
      await call(
        apiEvent('POST', '/confirm', {
          body: `token=${token}`,
          contentType: 'application/x-www-form-urlencoded',
        }),
        200,
      );
      apiRequests += 6;
    }
    const signupCounts = dynamo.counter.snapshot();
    if (queue.requests.length !== n) throw new Error(`confirm queued ${queue.requests.length} of ${n}`);
    const apiEmfBytes = apiMetrics.reduce((sum, counts) => sum + emfBytes('signup-api', counts, shape), 0);

    // 2. Lesson 1: queued by the confirm step, so it arrives in a batch of its own.
    const senderLog = new CountingLogger('drip-sender');
    const sender = createSenderHandler({
      store: dynamo.store,
      mailer,
      clock,
      settings,
      tokens,
      log: senderLog,
    });
    dynamo.counter.reset();
    const lessonMs: number[] = [];
    for (const request of queue.requests) {
      const event = sqsBatch([request]);
      const started = performance.now();
      const response = await sender(event);
      lessonMs.push(performance.now() - started);
      if (response.batchItemFailures.length > 0) throw new Error('lesson 1 failed to send');
    }
    const lessonCounts = dynamo.counter.snapshot();
    if (mailer.sent.length !== 2 * n) throw new Error(`sent ${mailer.sent.length} emails, expected ${2 * n}`);
    const senderEmf = emfBytes('drip-sender', [{ name: 'sent', email: 'lesson-1', value: 1 }], shape);
    const senderEmfBatch = emfBytes('drip-sender', [{ name: 'sent', email: 'lesson-3', value: 10 }], shape);

    // 3. The SES events that the configuration set publishes, as the mail-events queue
    // hands them over: the confirmations' one per batch (sign-ups come one by one), lesson
    // 1's in batches of ten, standing for the swept lessons' (sent in bursts at the send
    // hour, their events arrive together within the queue's batching window).
    const eventsLog = new CountingLogger('mail-events');
    const eventMetrics: MetricCount[][] = [];
    const events = createMailEventsHandler({
      store: dynamo.store,
      clock,
      pseudonymKey: BENCH_PSEUDONYM_KEY,
      log: eventsLog,
      metrics: { publish: (counts) => eventMetrics.push([...counts]) },
    });
    const confirmations = mailer.sent.slice(0, n);
    const lessons1 = mailer.sent.slice(n);
    const eventRuns = new Map<MailEventType, Record<'spread' | 'burst', EventRun>>();
    for (const type of eventsPerEmail()) {
      const run = async (sent: typeof mailer.sent, batchSize: number): Promise<EventRun> => {
        dynamo.counter.reset();
        eventsLog.reset();
        eventMetrics.length = 0;
        const ms: number[] = [];
        const bodies = sent.map(({ email, messageId, at }) =>
          mailEventOf(type, {
            messageId,
            to: email.to,
            from: settings.fromAddress,
            tags: email.tags,
            sentAt: at,
          }),
        );
        for (let i = 0; i < bodies.length; i += batchSize) {
          const started = performance.now();
          const response = await events(sqsBatch(bodies.slice(i, i + batchSize)));
          ms.push(performance.now() - started);
          if (response.batchItemFailures.length > 0) throw new Error(`${type} events failed`);
        }
        const emf = eventMetrics.reduce((sum, counts) => sum + emfBytes('mail-events', counts, shape), 0);
        return {
          ms,
          events: bodies.length,
          counts: dynamo.counter.snapshot(),
          logBytes: eventsLog.bytes + emf,
        };
      };
      eventRuns.set(type, {
        spread: await run(confirmations, 1),
        burst: await run(lessons1, MAIL_EVENT_BATCH_SIZE),
      });
    }

    // Per completing subscriber, stage by stage.
    const signup: Usage = {
      ...noUsage,
      emails: 1,
      apiRequests: apiRequests / n,
      lambdaInvocations: apiRequests / n,
      lambdaMs: (ceilMs(apiMs) + Math.ceil(floorMs)) / n,
      readUnits: signupCounts.readUnits / n,
      writeUnits: (signupCounts.tableWriteUnits + signupCounts.indexWriteUnits) / n,
      // The confirm step's SendMessageBatch for lesson 1.
      sqsRequests: queue.sendBatchRequests / n,
      logBytes:
        (apiLog.bytes + apiEmfBytes) / n +
        (apiRequests / n) * (shape.platformBytesPerInvocation + ACCESS_LOG_BYTES_PER_REQUEST),
      transferBytes: responseBytes / n,
    };
    const lesson1: Usage = {
      ...noUsage,
      emails: 1,
      lambdaInvocations: 1,
      lambdaMs: ceilMs(lessonMs) / n,
      readUnits: lessonCounts.readUnits / n,
      writeUnits: (lessonCounts.tableWriteUnits + lessonCounts.indexWriteUnits) / n,
      // ReceiveMessage and DeleteMessageBatch for its batch of one.
      sqsRequests: 2,
      logBytes: senderLog.bytes / n + senderEmf + shape.platformBytesPerInvocation,
    };
    const swept: Usage = scaleUsage(
      {
        ...noUsage,
        emails: 1,
        lambdaInvocations: drip.invocationsPerEmail,
        lambdaMs: drip.invocationsPerEmail * Math.ceil(drip.handlerMsPerInvocation),
        readUnits: drip.readUnitsPerEmail,
        writeUnits: drip.writeUnitsPerEmail,
        sqsRequests: drip.sqsRequestsPerEmail,
        logBytes:
          drip.logBytesPerEmail +
          drip.invocationsPerEmail * (senderEmfBatch + shape.platformBytesPerInvocation),
      },
      SWEPT_EMAILS,
    );
    // Per email, for each event type: one EventBridge event, which EventBridge puts on the
    // queue (SendMessage), and its share of a batch's invocation, receive and delete.
    const perEvent = (run: EventRun): Usage => {
      const batches = run.ms.length;
      return {
        ...noUsage,
        lambdaInvocations: batches / run.events,
        lambdaMs: ceilMs(run.ms) / run.events,
        readUnits: run.counts.readUnits / run.events,
        writeUnits: (run.counts.tableWriteUnits + run.counts.indexWriteUnits) / run.events,
        sqsRequests: 1 + (2 * batches) / run.events,
        events: 1,
        logBytes: (run.logBytes + batches * shape.platformBytesPerInvocation) / run.events,
      };
    };
    const mailEventsByType: Partial<Record<MailEventType, Usage>> = {};
    for (const [type, run] of eventRuns) {
      mailEventsByType[type] = addUsage(
        scaleUsage(perEvent(run.spread), EMAILS_PER_SUBSCRIBER - SWEPT_EMAILS),
        scaleUsage(perEvent(run.burst), SWEPT_EMAILS),
      );
    }
    const mailEvents = addUsage(...Object.values(mailEventsByType));
    const perSubscriber = addUsage(signup, lesson1, swept, mailEvents);
    if (perSubscriber.emails !== EMAILS_PER_SUBSCRIBER) throw new Error('the model lost an email');

    const report = costFor(perSubscriber, 1000);
    const slow = costFor({ ...perSubscriber, lambdaMs: perSubscriber.lambdaInvocations * 100 }, 1000);
    const fixed = fixedMonthlyOf(template);
    const withDashboard = fixedMonthlyOf(synthTemplate(defaultConfig({ dashboard: true })));
    const dollars = (v: number) => round(v, 5);
    const roundUsage = (u: Usage) =>
      Object.fromEntries(Object.entries(u).map(([k, v]) => [k, round(v, 3)])) as unknown as Usage;
    return {
      pricesAsOf: PRICES_AS_OF,
      subscribers: 1000,
      emailsPerSubscriber: EMAILS_PER_SUBSCRIBER,
      sesDollars: dollars(report.sesDollars),
      infraDollars: dollars(report.infraDollars),
      totalDollars: dollars(report.totalDollars),
      infraShare: round(report.infraShare, 4),
      infraShareAt100msLambdas: round(slow.infraShare, 4),
      eventsPerEmail: [...eventRuns.keys()],
      lines: Object.fromEntries(report.lines.map((l) => [l.item, dollars(l.dollars)])),
      fixedMonthlyDollars: round(sumDollars(fixed), 2),
      fixedMonthlyWithDashboardDollars: round(sumDollars(withDashboard), 2),
      fixedMonthly: Object.fromEntries(fixed.map((l) => [l.item, round(l.dollars, 4)])),
      perSubscriber: {
        signupAndConfirm: roundUsage(signup),
        lesson1: roundUsage(lesson1),
        sweptEmails: roundUsage(swept),
        mailEvents: roundUsage(mailEvents),
        total: roundUsage(perSubscriber),
      },
      mailEventsByType: Object.fromEntries(
        Object.entries(mailEventsByType).map(([type, usage]) => [type, roundUsage(usage)]),
      ),
      measured: {
        apiMsPerRequest: round(mean(apiMs), 3),
        lesson1MsPerInvocation: round(mean(lessonMs), 3),
        ...Object.fromEntries(
          [...eventRuns].flatMap(([type, run]) => [
            [`${lowerFirst(type)}EventMs`, round(mean(run.spread.ms), 3)],
            [`${lowerFirst(type)}BatchMs`, round(mean(run.burst.ms), 3)],
          ]),
        ),
        signupReadsPerSubscriber: round(signupCounts.reads / n, 3),
        signupWritesPerSubscriber: round(signupCounts.writes / n, 3),
        lesson1ReadsPerEmail: round(lessonCounts.reads / n, 3),
        lesson1WritesPerEmail: round(lessonCounts.writes / n, 3),
        ...Object.fromEntries(
          [...eventRuns].flatMap(([type, run]) => [
            [`${lowerFirst(type)}EventReads`, round(run.spread.counts.reads / run.spread.events, 3)],
            [`${lowerFirst(type)}EventWrites`, round(run.spread.counts.writes / run.spread.events, 3)],
            [`${lowerFirst(type)}BatchedEventWrites`, round(run.burst.counts.writes / run.burst.events, 3)],
          ]),
        ),
        sweptEmailMsPerInvocation: drip.handlerMsPerInvocation,
        lambdaMemoryMb: LAMBDA_MEMORY_MB,
        lifecycleSubscribers: n,
      },
    };
  } finally {
    await dynamo.close();
  }
}
