/**
 * The local stack's inbox page (`/_local/inbox`): every email the SES emulator holds,
 * newest first, and one of them at phone and desktop width side by side with its
 * headers and plain-text part. Emails are chosen by message id, never by address.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';

/** One email as the emulator's `GET /store` lists it (the fields the page shows). */
const storedEmail = z.object({
  messageId: z.string(),
  from: z.string(),
  replyTo: z.array(z.string()).default([]),
  destination: z.object({ to: z.array(z.string()).default([]) }),
  subject: z.string(),
  body: z.object({ html: z.string().optional(), text: z.string().optional() }),
  headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  /** Real time of the send, in seconds since the epoch. */
  at: z.number(),
});
type StoredEmail = z.infer<typeof storedEmail>;

/** What the stack itself knows about an email it sent (the CLI's test sends have none). */
export interface SentNote {
  /** The course's id for it, e.g. lesson-2. */
  readonly emailId?: string;
  /** Course time of the send (the fast clock). */
  readonly courseTime: Date;
}

export interface InboxOptions {
  /** The SES emulator's base URL, e.g. http://localhost:8005. */
  readonly emulatorUrl: string;
  /** Path the page is served at. */
  readonly path: string;
  /** The local site's links shown in the page header. */
  readonly links: { readonly site: string; readonly preview: string };
  /** The stack's own note on an email, by message id. */
  readonly noteOf?: (messageId: string) => SentNote | undefined;
}

const PHONE_WIDTH = 375;
const DESKTOP_WIDTH = 640;
/** Message ids the emulator makes look like `ses-123456789`. */
const MESSAGE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A node:http handler for GET `path` and `path/<message-id>.html`. */
export function createInboxHandler(
  options: InboxOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain', 'Method not allowed', { allow: 'GET, HEAD' });
      return;
    }
    let emails: StoredEmail[];
    try {
      emails = await readStore(options.emulatorUrl);
    } catch (error) {
      send(res, 502, 'text/plain', `Cannot read the SES emulator's store: ${(error as Error).message}`);
      return;
    }
    const rest = url.pathname.slice(options.path.length);
    const part = /^\/([^/]+)\.html$/.exec(rest);
    if (part) {
      const email = MESSAGE_ID.test(part[1] ?? '') ? emails.find((e) => e.messageId === part[1]) : undefined;
      if (!email) send(res, 404, 'text/plain', 'No such email in the local inbox');
      else sendEmailHtml(res, email);
      return;
    }
    if (rest !== '' && rest !== '/') {
      send(res, 404, 'text/plain', 'Not found');
      return;
    }
    const asked = url.searchParams.get('id');
    const selected = asked === null ? emails[0] : emails.find((e) => e.messageId === asked);
    const nonce = randomBytes(12).toString('base64');
    const status = asked !== null && !selected ? 404 : 200;
    send(res, status, 'text/html', inboxPage(options, emails, selected, asked, nonce), {
      'content-security-policy': `default-src 'self'; img-src * data:; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; frame-ancestors 'self'`,
    });
  };
}

async function readStore(emulatorUrl: string): Promise<StoredEmail[]> {
  // Once more on a dropped connection: the emulator closes idle ones as a reuse begins.
  const res = await fetch(`${emulatorUrl}/store`).catch(() => fetch(`${emulatorUrl}/store`));
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const { emails } = z.object({ emails: z.array(storedEmail) }).parse(await res.json());
  // Newest first; the store keeps them in the order they were sent.
  return emails.reverse();
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': `${type}; charset=utf-8`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(body);
}

/**
 * The email's HTML as sent, for a sandboxed iframe: no script may run (the CSP says so too)
 * and its links open in a new tab, so a confirmation link leaves the inbox in place.
 */
function sendEmailHtml(res: ServerResponse, email: StoredEmail): void {
  const html = email.body.html ?? `<pre>${escapeHtml(email.body.text ?? '')}</pre>`;
  const base = '<base target="_blank">';
  const withBase = /<head[^>]*>/i.test(html)
    ? html.replace(/<head[^>]*>/i, (h) => `${h}${base}`)
    : base + html;
  send(res, 200, 'text/html', withBase, {
    'content-security-policy':
      "default-src 'none'; img-src * data:; style-src 'unsafe-inline' *; font-src *; frame-ancestors 'self'",
  });
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

function header(email: StoredEmail, name: string): string | undefined {
  return email.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

function realTime(email: StoredEmail): string {
  return new Date(email.at * 1000).toISOString().slice(11, 19);
}

function courseTime(date: Date): string {
  const day = date.toLocaleDateString('en-GB', {
    weekday: 'short',
    day: '2-digit',
    month: 'short',
    timeZone: 'UTC',
  });
  return `${day} ${date.toISOString().slice(11, 16)} UTC`;
}

function listItem(options: InboxOptions, email: StoredEmail, current: boolean): string {
  const note = options.noteOf?.(email.messageId);
  const href = `${options.path}?id=${encodeURIComponent(email.messageId)}`;
  const label = note?.emailId ?? (email.subject.startsWith('[TEST]') ? 'test send' : 'email');
  return `<li><a href="${href}"${current ? ' aria-current="true"' : ''}>
  <span class="subject">${escapeHtml(email.subject)}</span>
  <span class="small">${escapeHtml(label)} · to ${escapeHtml(email.destination.to.join(', '))}</span>
  <span class="small">${note ? `course ${escapeHtml(courseTime(note.courseTime))} · ` : ''}real ${realTime(email)}</span>
</a></li>`;
}

function detail(options: InboxOptions, email: StoredEmail): string {
  const note = options.noteOf?.(email.messageId);
  const src = `${options.path}/${encodeURIComponent(email.messageId)}.html`;
  const rows: [string, string | undefined][] = [
    ['From', email.from],
    ['To', email.destination.to.join(', ')],
    ['Reply-To', email.replyTo.join(', ') || undefined],
    ['Subject', email.subject],
    ['List-Unsubscribe', header(email, 'List-Unsubscribe')],
    ['List-Unsubscribe-Post', header(email, 'List-Unsubscribe-Post')],
    ['List-Id', header(email, 'List-Id')],
    [
      'Sent',
      `${note ? `course time ${courseTime(note.courseTime)}; ` : ''}real time ${new Date(email.at * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC`,
    ],
    ['Message id', email.messageId],
  ];
  const list = rows
    .map(
      ([name, value]) =>
        `<dt>${name}</dt><dd>${value === undefined ? '<span class="none">(none)</span>' : escapeHtml(value)}</dd>`,
    )
    .join('\n');
  // allow-same-origin without allow-scripts: nothing in the email runs, and the page can
  // read its height to show it whole (no cut-off footer).
  const sandbox = 'allow-same-origin allow-popups allow-popups-to-escape-sandbox';
  return `<article aria-labelledby="subject">
<h2 id="subject">${escapeHtml(email.subject)}</h2>
<dl class="headers" aria-label="Headers">${list}</dl>
<div class="views">
  <figure class="phone"><figcaption>Phone, ${PHONE_WIDTH} px</figcaption>
    <iframe title="The email at phone width" src="${src}" width="${PHONE_WIDTH}" height="900" sandbox="${sandbox}"></iframe></figure>
  <figure class="desktop"><figcaption>Desktop, ${DESKTOP_WIDTH} px</figcaption>
    <div class="scroll" tabindex="0" role="region" aria-label="Desktop view, scrolls sideways on a narrow screen"><iframe title="The email at desktop width" src="${src}" width="${DESKTOP_WIDTH}" height="900" sandbox="${sandbox}"></iframe></div></figure>
</div>
<h3>Plain-text part</h3>
<pre class="text">${escapeHtml(email.body.text ?? '(none)')}</pre>
</article>`;
}

function inboxPage(
  options: InboxOptions,
  emails: StoredEmail[],
  selected: StoredEmail | undefined,
  asked: string | null,
  nonce: string,
): string {
  const list = emails.length
    ? `<ol>${emails.map((e) => listItem(options, e, e === selected)).join('\n')}</ol>`
    : '<p>No email yet.</p>';
  const main = selected
    ? detail(options, selected)
    : asked !== null
      ? '<h2>No such email</h2><p>The inbox starts empty each time the local stack starts.</p>'
      : `<h2>Nothing here yet</h2><p>Sign up on <a href="${escapeHtml(options.links.site)}">the sign-up page</a>: the confirmation email shows up here.</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${selected ? `${escapeHtml(selected.subject)} · ` : ''}Local inbox</title>
<style>
  * { box-sizing: border-box; }
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; background: #eceae6; color: #222; }
  header { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline; padding: 12px 16px; background: #1f5e57; color: #fff; }
  header h1 { font-size: 20px; margin: 0; }
  header a { color: #fff; }
  .layout { display: grid; gap: 12px; padding: 12px; }
  /* Above the email, so the phone and desktop views fit side by side on a laptop. */
  nav ol { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr));
           max-height: 13.5em; overflow-y: auto; background: #fff; border-radius: 8px; }
  nav a { display: block; height: 100%; padding: 6px 12px; border-bottom: 1px solid #ddd; color: #222; text-decoration: none; }
  nav a:hover, nav a:focus { background: #f3f1ed; }
  nav a[aria-current] { background: #dcebe8; border-left: 4px solid #1f5e57; }
  .subject { display: block; font-weight: 600; }
  .small { display: block; font-size: 13px; color: #555; overflow-wrap: anywhere; }
  main { background: #fff; border-radius: 8px; padding: 12px; min-width: 0; }
  h2 { font-size: 20px; margin: 0 0 12px; }
  h3 { font-size: 16px; margin: 24px 0 8px; }
  dl.headers { display: grid; grid-template-columns: minmax(0, 1fr); font-size: 14px; margin: 0 0 16px; }
  @media (min-width: 600px) { dl.headers { grid-template-columns: max-content minmax(0, 1fr); gap: 2px 16px; } }
  .headers dt { color: #555; font-weight: 600; }
  .headers dd { margin: 0 0 6px; overflow-wrap: anywhere; }
  @media (min-width: 600px) { .headers dd { margin: 0; } }
  .none { color: #555; font-style: italic; }
  .views { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
  figure { margin: 0; max-width: 100%; }
  figcaption { font-size: 13px; color: #555; margin-bottom: 4px; }
  iframe { display: block; border: 1px solid #ccc; background: #fff; max-width: 100%; }
  .scroll { max-width: 100%; overflow-x: auto; }
  .scroll iframe { max-width: none; }
  pre.text { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 82ch; margin: 0; padding: 12px; border: 1px solid #ccc; background: #fafafa; font-size: 13px; }
</style>
</head>
<body>
<header>
  <h1>Local inbox</h1>
  <span>${emails.length} ${emails.length === 1 ? 'email' : 'emails'}, newest first · nothing leaves this machine</span>
  <a href="${options.path}">Refresh</a>
  <a href="${escapeHtml(options.links.site)}">Sign-up page</a>
  <a href="${escapeHtml(options.links.preview)}">Email previews</a>
</header>
<div class="layout">
<nav aria-label="Emails">${list}</nav>
<main>
${main}
</main>
</div>
<script nonce="${nonce}">
  // Shows each email whole: an iframe as tall as the email it holds.
  for (const frame of document.querySelectorAll('iframe')) {
    const fit = () => {
      const doc = frame.contentDocument;
      if (doc) frame.style.height = doc.documentElement.scrollHeight + 2 + 'px';
    };
    frame.addEventListener('load', fit);
    // The frame may finish loading before this script runs; the page's own load comes after every frame's.
    window.addEventListener('load', fit);
    fit();
  }
</script>
</body>
</html>`;
}
