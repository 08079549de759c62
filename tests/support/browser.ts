/**
 * Headless Chromium for browser tests. Uses the system (Debian) Chromium through
 * playwright-core, so no browser download is needed.
 *
 * Without Chromium, browser suites are skipped with a loud warning on a developer
 * machine, but fail under CI (`CI=true`), so a missing browser can never pass silently.
 */
import { describe } from 'vitest';
import { findChromium } from '../../scripts/dev/chromium.js';

export {
  chromiumCandidates,
  findChromium,
  type LaunchedBrowser,
  launchBrowser,
} from '../../scripts/dev/chromium.js';

/** Path of the Chromium binary, if one is installed. */
export const chromiumPath: string | undefined = findChromium();

/** True when a Chromium binary was found. */
export const browserAvailable = chromiumPath !== undefined;

/** Browser suites run when Chromium is there, and also under CI so that a missing browser fails. */
export function browserSuiteMode(available: boolean, ci: boolean): 'run' | 'skip' {
  return available || ci ? 'run' : 'skip';
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
