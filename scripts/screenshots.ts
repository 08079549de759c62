/**
 * `npm run screenshots`: the pictures in the README and docs/, made from the running
 * course rather than by hand. Starts the local stack on free ports, opens the sign-up
 * page and a lesson email in headless Chromium and writes PNGs to docs/images/.
 *
 * Needs Chromium (`apt-get install -y chromium`, or set CHROMIUM_PATH) and the built
 * emails (`npm run build`, which the npm script runs first).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { startLocalStack } from './local-stack.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const imagesDir = join(root, 'docs/images');

const phone = { width: 375, height: 800 };
const desktop = { width: 1280, height: 800 };

/** The lesson shown in the phone shot of an email. */
const lessonId = 'lesson-1';

/** Flags that keep Chromium quiet, offline and working as root in a container. */
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function findChromium(): string {
  const candidates = process.env.CHROMIUM_PATH
    ? [process.env.CHROMIUM_PATH]
    : ['/usr/bin/chromium', '/usr/lib/chromium/chromium'];
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      `Chromium not found (looked in ${candidates.join(', ')}); install it with apt-get install -y chromium`,
    );
  }
  return found;
}

async function shoot(page: Page, url: string, size: { width: number; height: number }, file: string) {
  await page.setViewportSize(size);
  const response = await page.goto(url, { waitUntil: 'networkidle' });
  if (!response?.ok()) throw new Error(`${url} answered ${response?.status()}`);
  const path = join(imagesDir, file);
  // The whole page, however tall: a reader scrolls a phone.
  await page.screenshot({ path, fullPage: true });
  const { size: bytes } = await stat(path);
  console.log(`  ${relative(root, path)}  ${size.width} px wide, ${(bytes / 1024).toFixed(0)} KB`);
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  await mkdir(imagesDir, { recursive: true });
  const stack = await startLocalStack({ port: 0, dynamoPort: 0, inboxPort: 0, quiet: true });
  const profile = await mkdtemp(join(tmpdir(), 'screenshots-profile-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: findChromium(),
      headless: true,
      args: chromiumArgs,
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      console.log('Screenshots:');
      await shoot(page, `${stack.urls.site}/`, phone, 'signup-phone.png');
      await shoot(page, `${stack.urls.site}/`, desktop, 'signup-desktop.png');
      await shoot(page, `${stack.urls.preview}email/${lessonId}.html`, phone, 'lesson-phone.png');
    } finally {
      await context.close();
    }
  } finally {
    await rm(profile, { recursive: true, force: true });
    await stack.close();
  }
}

await main();
