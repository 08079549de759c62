/**
 * `npm run screenshots`: the pictures in the README and docs/, made from the running
 * course rather than by hand. Starts the local stack on free ports, opens the sign-up
 * page and a lesson email in headless Chromium and writes PNGs to docs/images/.
 *
 * Needs Chromium (`apt-get install -y chromium`, or set CHROMIUM_PATH) and the built
 * emails (`npm run build`, which the npm script runs first).
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser } from './dev/chromium.js';
import { startLocalStack } from './local-stack.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const imagesDir = join(root, 'docs/images');

const phone = { width: 375, height: 800 };
const desktop = { width: 1280, height: 800 };

/** The lesson shown in the phone shot of an email. */
const lessonId = 'lesson-1';

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
  try {
    const browser = await launchBrowser();
    try {
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      console.log('Screenshots:');
      await shoot(page, `${stack.urls.site}/`, phone, 'signup-phone.png');
      await shoot(page, `${stack.urls.site}/`, desktop, 'signup-desktop.png');
      await shoot(page, `${stack.urls.preview}email/${lessonId}.html`, phone, 'lesson-phone.png');
    } finally {
      await browser.close();
    }
  } finally {
    await stack.close();
  }
}

await main();
