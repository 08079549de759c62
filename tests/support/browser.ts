/**
 * Headless Chromium for browser tests. Uses the system (Debian) Chromium through
 * playwright-core, so no browser download is needed.
 *
 * Without Chromium, browser suites are skipped with a loud warning on a developer
 * machine, but fail under CI (`CI=true`), so a missing browser can never pass silently.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { describe } from 'vitest';

/** Where Debian puts Chromium. `CHROMIUM_PATH`, when set, is used instead. */
export const chromiumCandidates = ['/usr/bin/chromium', '/usr/lib/chromium/chromium'] as const;

/** The Chromium binary to use, if one is installed. */
export function findChromium(
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  const candidates = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : chromiumCandidates;
  return candidates.find((path) => exists(path));
}

/** Path of the Chromium binary, if one is installed. */
export const chromiumPath: string | undefined = findChromium();

/** True when a Chromium binary was found. */
export const browserAvailable = chromiumPath !== undefined;

/** Browser suites run when Chromium is there, and also under CI so that a missing browser fails. */
export function browserSuiteMode(available: boolean, ci: boolean): 'run' | 'skip' {
  return available || ci ? 'run' : 'skip';
}

/** Flags that keep Chromium quiet, offline and working as root in a container. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchedBrowser {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with a throwaway profile.
 * @throws Error when no Chromium is installed (browser suites under CI reach this and fail).
 */
export async function launchBrowser(): Promise<LaunchedBrowser> {
  if (!chromiumPath) {
    throw new Error(
      `Chromium not found (looked in ${process.env.CHROMIUM_PATH ?? chromiumCandidates.join(', ')}); install it with apt-get install -y chromium`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

function warnSkipped(name: string): void {
  console.warn(
    [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      `!!! SKIPPING BROWSER TESTS "${name}": Chromium is not installed.`,
      '!!! Install it with: apt-get update && apt-get install -y chromium',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '',
    ].join('\n'),
  );
}

/**
 * `describe` for suites that need Chromium: runs them when it is installed, skips them
 * loudly when not, and under CI runs them anyway so they fail on the missing browser.
 */
export const describeBrowser = ((name: string, fn: () => void) => {
  if (browserSuiteMode(browserAvailable, process.env.CI === 'true') === 'run') return describe(name, fn);
  warnSkipped(name);
  return describe.skip(name, fn);
}) as (name: string, fn: () => void) => void;
