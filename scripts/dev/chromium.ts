/**
 * The system (Debian) Chromium through playwright-core, so no browser download is
 * needed: used by the browser tests and by `npm run screenshots`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

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
 * @throws Error naming where it looked when no Chromium is installed.
 */
export async function launchBrowser(executablePath = findChromium()): Promise<LaunchedBrowser> {
  if (!executablePath) {
    throw new Error(
      `Chromium not found (looked in ${process.env.CHROMIUM_PATH ?? chromiumCandidates.join(', ')}); install it with apt-get install -y chromium`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
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
