/**
 * The small interfaces the course rules need from the outside world. Adapters in
 * `functions/adapters/` implement them for AWS; tests and `npm start` use in-memory or
 * emulator-backed ones.
 */
import type { SendingGuard } from './guard.js';
import type { Subscriber } from './subscriber.js';

/** Thrown by a store when a conditional write loses to another writer. */
export class ConflictError extends Error {
  constructor(message = 'The record changed since it was read') {
    super(message);
    this.name = 'ConflictError';
  }
}

/** A page of due subscribers from one shard of the due index. */
export interface DuePage {
  readonly items: readonly {
    readonly id: string;
    readonly nextEmailId: string;
    readonly nextSendAt: string;
  }[];
  /** Opaque cursor for the next page of the same shard; absent on the last page. */
  readonly cursor?: string;
}

/** Course-wide counters (sign-ups, sends per email, bounces...), named by the core. */
export type CounterDeltas = Readonly<Record<string, number>>;

export interface SubscriberStore {
  /** The record; after the retention period, the marker of an unsubscribe or suppression (version 0). */
  get(id: string): Promise<Subscriber | undefined>;
  /**
   * Writes the whole record in one conditional write. `expectedVersion` undefined, or 0 (a
   * marker left by retention, see retention.ts), means "create: must not exist"; otherwise
   * the stored version must equal it. The record's
   * `version` is written as given (callers bump it). Throws ConflictError otherwise.
   */
  put(subscriber: Subscriber, expectedVersion: number | undefined): Promise<void>;
  /** Deletes the record if its version still matches; ConflictError otherwise. */
  delete(id: string, expectedVersion: number): Promise<void>;
  /** Number of shards of the due index. */
  readonly dueShards: number;
  /** Subscribers of one shard whose next email is due at or before `now`, oldest first. */
  listDue(shard: number, now: Date, limit: number, cursor?: string): Promise<DuePage>;
  /**
   * Adds to course-wide counters (one write; best effort, not part of a state change).
   * With `at`, the same deltas also go to that UTC day's counters (a second write, made
   * only once the first has landed, so a bump is never counted twice in a day).
   */
  increment(deltas: CounterDeltas, at?: Date): Promise<void>;
  readCounters(): Promise<Record<string, number>>;
  /** The counters of these UTC days (`2026-12-02`); days with no bump are left out. */
  readDailyCounters(days: readonly string[]): Promise<Record<string, Record<string, number>>>;
  /** Every record, page by page (admin export and listing only; never on a hot path). */
  scan(cursor?: string): Promise<{ items: Subscriber[]; cursor?: string }>;
}

/** Where the reputation guard's state lives (one item beside the counters). */
export interface GuardStore {
  readGuard(): Promise<SendingGuard | undefined>;
  /** One conditional write, as `put`: undefined = must not exist yet. ConflictError otherwise. */
  writeGuard(guard: SendingGuard, expectedVersion: number | undefined): Promise<void>;
}

export interface OutgoingEmail {
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** Extra headers, e.g. List-Unsubscribe. Values are already free of CR/LF. */
  readonly headers: Readonly<Record<string, string>>;
  /** Message tags for mail events (course, email id). */
  readonly tags: Readonly<Record<string, string>>;
}

/** SES said slow down or failed on its side: try the same email again later. */
export class MailerRetryableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MailerRetryableError';
  }
}
/** SES refused the send for going over the account's sending rate: it was not sent; slow down. */
export class MailerThrottledError extends MailerRetryableError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MailerThrottledError';
  }
}
/** SES will never accept mail for this address (bad address, suppressed, rejected). */
export class MailerRejectedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MailerRejectedError';
  }
}
/** Sending is paused for the whole account or configuration set: stop the batch. */
export class MailerPausedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MailerPausedError';
  }
}

export interface Mailer {
  /** Sends one email; resolves to the provider's message id. */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}

/** Asks the sender to send one email of the sequence to one subscriber. */
export interface SendRequest {
  readonly subscriberId: string;
  readonly emailId: string;
}

export interface Queue {
  /** Queues the requests (any number; adapters batch them). */
  enqueue(requests: readonly SendRequest[]): Promise<void>;
}

export interface Clock {
  now(): Date;
}

/**
 * Structured logger; Powertools' `Logger` fits, and the local stack passes one that
 * prints lines. Attributes never carry an address. `debug` is for routine lines, one per
 * email: Powertools drops them unless POWERTOOLS_LOG_LEVEL is DEBUG.
 */
export interface Logger {
  debug(message: string, attributes: Record<string, unknown>): void;
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** A logger that drops everything (tests, or when the caller passes none). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** One metric of one invocation: a count, optionally per email of the course. */
export interface MetricCount {
  /** One of the contract's METRIC names. */
  readonly name: string;
  readonly value: number;
  /** `email` dimension: the email's id in the course. */
  readonly email?: string;
}

/** Where an invocation's counts go, once, at its end. */
export interface MetricsSink {
  publish(counts: readonly MetricCount[]): void;
}
