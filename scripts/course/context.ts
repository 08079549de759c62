/**
 * What every command runs against. The CLI entry builds one from the target (local
 * stack or a deployed one); tests build one around dynalite and a recording mailer.
 */
import type { Clock, GuardStore, Mailer, SubscriberStore } from '../../functions/core/ports.js';
import type { CourseSettings } from '../../functions/core/settings.js';
import type { LinkTokens } from '../../functions/core/tokens.js';

/** Where a command writes: process.stdout / process.stderr, or a test buffer. */
export interface Output {
  write(chunk: string): unknown;
  /** True when a person is watching (progress bars redraw in place only then). */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CourseContext {
  /** The table: subscribers, counters and the reputation guard's state. */
  readonly store: SubscriberStore & GuardStore;
  readonly mailer: Mailer;
  readonly settings: CourseSettings;
  readonly clock: Clock;
  readonly out: Output;
  readonly err: Output;
  /** Names what the commands talk to, e.g. "local stack (DynamoDB http://localhost:8000)". */
  readonly target: string;
  /** Where the emails it sends can be read: the local stack's inbox page; absent for a deployed stack. */
  readonly inboxUrl?: string;
  /** Link-signing keys for confirmation links, loaded only by the commands that need them. */
  readonly linkTokens: () => Promise<LinkTokens>;
  /** The key of the subscriber ids, to find a person by address (loaded on demand). */
  readonly pseudonymKey: () => Promise<string>;
  /** Asks a yes/no question on the terminal; absent when nobody can answer. */
  readonly confirm?: (question: string) => Promise<boolean>;
}

/** A system clock for real runs. */
export const systemClock: Clock = { now: () => new Date() };
