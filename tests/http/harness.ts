/**
 * The API wired to in-memory fakes, with helpers to read what a test needs from the
 * responses and the emails.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { expect } from 'vitest';
import type { ClientBudget, SignupLimiter } from '../../functions/core/limits.js';
import type { Logger, MetricCount, SubscriberStore } from '../../functions/core/ports.js';
import { type CourseSettings, sampleSettings } from '../../functions/core/settings.js';
import { createApi } from '../../functions/http/api.js';
import type { HttpResponse } from '../../functions/http/response.js';
import { ManualClock } from '../support/clock.js';
import { TEST_PSEUDONYM_KEY } from '../support/identity.js';
import { testTokens } from '../support/link-keys.js';
import { MemoryLimiter } from '../support/memory-limiter.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { MemoryStore } from '../support/memory-store.js';
import { RecordingMailer } from '../support/recording-mailer.js';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  attributes: Record<string, unknown>;
}

export interface TestApiOptions<S extends SubscriberStore> {
  settings?: Partial<CourseSettings>;
  /** @default a new MemoryStore */
  store?: S;
  /** @default a new RecordingMailer */
  mailer?: RecordingMailer;
  /** @default no floor */
  signupMinMs?: number;
  /** @default a timer */
  sleep?: (ms: number) => Promise<void>;
  /** @default the API's default budget */
  clientBudget?: ClientBudget;
  /** @default a new MemoryLimiter */
  limiter?: SignupLimiter;
}

/** The API with a memory store, recording mailer, memory queue and a manual clock. */
export function testApi<S extends SubscriberStore = MemoryStore>(options: TestApiOptions<S> = {}) {
  const store = (options.store ?? new MemoryStore()) as S;
  const mailer = options.mailer ?? new RecordingMailer();
  const queue = new MemoryQueue();
  const clock = new ManualClock('2026-12-01T09:30:00.000Z');
  const tokens = testTokens();
  const limiter = options.limiter ?? new MemoryLimiter();
  const settings: CourseSettings = {
    ...sampleSettings,
    publicBaseUrl: 'https://signup.clinic.example',
    ...options.settings,
  };
  const logs: LogLine[] = [];
  const log: Logger = {
    debug: () => {},
    info: (message, attributes) => logs.push({ level: 'info', message, attributes }),
    warn: (message, attributes) => logs.push({ level: 'warn', message, attributes }),
    error: (message, attributes) => logs.push({ level: 'error', message, attributes }),
  };
  const metrics: MetricCount[] = [];
  const handler = createApi({
    store,
    mailer,
    queue,
    clock,
    tokens,
    pseudonymKey: TEST_PSEUDONYM_KEY,
    limiter,
    settings,
    log,
    metrics: { publish: (counts) => metrics.push(...counts) },
    ...(options.signupMinMs === undefined ? {} : { signupMinMs: options.signupMinMs }),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.clientBudget ? { clientBudget: options.clientBudget } : {}),
  });
  const call = async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    const response = (await handler(event)) as HttpResponse;
    expect(response.statusCode, `${event.requestContext.http.method} ${event.rawPath}`).toBeLessThan(500);
    return response;
  };
  return { store, mailer, queue, clock, tokens, limiter, settings, logs, metrics, handler, call };
}

export type TestApi = ReturnType<typeof testApi<MemoryStore>>;

/** The token of the confirm link in the latest confirmation email to `address`. */
export function confirmTokenFrom(mailer: RecordingMailer, address: string): string {
  const email = mailer.to(address).at(-1);
  if (!email) throw new Error(`No email was sent to ${address}`);
  const match = /\/confirm\?token=([A-Za-z0-9._~%-]+)/.exec(email.text);
  if (!match?.[1]) throw new Error('The email has no confirm link');
  return decodeURIComponent(match[1]);
}

/** A snapshot of everything stored, to compare before and after a request. */
export async function storeSnapshot(store: SubscriberStore): Promise<string> {
  const { items } = await store.scan();
  return JSON.stringify({ items, counters: await store.readCounters() });
}
