/**
 * The whole course on one machine, with the same handler code as on Lambda; only the
 * adapters differ: dynalite for DynamoDB, aws-ses-v2-local for SES (its web page is the
 * inbox), a node:http server in front of the API handler, an in-process queue in front
 * of the sender, a sweep loop, made-up SES events, and a clock that runs fast.
 *
 * Used by `npm start`, the end-to-end test, the course CLI tests and the benchmarks.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import aws_ses_v2_local from 'aws-ses-v2-local';
import { z } from 'zod';
import { ScaledClock } from '../functions/adapters/clock.js';
import { createTable } from '../functions/adapters/dynamo-store.js';
import { parsePseudonymKey } from '../functions/adapters/pseudonym-key.js';
import { emailIds } from '../functions/core/course.js';
import { DEFAULT_LEASE_SECONDS } from '../functions/core/drip.js';
import { subscriberId } from '../functions/core/identity.js';
import type { ClientBudget } from '../functions/core/limits.js';
import type { GuardStore, Logger, SubscriberStore } from '../functions/core/ports.js';
import { type CourseSettings, sampleSettings } from '../functions/core/settings.js';
import { type LinkKeys, LinkTokens } from '../functions/core/tokens.js';
import { createMailEventsHandler } from '../functions/handlers/mail-events.js';
import { createSenderHandler } from '../functions/handlers/sender.js';
import { createSweepHandler } from '../functions/handlers/sweep.js';
import { createApi } from '../functions/http/api.js';
import { sesMailer, signupLimiter, subscriberStore } from '../functions/wiring.js';
import {
  LOCAL_CREDENTIALS,
  LOCAL_INBOX_PATH,
  LOCAL_PORT_DEFAULTS,
  LOCAL_REGION,
  LOCAL_TABLE_NAME,
} from './local-config.js';
import {
  jsonResult,
  LOCAL_PATH,
  lambdaRequestListener,
  localEndpointRefusal,
  readBody,
  writeResult,
} from './local-http.js';
import { createInboxHandler, type SentNote } from './local-inbox.js';
import {
  type LocalMailEventType,
  ObservedMailer,
  type SentMail,
  type SesEventBridgeEvent,
  sesEvent,
} from './local-mail-events.js';
import { assertPortFree, listen, PortInUseError } from './local-ports.js';
import { type DeadLetter, LocalQueue } from './local-queue.js';

export { PortInUseError };

/** Default site port; `PORT` changes it. */
export const DEFAULT_SITE_PORT = 3000;
/** Default real seconds per course day; `COURSE_DAY_SECONDS` changes it. */
export const DEFAULT_COURSE_DAY_SECONDS = 30;
/** Real seconds a sender's claim on a send holds, converted to course time by the clock's speed. */
const CLAIM_REAL_SECONDS = 30;
/** Where the site server mounts the email preview gallery. */
export const PREVIEW_PATH = '/_preview';
/** Files the local stack keeps in `--data-dir`. */
export const DATA_FILES = {
  /** dynalite's LevelDB directory. */
  dynamodb: 'dynamodb',
  /** The link-signing keys, so links in old emails keep working after a restart. */
  linkKeys: 'link-keys.json',
  /** The subscriber ids' key: ids of stored records stay the same after a restart. */
  pseudonymKey: 'pseudonym-key.txt',
  /** Course time when last seen, so the fast clock never goes back across restarts. */
  clock: 'clock.json',
} as const;

export interface LocalStackOptions {
  /** Site and API port; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** DynamoDB (dynalite) port; 0 picks a free one. @default 8000 */
  readonly dynamoPort?: number;
  /** SES emulator and inbox port; 0 picks a free one. @default 8005 */
  readonly inboxPort?: number;
  /** Real seconds one course day lasts; 86400 is real time. @default 30 */
  readonly courseDaySeconds?: number;
  /** Keeps the table, the link keys and the course time here; in memory when absent. */
  readonly dataDir?: string;
  /** Real milliseconds between sweeps. @default about five course minutes, between 200 ms and 5 s */
  readonly sweepIntervalMs?: number;
  /** Real milliseconds before a failed send is retried. @default 2000 */
  readonly retryDelayMs?: number;
  /** Real milliseconds between a send and its made-up Delivery event. @default 300 */
  readonly deliveryDelayMs?: number;
  /** No log lines at all. @default false */
  readonly quiet?: boolean;
  /** Where log lines go. @default console.log */
  readonly log?: (line: string) => void;
  /** Address the servers listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** Settings to run with; `publicBaseUrl` is always set to the local site. @default sampleSettings */
  readonly settings?: Partial<CourseSettings>;
  /** Sign-ups one client may make per window (the benchmark lifts it). @default DEFAULT_CLIENT_BUDGET */
  readonly clientBudget?: ClientBudget;
}

export interface LocalStack {
  readonly urls: {
    /** The sign-up page (and the API). */
    readonly site: string;
    /** The SES emulator's web inbox; `GET <inbox>/store` lists every email as JSON. */
    readonly inbox: string;
    /** The local site's inbox page: every email, newest first, at phone and desktop width. */
    readonly inboxPage: string;
    /** The email preview gallery. */
    readonly preview: string;
    /** DynamoDB endpoint for other tools (the course CLI). */
    readonly dynamodb: string;
  };
  readonly ports: { readonly site: number; readonly dynamodb: number; readonly inbox: number };
  readonly tableName: string;
  readonly store: SubscriberStore & GuardStore;
  readonly clock: ScaledClock;
  readonly settings: CourseSettings;
  /** Send requests that failed too often (the local dead-letter queue). */
  readonly deadLetters: readonly DeadLetter[];
  /** Mail events the mail-events handler failed too often (the local mail-events DLQ). */
  readonly mailEventDeadLetters: readonly DeadLetter[];
  /** Runs one sweep now (besides the loop); resolves when its sends were handled. */
  sweepNow(): Promise<void>;
  /** The id this stack's pseudonym key gives an address (what its records are keyed by). */
  idOf(email: string): string;
  /** Makes SES report a bounce or complaint for the last email sent to `email`. */
  simulate(type: 'bounce' | 'complaint', email: string): Promise<boolean>;
  close(): Promise<void>;
}

type Closer = () => Promise<void>;

const dynalite = createRequire(import.meta.url)('dynalite') as (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

// aws-ses-v2-local is CommonJS with a default export.
const startSesEmulator = ((aws_ses_v2_local as unknown as { default?: unknown }).default ??
  aws_ses_v2_local) as (config: { host: string; port: number }) => Promise<Server>;

const simulateSchema = z.strictObject({
  type: z.enum(['bounce', 'complaint']),
  email: z.string().trim().min(3).max(254),
});

/** Starts everything; on any failure, stops what already started and rethrows. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const log = options.quiet ? () => {} : (options.log ?? ((line: string) => console.log(line)));
  const closers: Closer[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      await close().catch((error) => log(`while stopping: ${describe(error)}`));
    }
    closers.length = 0;
  };

  try {
    const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
    if (dataDir) mkdirSync(dataDir, { recursive: true });

    // Ports first, so a taken one fails fast and before anything is written.
    const wanted = {
      site: options.port ?? DEFAULT_SITE_PORT,
      dynamodb: options.dynamoPort ?? LOCAL_PORT_DEFAULTS.DYNAMODB_PORT,
      inbox: options.inboxPort ?? LOCAL_PORT_DEFAULTS.INBOX_PORT,
    };
    await assertPortFree(wanted.site, host, siteRole);
    await assertPortFree(wanted.dynamodb, host, dynamoRole);
    await assertPortFree(wanted.inbox, host, inboxRole);

    const clock = startClock(options.courseDaySeconds ?? DEFAULT_COURSE_DAY_SECONDS, dataDir);
    closers.push(async () => clock.save());

    // DynamoDB
    const dynamoServer = dynalite({
      ...(dataDir ? { path: join(dataDir, DATA_FILES.dynamodb) } : {}),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    const dynamoPort = await listen(dynamoServer, wanted.dynamodb, host, dynamoRole);
    closers.push(() => closeServer(dynamoServer));
    const dynamoEndpoint = `http://${urlHost(host)}:${dynamoPort}`;
    const dynamoClient = new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    closers.push(async () => dynamoClient.destroy());
    await ensureTable(dynamoClient, LOCAL_TABLE_NAME);
    const store = subscriberStore(dynamoClient, LOCAL_TABLE_NAME);

    // SES
    // Its start function resolves even when listening failed.
    const sesServer = await startSesEmulator({ host, port: wanted.inbox });
    if (!sesServer.listening) throw new PortInUseError(wanted.inbox, inboxRole.service, inboxRole.envVar);
    closers.push(() => closeServer(sesServer));
    const inboxPort = (sesServer.address() as { port: number }).port;
    const inboxUrl = `http://localhost:${inboxPort}`;
    const sesClient = new SESv2Client({
      endpoint: `http://${urlHost(host)}:${inboxPort}`,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    closers.push(async () => sesClient.destroy());

    // The site server listens before the API exists: links need its real port.
    let route: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
      res.statusCode = 503;
      res.end('Starting');
    };
    const siteServer = createServer((req, res) => route(req, res));
    const sitePort = await listen(siteServer, wanted.site, host, siteRole);
    closers.push(() => closeServer(siteServer));
    const siteUrl = `http://localhost:${sitePort}`;

    const settings: CourseSettings = {
      ...sampleSettings,
      ...options.settings,
      publicBaseUrl: siteUrl,
      allowedOrigins: [...new Set([...(options.settings?.allowedOrigins ?? sampleSettings.allowedOrigins)])],
    };
    const tokens = new LinkTokens(loadLinkKeys(dataDir));
    const pseudonymKey = loadPseudonymKey(dataDir);
    const shortId = (email: string) => subscriberId(email, pseudonymKey).slice(0, 8);

    // Mail: every accepted email is logged and gets its Delivery event a moment later.
    const lastSent = new Map<string, SentMail>();
    // What the inbox page shows beside each email the stack sent.
    const notes = new Map<string, SentNote>();
    const pendingTimers = new Set<NodeJS.Timeout>();
    closers.push(async () => {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
    });
    const handlerLog = lineLogger(log, clock);
    // As on AWS, SES events reach the mail-events handler through a queue, in batches:
    // a record the handler fails is delivered again, and given up on after five receives.
    const mailEvents = createMailEventsHandler({ store, clock, pseudonymKey, log: handlerLog });
    const mailEventQueue = new LocalQueue<SesEventBridgeEvent>(mailEvents, {
      name: 'email-course-mail-events-local',
      visibilityDelayMs: options.retryDelayMs ?? 2000,
      log: (line) => log(`${stamp(clock)} mail events ${line}`),
    });
    closers.push(() => mailEventQueue.close());
    const publish = async (type: LocalMailEventType, mail: SentMail) => {
      await mailEventQueue.enqueue([sesEvent(type, mail, clock.now())]);
    };
    const mailer = new ObservedMailer(
      sesMailer(sesClient, settings),
      settings.fromAddress,
      () => clock.now(),
      (mail) => {
        lastSent.set(subscriberId(mail.to, pseudonymKey), mail);
        const emailId = Object.values(mail.tags).find((v) => (emailIds as readonly string[]).includes(v));
        notes.set(mail.messageId, { ...(emailId ? { emailId } : {}), courseTime: mail.sentAt });
        log(
          `${stamp(clock)} sent     ${(emailId ?? 'email').padEnd(9)} to subscriber ${shortId(mail.to)} (message ${mail.messageId})`,
        );
        const timer = setTimeout(() => {
          pendingTimers.delete(timer);
          void publish('Delivery', mail);
        }, options.deliveryDelayMs ?? 300);
        pendingTimers.add(timer);
      },
    );

    // The drip: the queue feeds the sender's handler, the sweep loop calls the sweep's.
    const sender = createSenderHandler({
      store,
      mailer,
      clock,
      settings,
      tokens,
      // A claim must outlast the slowest send in real time, whatever the clock's speed.
      leaseSeconds: Math.max(DEFAULT_LEASE_SECONDS, CLAIM_REAL_SECONDS * clock.speed),
      guard: store,
      log: handlerLog,
    });
    const queue = new LocalQueue(sender, {
      visibilityDelayMs: options.retryDelayMs ?? 2000,
      log: (line) => log(`${stamp(clock)} ${line}`),
    });
    closers.push(() => queue.close());
    const sweep = createSweepHandler({ store, guard: store, queue, clock, log: handlerLog });

    const api = createApi({
      store,
      mailer,
      queue,
      clock,
      tokens,
      pseudonymKey,
      // The same counters as on AWS; the client is the socket's address (local-http.ts).
      limiter: signupLimiter(dynamoClient, LOCAL_TABLE_NAME),
      ...(options.clientBudget ? { clientBudget: options.clientBudget } : {}),
      settings,
      log: handlerLog,
    });
    const apiListener = lambdaRequestListener(api, {
      onError: (error) => log(`${stamp(clock)} API error: ${describe(error)}`),
    });

    const simulate = async (type: 'bounce' | 'complaint', email: string): Promise<boolean> => {
      const mail = lastSent.get(subscriberId(email, pseudonymKey));
      if (!mail) return false;
      log(`${stamp(clock)} simulated ${type} for subscriber ${shortId(mail.to)}`);
      await publish(type === 'bounce' ? 'Bounce' : 'Complaint', mail);
      await mailEventQueue.idle();
      return true;
    };

    const preview = await mountPreview(siteUrl, settings);
    const inbox = createInboxHandler({
      emulatorUrl: `http://${urlHost(host)}:${inboxPort}`,
      path: LOCAL_INBOX_PATH,
      links: { site: `${siteUrl}/`, preview: preview.url },
      noteOf: (messageId) => notes.get(messageId),
    });
    route = (req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path.startsWith(LOCAL_PATH)) {
        const refusal = localEndpointRefusal(req, sitePort);
        if (refusal) {
          writeResult(res, refusal);
          req.resume();
        } else if (path === `${LOCAL_PATH}simulate`) {
          void serveSimulate(req, res, simulate);
        } else if (path === LOCAL_INBOX_PATH || path.startsWith(`${LOCAL_INBOX_PATH}/`)) {
          void inbox(req, res);
        } else {
          writeResult(res, jsonResult(404, { message: 'No such local endpoint' }));
          req.resume();
        }
      } else if (preview.handles(path)) {
        preview.listener(req, res);
      } else {
        apiListener(req, res);
      }
    };

    // Sweep loop
    let sweeping: Promise<void> | undefined;
    const sweepNow = async () => {
      while (sweeping) await sweeping;
      sweeping = (async () => {
        try {
          await sweep({});
        } catch (error) {
          log(`${stamp(clock)} sweep failed: ${describe(error)}`);
        }
      })();
      await sweeping;
      sweeping = undefined;
      await queue.idle();
    };
    const sweepTimer = setInterval(() => {
      if (!sweeping) void sweepNow();
      clock.saveEvery(10_000);
    }, options.sweepIntervalMs ?? defaultSweepInterval(clock.speed));
    closers.push(async () => {
      clearInterval(sweepTimer);
      await sweeping;
    });

    return {
      urls: {
        site: siteUrl,
        inbox: inboxUrl,
        inboxPage: `${siteUrl}${LOCAL_INBOX_PATH}`,
        preview: preview.url,
        dynamodb: `http://localhost:${dynamoPort}`,
      },
      ports: { site: sitePort, dynamodb: dynamoPort, inbox: inboxPort },
      tableName: LOCAL_TABLE_NAME,
      store,
      clock,
      settings,
      deadLetters: queue.deadLetters,
      mailEventDeadLetters: mailEventQueue.deadLetters,
      sweepNow,
      idOf: (email) => subscriberId(email, pseudonymKey),
      simulate,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

const siteRole = { service: 'the sign-up site and API', envVar: 'PORT' };
const dynamoRole = { service: 'the DynamoDB emulator', envVar: 'DYNAMODB_PORT' };
const inboxRole = { service: 'the SES emulator and inbox', envVar: 'INBOX_PORT' };

/**
 * On AWS the sweep runs every few minutes; locally it runs about every five course
 * minutes too, so lessons land close to the send hour however fast the clock runs,
 * but never more often than five times a real second.
 */
function defaultSweepInterval(speed: number): number {
  return Math.min(5000, Math.max(200, Math.round((5 * 60_000) / speed)));
}

/** A ScaledClock that, with a data dir, resumes from the course time it last saw. */
function startClock(courseDaySeconds: number, dataDir: string | undefined) {
  const file = dataDir ? join(dataDir, DATA_FILES.clock) : undefined;
  let start = new Date();
  if (file) {
    try {
      const saved = Date.parse(JSON.parse(readFileSync(file, 'utf8')).courseTime);
      if (saved > start.getTime()) start = new Date(saved);
    } catch {
      // First run with this data dir.
    }
  }
  const clock = new ScaledClock({ courseDaySeconds, start }) as ScaledClock & {
    save(): void;
    saveEvery(ms: number): void;
  };
  let savedAt = Date.now();
  clock.save = () => {
    if (!file) return;
    writeFileSync(file, `${JSON.stringify({ courseTime: clock.now().toISOString() })}\n`);
    savedAt = Date.now();
  };
  clock.saveEvery = (ms) => {
    if (Date.now() - savedAt >= ms) clock.save();
  };
  return clock;
}

/** Fresh random keys, or with a data dir the ones kept there (created on first run). */
function loadLinkKeys(dataDir: string | undefined): LinkKeys {
  const file = dataDir ? join(dataDir, DATA_FILES.linkKeys) : undefined;
  if (file) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as LinkKeys;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const id = `local${randomBytes(3).toString('hex')}`;
  const keys: LinkKeys = { currentKeyId: id, keys: { [id]: randomBytes(32).toString('base64url') } };
  if (file) writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

/** A fresh random key, or with a data dir the one kept there (created on first run). */
function loadPseudonymKey(dataDir: string | undefined): string {
  const file = dataDir ? join(dataDir, DATA_FILES.pseudonymKey) : undefined;
  if (file) {
    try {
      return parsePseudonymKey(readFileSync(file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const key = randomBytes(32).toString('base64url');
  if (file) writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await createTable(client, tableName);
  }
}

async function serveSimulate(
  req: IncomingMessage,
  res: ServerResponse,
  simulate: (type: 'bounce' | 'complaint', email: string) => Promise<boolean>,
): Promise<void> {
  if (req.method !== 'POST') {
    writeResult(res, jsonResult(405, { message: 'Use POST with a JSON body' }, { allow: 'POST' }));
    req.resume();
    return;
  }
  let input: z.infer<typeof simulateSchema>;
  try {
    input = simulateSchema.parse(JSON.parse((await readBody(req, 10 * 1024)).toString('utf8')));
  } catch {
    writeResult(
      res,
      jsonResult(400, {
        message: 'Send JSON like {"type": "bounce" | "complaint", "email": "reader@example.com"}',
      }),
    );
    return;
  }
  const found = await simulate(input.type, input.email);
  writeResult(
    res,
    found
      ? jsonResult(202, { message: `Simulated a ${input.type}` })
      : jsonResult(404, {
          message: 'No email was sent to that address yet, so there is nothing to bounce or complain about',
        }),
  );
}

/** The email preview gallery, served by the site server under PREVIEW_PATH. */
async function mountPreview(siteUrl: string, settings: CourseSettings) {
  // Loaded on demand: the gallery recompiles the MJML on each page load, and mjml is large.
  const { createPreviewHandler } = await import('./preview.js');
  const handler = createPreviewHandler({ basePath: PREVIEW_PATH, live: true, settings });
  return {
    url: `${siteUrl}${PREVIEW_PATH}/`,
    handles: (path: string) => path === PREVIEW_PATH || path.startsWith(`${PREVIEW_PATH}/`),
    listener: (req: IncomingMessage, res: ServerResponse) => void handler(req, res),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections?.();
  });
}

/**
 * The handlers' structured log as one line per event: the API's sign-ups, confirmations
 * and unsubscribes, the sender's problems and the mail events. Routine lines the
 * mailer already reports (each send) or that would repeat all the time (each sweep, each
 * batch, each delivery) are left out, and so are debug lines. Subscriber ids are
 * shortened; no attribute ever carries an address.
 */
function lineLogger(log: (line: string) => void, clock: ScaledClock): Logger {
  const routine = new Set(['send batch handled', 'sweep done']);
  const line =
    (level: 'info' | 'warn' | 'error') =>
    (message: string, attributes: Record<string, unknown> = {}) => {
      if (level === 'info' && routine.has(message)) return;
      if (level === 'info' && attributes.type === 'Delivery') return;
      const parts = Object.entries(attributes)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) =>
          k === 'subscriberId' && typeof v === 'string'
            ? `subscriber ${v.slice(0, 8)}`
            : `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
        );
      const prefix = level === 'info' ? '' : `${level.toUpperCase()} `;
      log(`${stamp(clock)} ${prefix}${message}${parts.length ? ` ${parts.join(' ')}` : ''}`);
    };
  return { debug() {}, info: line('info'), warn: line('warn'), error: line('error') };
}

/** Course time for log lines, e.g. `[course Thu 26 Nov 08:00]`. */
function stamp(clock: ScaledClock): string {
  const now = clock.now();
  const day = now.toLocaleDateString('en-GB', {
    weekday: 'short',
    day: '2-digit',
    month: 'short',
    timeZone: 'UTC',
  });
  const time = now.toISOString().slice(11, 16);
  return `[course ${day} ${time} UTC]`;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function urlHost(host: string): string {
  if (host === '::' || host === '0.0.0.0') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
