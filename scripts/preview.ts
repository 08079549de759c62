/**
 * A local gallery of every email, filled with its sample data: the HTML at desktop and
 * phone widths side by side, the plain-text part, subject and preheader.
 *
 * `npm run preview` serves it on PREVIEW_PORT (default 3100) and recompiles the MJML on
 * every page load, so edits to `emails/` show up on refresh. The local stack can mount
 * `createPreviewHandler()` under a path of its own.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { LESSON_IMAGE_CACHE, LESSON_IMAGE_PATH } from '../functions/core/assets.js';
import { course, type EmailId, emailIds } from '../functions/core/course.js';
import { type CompiledEmail, compiledEmails, lessonImages } from '../functions/core/generated/emails.js';
import { createRenderer, type EmailRenderer } from '../functions/core/render.js';
import type { CourseSettings } from '../functions/core/settings.js';
import { buildEmails } from './build-emails.js';
import { readClinicConfig, settingsFromConfig, withClinic } from './clinic-config.js';
import { courseDirFor } from './courses.js';

export interface PreviewOptions {
  /** Path prefix the handler is mounted under, e.g. `/preview`. @default '' */
  readonly basePath?: string;
  /** Recompile the MJML on each page load instead of using the last `npm run build`. @default false */
  readonly live?: boolean;
  /** The clinic whose details fill the emails (see clinic-config.ts). @default the sample data's */
  readonly settings?: CourseSettings;
}

interface Gallery {
  readonly emails: Readonly<Record<string, CompiledEmail>>;
  readonly renderer: EmailRenderer;
  /** The lessons' pictures by file name (`<hash>.png`), served under `<base>/assets/`. */
  readonly images: Readonly<Record<string, Buffer>>;
}

const desktopWidth = 640;
const phoneWidth = 375;

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  * { box-sizing: border-box; }
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; padding: 12px; background: #eceae6; color: #222; }
  @media (min-width: 700px) { body { padding: 24px; } }
  h1 { font-size: 22px; margin: 0 0 16px; }
  h2 { font-size: 18px; margin: 0; }
  a { color: #1f5e57; }
  nav { display: flex; flex-wrap: wrap; gap: 4px 12px; }
  nav a { display: inline-block; padding: 6px 0; }
  .email { background: #fff; border-radius: 8px; padding: 12px; margin: 0 0 32px; }
  .meta { margin: 4px 0 12px; color: #555; }
  .meta b { color: #222; }
  .views { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
  figure { margin: 0; max-width: 100%; }
  figcaption { font-size: 13px; color: #555; margin-bottom: 4px; }
  iframe { display: block; border: 1px solid #ccc; height: 900px; background: #fff; max-width: 100%; }
  .scroll { max-width: 100%; overflow-x: auto; }
  .scroll iframe { max-width: none; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; width: 82ch; max-width: 100%; margin: 0; padding: 12px;
        max-height: 900px; overflow-y: auto; border: 1px solid #ccc; background: #fafafa; font-size: 13px; }
  .error { color: #a00; white-space: pre-wrap; }
</style>
</head>
<body>
${body}
</body>
</html>`;
}

function emailSection(base: string, id: string, email: CompiledEmail, text: string, subject: string): string {
  const src = `${base}/email/${encodeURIComponent(id)}.html`;
  return `<section class="email" id="${escapeHtml(id)}">
  <h2><a href="${base}/email/${encodeURIComponent(id)}">${escapeHtml(id)}</a></h2>
  <p class="meta"><b>Subject:</b> ${escapeHtml(subject)}<br><b>Preheader:</b> ${escapeHtml(email.preheader)}</p>
  <div class="views">
    <figure><figcaption>Phone, ${phoneWidth} px</figcaption>
      <iframe title="${escapeHtml(id)} at ${phoneWidth} px" src="${src}" width="${phoneWidth}"></iframe></figure>
    <figure><figcaption>Desktop, ${desktopWidth} px</figcaption>
      <div class="scroll" tabindex="0" role="region" aria-label="${escapeHtml(id)} at ${desktopWidth} px, scrolls sideways on a narrow screen">
      <iframe title="${escapeHtml(id)} at ${desktopWidth} px" src="${src}" width="${desktopWidth}"></iframe></div></figure>
    <figure><figcaption>Plain text</figcaption><pre tabindex="0" aria-label="${escapeHtml(id)}, plain text">${escapeHtml(text)}</pre></figure>
  </div>
</section>`;
}

/** A Node HTTP handler serving the gallery. Unknown paths get a 404. */
export function createPreviewHandler(
  options: PreviewOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const base = (options.basePath ?? '').replace(/\/$/, '');
  const built: Gallery = {
    emails: compiledEmails,
    renderer: createRenderer(compiledEmails),
    images: Object.fromEntries(
      Object.entries(lessonImages).map(([file, base64]) => [file, Buffer.from(base64, 'base64')]),
    ),
  };
  let latest: Gallery = built;

  async function gallery(refresh: boolean): Promise<Gallery> {
    if (!options.live || !refresh) return latest;
    const compiled = await buildEmails({ dir: courseDirFor(course.id) });
    const emails = Object.fromEntries(compiled.map((e) => [e.id, e]));
    const images = Object.fromEntries(compiled.flatMap((e) => e.images.map((i) => [i.file, i.png])));
    latest = { emails, renderer: createRenderer(emails), images };
    return latest;
  }

  // Pictures load from this gallery itself, at the address the browser used.
  const sampleOf = (renderer: EmailRenderer, id: EmailId, req: IncomingMessage) => {
    const vars = options.settings ? withClinic(renderer.sample(id), options.settings) : renderer.sample(id);
    if ('assetsUrl' in vars)
      vars.assetsUrl = `http://${req.headers.host ?? 'localhost'}${base}${LESSON_IMAGE_PATH}`;
    return vars;
  };

  function send(res: ServerResponse, status: number, type: string, body: string): void {
    res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
    res.end(body);
  }

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://preview.local');
    let path = url.pathname;
    if (base && path.startsWith(base)) path = path.slice(base.length);
    if (path === '') path = '/';
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, 'text/plain', 'Method not allowed');
        return;
      }
      if (path === '/') {
        const { emails, renderer } = await gallery(true);
        const nav = emailIds.map((id) => `<a href="#${id}">${id}</a>`).join('');
        const sections = emailIds.map((id) => {
          const rendered = renderer.render(id, sampleOf(renderer, id, req));
          return emailSection(base, id, emails[id] as CompiledEmail, rendered.text, rendered.subject);
        });
        send(
          res,
          200,
          'text/html',
          page('Email preview', `<h1>Email preview</h1><nav>${nav}</nav><br>${sections.join('\n')}`),
        );
        return;
      }
      const picture = /^\/assets\/([0-9a-f]{20}\.png)$/.exec(path);
      if (picture) {
        const png = latest.images[picture[1] as string];
        if (!png) send(res, 404, 'text/plain', 'Not found');
        else {
          res.writeHead(200, { 'content-type': 'image/png', 'cache-control': LESSON_IMAGE_CACHE });
          res.end(png);
        }
        return;
      }
      const match = /^\/email\/([a-z0-9-]+)(\.html|\.txt)?$/.exec(path);
      const id = match?.[1] as EmailId | undefined;
      if (!match || !id || !emailIds.includes(id)) {
        send(res, 404, 'text/plain', 'Not found');
        return;
      }
      const { emails, renderer } = await gallery(!match[2]);
      const rendered = renderer.render(id, sampleOf(renderer, id, req));
      if (match[2] === '.html') send(res, 200, 'text/html', rendered.html);
      else if (match[2] === '.txt') send(res, 200, 'text/plain', rendered.text);
      else {
        const body = `<p><a href="${base}/">All emails</a></p>${emailSection(base, id, emails[id] as CompiledEmail, rendered.text, rendered.subject)}`;
        send(res, 200, 'text/html', page(`${id}: email preview`, body));
      }
    } catch (error) {
      // Shown in the page so a broken template is visible while editing.
      const message = error instanceof Error ? error.message : String(error);
      send(
        res,
        500,
        'text/html',
        page(
          'Email build failed',
          `<h1>Email build failed</h1><pre class="error">${escapeHtml(message)}</pre>`,
        ),
      );
    }
  };
}

/**
 * The clinic's settings for a gallery of its own (`npm run preview`, `course preview`):
 * course.config.json, or the file COURSE_CONFIG names.
 * @throws ConfigError when the file is missing or not valid.
 */
export function configuredSettings(env: NodeJS.ProcessEnv = process.env): CourseSettings {
  // Links in the samples are made up; nothing serves them.
  return settingsFromConfig(readClinicConfig(env), { publicBaseUrl: 'http://localhost:3000' });
}

/** An HTTP server for the gallery (not yet listening). */
export function createPreviewServer(options: PreviewOptions = {}): Server {
  const handler = createPreviewHandler(options);
  return createServer((req, res) => {
    void handler(req, res);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PREVIEW_PORT ?? 3100);
  let settings: CourseSettings;
  try {
    settings = configuredSettings();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  const server = createPreviewServer({ live: true, settings });
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    console.log(
      `Email preview: http://localhost:${actual}/  (edit emails/${course.id}/*.mjml and refresh; Ctrl+C to stop)`,
    );
  });
}
