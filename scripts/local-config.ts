/**
 * Names and ports the local stack (`npm start`) and the course CLI agree on, so
 * `npm run course -- stats` finds the table `npm start` created without any flags,
 * whatever ports it runs on: `npm start` writes them to LOCAL_STACK_FILE.
 */

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CONFIRM_LINK_TTL_MS } from '../functions/core/tokens.js';

/** DynamoDB table of the local stack (dynalite). */
export const LOCAL_TABLE_NAME = 'email-course-local';

/** Region the local clients claim; the emulators accept any. */
export const LOCAL_REGION = 'local';

/** Credentials the emulators accept; never real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** The local site's page listing every email the local stack sent. */
export const LOCAL_INBOX_PATH = '/_local/inbox';

/** Default ports, each overridable through the environment variable of the same name. */
export const LOCAL_PORT_DEFAULTS = {
  /** dynalite */
  DYNAMODB_PORT: 8000,
  /** aws-ses-v2-local (its web inbox is at the same port) */
  INBOX_PORT: 8005,
} as const;

export interface LocalPorts {
  readonly dynamodb: number;
  readonly inbox: number;
}

/** Reads the local ports from the environment, falling back to `running`'s, then to the defaults. */
export function localPorts(env: NodeJS.ProcessEnv = process.env, running?: LocalPorts): LocalPorts {
  return {
    dynamodb: port(env, 'DYNAMODB_PORT', running?.dynamodb),
    inbox: port(env, 'INBOX_PORT', running?.inbox),
  };
}

/** Endpoints of the local emulators for the given ports. */
export function localEndpoints(ports: LocalPorts = localPorts()): { dynamodb: string; ses: string } {
  return {
    dynamodb: `http://localhost:${ports.dynamodb}`,
    ses: `http://localhost:${ports.inbox}`,
  };
}

function port(env: NodeJS.ProcessEnv, name: keyof typeof LOCAL_PORT_DEFAULTS, running?: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return running ?? LOCAL_PORT_DEFAULTS[name];
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  }
  return value;
}

/** Where `npm start` records the running stack; the CLI reads it. In `.gitignore` with the data folder. */
export const LOCAL_STACK_FILE = fileURLToPath(new URL('../.local-data/local-stack.json', import.meta.url));

/** The record's file: `LOCAL_STACK_FILE` in the environment (a second stack, a test), else the default. */
export function localStackFileOf(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCAL_STACK_FILE ? resolve(env.LOCAL_STACK_FILE) : LOCAL_STACK_FILE;
}

const portNumber = z.number().int().min(1).max(65535);
const recordSchema = z.object({
  pid: z.number().int().positive(),
  ports: z.object({ site: portNumber, dynamodb: portNumber, inbox: portNumber }),
  /** Absolute path of `--data-dir`; absent when the stack keeps everything in memory. */
  dataDir: z.string().optional(),
  /** The clinic configuration the stack runs with (absolute path). */
  configFile: z.string().optional(),
});

/** What `npm start` records about itself. */
export type LocalStackRecord = z.infer<typeof recordSchema>;

/** Writes the record (replacing any older one). */
export function writeLocalStackRecord(record: LocalStackRecord, file = LOCAL_STACK_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** Removes the record if it is still this process's (a newer `npm start` may have replaced it). */
export function removeLocalStackRecord(pid: number, file = LOCAL_STACK_FILE): void {
  if (readRecordFile(file)?.pid === pid) rmSync(file, { force: true });
}

/** The running stack's record; undefined when there is none, it is unreadable, or its process has ended. */
export function readLocalStackRecord(file = LOCAL_STACK_FILE): LocalStackRecord | undefined {
  const record = readRecordFile(file);
  return record && isRunning(record.pid) ? record : undefined;
}

function readRecordFile(file: string): LocalStackRecord | undefined {
  try {
    return recordSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How long a confirmation link lasts on a clock of this speed, e.g. "7 course days (about 3.5 real minutes)". */
export function confirmLinkLife(courseDaySeconds: number): string {
  const courseDays = CONFIRM_LINK_TTL_MS / 86_400_000;
  if (courseDaySeconds === 86_400) return `${courseDays} days (real time)`;
  const seconds = courseDays * courseDaySeconds;
  const [amount, unit] =
    seconds < 120
      ? [seconds, 'seconds']
      : seconds < 7200
        ? [seconds / 60, 'minutes']
        : seconds < 172_800
          ? [seconds / 3600, 'hours']
          : [seconds / 86_400, 'days'];
  return `${courseDays} course days (about ${Math.round(amount * 10) / 10} real ${unit})`;
}
