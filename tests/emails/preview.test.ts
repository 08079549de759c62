import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { course, emailIds } from '../../functions/core/course.js';
import { configuredSettings, createPreviewServer } from '../../scripts/preview.js';

async function start(options: Parameters<typeof createPreviewServer>[0]) {
  const server = createPreviewServer(options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('email preview', () => {
  let preview: Awaited<ReturnType<typeof start>>;

  beforeAll(async () => {
    preview = await start({});
  });

  afterAll(async () => {
    await preview.close();
  });

  it('lists every email with its subject and preheader on the index page', async () => {
    const response = await fetch(`${preview.url}/`);
    const body = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    for (const email of [course.confirmation, ...course.sequence]) {
      expect(body).toContain(`id="${email.id}"`);
      expect(body).toContain(email.subject.replaceAll("'", '&#39;'));
      expect(body).toContain(email.preheader.replaceAll("'", '&#39;'));
    }
  });

  it('shows one email at desktop and phone widths side by side, with its text part', async () => {
    const body = await (await fetch(`${preview.url}/email/lesson-3`)).text();

    expect(body).toMatch(/<iframe [^>]*src="\/email\/lesson-3\.html" width="640"/);
    expect(body).toMatch(/<iframe [^>]*src="\/email\/lesson-3\.html" width="375"/);
    expect(body).toMatch(/<pre[^>]*>[^<]*Hi Sam,[^<]*Never roll the ITB/);
  });

  it('serves the filled HTML and text parts with the sample data', async () => {
    const html = await (await fetch(`${preview.url}/email/lesson-3.html`)).text();
    const text = await fetch(`${preview.url}/email/lesson-3.txt`);

    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('Hi Sam,');
    expect(html).not.toContain('{{');
    expect(text.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await text.text()).toContain('Hi Sam,');
  });

  it('answers 404 for an email that does not exist and 405 for a POST', async () => {
    expect((await fetch(`${preview.url}/email/lesson-9`)).status).toBe(404);
    expect((await fetch(`${preview.url}/nothing`)).status).toBe(404);
    expect((await fetch(`${preview.url}/`, { method: 'POST' })).status).toBe(405);
  });
});

describe('email preview mounted under a path, recompiling live', () => {
  it('serves the gallery under its base path with links that stay under it', async () => {
    const preview = await start({ basePath: '/preview', live: true });
    try {
      const body = await (await fetch(`${preview.url}/preview/`)).text();

      for (const id of emailIds) expect(body).toContain(`src="/preview/email/${id}.html"`);
      expect((await fetch(`${preview.url}/preview/email/complete.txt`)).status).toBe(200);
    } finally {
      await preview.close();
    }
  });
});

describe('the preview of a clinic of its own', () => {
  it('fills the emails with the clinic in COURSE_CONFIG, and names a broken file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'preview-config-'));
    const file = join(dir, 'course.config.json');
    const config = JSON.parse(readFileSync('course.config.json', 'utf8'));
    writeFileSync(file, JSON.stringify({ ...config, clinicName: 'Hilltop Sports Therapy' }));
    const preview = await start({ settings: configuredSettings({ COURSE_CONFIG: file }) });
    try {
      const html = await (await fetch(`${preview.url}/email/lesson-1.html`)).text();

      expect(html).toContain('Hilltop Sports Therapy');
      expect(html).not.toContain('Riverside Massage');
      writeFileSync(file, JSON.stringify({ ...config, clinicName: '' }));
      expect(() => configuredSettings({ COURSE_CONFIG: file })).toThrow(/course\.config\.json: clinicName: /);
    } finally {
      await preview.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
