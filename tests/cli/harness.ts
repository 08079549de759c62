/**
 * A course CLI context on dynalite with a recording mailer and a manual clock, plus
 * helpers to seed subscribers through the real lifecycle and to run the CLI's main().
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTable, DynamoSubscriberStore } from '../../functions/adapters/dynamo-store.js';
import { confirm, type LifecycleDeps, subscribe } from '../../functions/core/lifecycle.js';
import type { GuardStore, Mailer, SubscriberStore } from '../../functions/core/ports.js';
import { sampleSettings } from '../../functions/core/settings.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { main } from '../../scripts/course/cli.js';
import type { CourseContext, Output } from '../../scripts/course/context.js';
import { ManualClock } from '../support/clock.js';
import { subscriberId, TEST_PSEUDONYM_KEY } from '../support/identity.js';
import { testTokens } from '../support/link-keys.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { RecordingMailer } from '../support/recording-mailer.js';

/** Collects what a command writes. */
export class Buffer implements Output {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** Counts every call to the store, to prove what a command reads. */
export function countingStore<S extends SubscriberStore>(store: S): S & { calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'calls') return calls;
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(name)] = (calls[String(name)] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  }) as S & { calls: Record<string, number> };
}

/** Records the name of every DynamoDB API call a client makes (GetItem, Scan...). */
export function recordCommands(client: DynamoDBClient): string[] {
  const names: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      names.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: `record-${randomBytes(3).toString('hex')}` },
  );
  return names;
}

export interface Harness {
  readonly ctx: CourseContext;
  readonly store: SubscriberStore & GuardStore & { calls: Record<string, number> };
  readonly mailer: RecordingMailer;
  readonly clock: ManualClock;
  readonly out: Buffer;
  readonly err: Buffer;
  readonly lifecycle: LifecycleDeps;
  /** Runs the CLI with these arguments against this context; resolves to the exit code. */
  run(...argv: string[]): Promise<number>;
}

export interface HarnessOptions {
  readonly confirm?: (question: string) => Promise<boolean>;
  readonly mailer?: Mailer;
  readonly errIsTTY?: boolean;
}

/** A fresh table on the given dynalite, and a context around it. */
export async function makeHarness(
  clients: { client: DynamoDBClient; docClient: DynamoDBDocumentClient },
  opts: HarnessOptions = {},
): Promise<Harness> {
  const tableName = `cli-${randomBytes(4).toString('hex')}`;
  await createTable(clients.client, tableName);
  const store = countingStore(new DynamoSubscriberStore(clients.docClient, tableName));
  const mailer = new RecordingMailer();
  const clock = new ManualClock('2026-11-25T10:00:00.000Z');
  const out = new Buffer();
  const err = new Buffer(opts.errIsTTY ?? false);
  const tokens = testTokens();
  const ctx: CourseContext = {
    store,
    mailer: opts.mailer ?? mailer,
    settings: sampleSettings,
    clock,
    out,
    err,
    target: 'the test table',
    linkTokens: async () => tokens,
    pseudonymKey: async () => TEST_PSEUDONYM_KEY,
    ...(opts.confirm ? { confirm: opts.confirm } : {}),
  };
  const lifecycle: LifecycleDeps = {
    store,
    mailer,
    queue: new MemoryQueue(),
    clock,
    tokens,
    settings: sampleSettings,
    pseudonymKey: TEST_PSEUDONYM_KEY,
  };
  return {
    ctx,
    store,
    mailer,
    clock,
    out,
    err,
    lifecycle,
    run: (...argv) => main(argv, { out, err, context: async () => ctx }),
  };
}

/** Signs a person up through the real lifecycle (pending, confirmation email sent). */
export async function signUp(h: Harness, email: string, firstName = 'Jane'): Promise<Subscriber> {
  await subscribe(h.lifecycle, {
    email,
    firstName,
    timeZone: 'Europe/London',
    consent: { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (test)', formUrl: 'https://clinic.example/knee' },
  });
  return (await h.store.get(subscriberId(email))) as Subscriber;
}

/** Signs up and confirms through the real lifecycle (active, lesson 1 due). */
export async function signUpAndConfirm(h: Harness, email: string, firstName = 'Jane'): Promise<Subscriber> {
  const pending = await signUp(h, email, firstName);
  const token = h.lifecycle.tokens.sign('confirm', pending.id, {
    now: h.clock.now(),
    optInId: pending.optInId as string,
  });
  await confirm(h.lifecycle, token);
  return (await h.store.get(pending.id)) as Subscriber;
}

/** Overwrites parts of a stored record (progress the drip would have made). */
export async function patch(h: Harness, email: string, change: Partial<Subscriber>): Promise<Subscriber> {
  const current = (await h.store.get(subscriberId(email))) as Subscriber;
  const next = { ...current, ...change, version: current.version + 1 } as Subscriber;
  await h.store.put(next, current.version);
  return next;
}
