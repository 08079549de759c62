/**
 * GET /embed.js: the sign-up form for any page of the clinic's site, from one `<div>` and
 * one `<script>`. The course's copy, consent text, privacy line and accent colour are
 * written into the script when it is requested, so a pasted snippet can never fall out of
 * step with the course. The form lives in a shadow root: the page's styles do not reach
 * it and its styles do not reach the page. It posts JSON to /subscribe (CORS,
 * `allowedOrigins`), and the consent recorded is the version this API serves.
 */
import { course } from '../core/course.js';
import { escapeHtml as e } from '../core/html.js';
import { accentColorOf } from '../core/settings.js';
import { privacyLine } from './pages.js';
import type { Request } from './request.js';
import { type HttpResponse, text } from './response.js';
import { HONEYPOT_FIELD, MAX_EMAIL_LENGTH, MAX_FIRST_NAME_LENGTH } from './schemas.js';

/** The attribute that marks where the form goes. */
export const EMBED_ATTRIBUTE = 'data-course-signup';

/** Short enough that a changed course reaches every page soon after a deploy. */
const EMBED_CACHE = 'public, max-age=300';

/** The API's public address as the browser should use it: the configured one, else this request's. */
function apiBase(req: Request): string {
  return req.page.settings.publicBaseUrl.replace(/\/+$/, '');
}

/** The snippet a clinic pastes: a link to the hosted page, which the script replaces with the form. */
export function embedSnippet(apiUrl: string, title: string = course.title): string {
  const base = e(apiUrl.replace(/\/+$/, ''));
  return `<div ${EMBED_ATTRIBUTE}>
  <a href="${base}/">Sign up for the free email course: ${e(title)}</a>
</div>
<script src="${base}/embed.js" async></script>
`;
}

/** What the script needs, as JSON inside it (`<` escaped so it cannot close a script element). */
export function embedCopy(req: Request): Record<string, unknown> {
  const { settings } = req.page;
  const base = apiBase(req);
  return {
    subscribeUrl: `${base}/subscribe`,
    pageUrl: `${base}/`,
    title: course.title,
    clinicName: settings.clinicName,
    practitioner: settings.practitioner ?? '',
    consentText: course.consentText,
    privacyLine: privacyLine(settings.trackOpensAndClicks === true, settings.retentionDays),
    privacyPolicyUrl: settings.privacyPolicyUrl ?? '',
    accent: accentColorOf(settings),
    honeypot: HONEYPOT_FIELD,
    maxEmail: MAX_EMAIL_LENGTH,
    maxFirstName: MAX_FIRST_NAME_LENGTH,
  };
}

export async function embedScript(req: Request): Promise<HttpResponse> {
  const copy = JSON.stringify(embedCopy(req)).replace(/</g, '\\u003c');
  return text(200, EMBED_JS.replace('__COPY__', copy), {
    contentType: 'text/javascript; charset=utf-8',
    // Loaded by other sites' pages: any origin may fetch it.
    headers: { 'cache-control': EMBED_CACHE, 'cross-origin-resource-policy': 'cross-origin' },
  });
}

/** The form's own styles; `:host { all: initial }` also stops the page's inherited ones. */
const EMBED_CSS = `:host { all: initial; display: block; }
.box { box-sizing: border-box; max-width: 30rem; padding: 1.25rem; background: #ffffff; color: #1c2527;
  border: 1px solid #d5dcdc; border-radius: 0.75rem;
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.box *, .box *::before, .box *::after { box-sizing: border-box; }
h2 { margin: 0 0 0.25rem; font-size: 1.2rem; line-height: 1.3; color: var(--accent); }
p { margin: 0 0 0.75rem; }
.by { font-size: 0.9rem; color: #4a5759; }
label { display: block; font-weight: 600; margin: 0 0 0.25rem; }
.optional { font-weight: 400; color: #4a5759; }
input { display: block; width: 100%; margin: 0 0 0.75rem; padding: 0.6rem 0.7rem; font: inherit;
  font-size: max(1rem, 16px); color: #1c2527; background: #ffffff; border: 2px solid #6b7a7c; border-radius: 0.5rem; }
input[aria-invalid="true"] { border-color: #a1001c; }
button { display: block; width: 100%; padding: 0.75rem 1rem; font: inherit; font-weight: 700; color: #ffffff;
  background: var(--accent); border: 0; border-radius: 0.5rem; cursor: pointer; }
button:disabled { opacity: 0.7; cursor: progress; }
:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
a { color: #0b5a57; }
.consent { font-size: 0.9rem; }
.privacy { margin: 0.75rem 0 0; font-size: 0.8rem; color: #4a5759; }
.status:empty { display: none; }
.status { padding: 0.6rem 0.8rem; border-radius: 0.5rem; background: #e8f1ef; font-weight: 600; }
.status.error { background: #fdf0f2; color: #a1001c; border: 2px solid #a1001c; }
.hp { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }`;

/**
 * The script. Plain ES5-level code with no dependency; every piece of copy goes in as
 * text (textContent), never as HTML.
 */
const EMBED_JS = `(function () {
  'use strict';
  var copy = __COPY__;
  var css = ${JSON.stringify(EMBED_CSS)};
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs) node.setAttribute(name, attrs[name]);
    if (text) node.textContent = text;
    return node;
  }
  function styles(root) {
    var rules = css.replace(/var\\(--accent\\)/g, copy.accent);
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(rules);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      root.appendChild(el('style', {}, rules));
    }
  }
  function mount(host) {
    if (host.shadowRoot || !host.attachShadow) return;
    var root = host.attachShadow({ mode: 'open' });
    styles(root);
    var box = el('section', { class: 'box', 'aria-labelledby': 'course-title' });
    box.appendChild(el('h2', { id: 'course-title' }, copy.title));
    box.appendChild(el('p', { class: 'by' }, 'A free email course from ' + copy.clinicName + (copy.practitioner ? ', by ' + copy.practitioner : '') + '.'));
    var form = el('form', { novalidate: '' });
    var status = el('p', { class: 'status', role: 'status', tabindex: '-1' });
    form.appendChild(el('label', { for: 'course-email' }, 'Email address'));
    var email = el('input', { id: 'course-email', name: 'email', type: 'email', autocomplete: 'email', required: '', maxlength: String(copy.maxEmail), spellcheck: 'false', autocapitalize: 'off' });
    form.appendChild(email);
    var nameLabel = el('label', { for: 'course-first-name' }, 'First name ');
    nameLabel.appendChild(el('span', { class: 'optional' }, '(optional)'));
    form.appendChild(nameLabel);
    form.appendChild(el('input', { id: 'course-first-name', name: 'firstName', type: 'text', autocomplete: 'given-name', maxlength: String(copy.maxFirstName) }));
    var trap = el('div', { class: 'hp', 'aria-hidden': 'true' });
    trap.appendChild(el('input', { name: copy.honeypot, type: 'text', tabindex: '-1', autocomplete: 'off' }));
    form.appendChild(trap);
    var consent = el('p', { class: 'consent', id: 'course-consent' }, copy.consentText);
    if (copy.privacyPolicyUrl) {
      consent.appendChild(document.createTextNode(' '));
      consent.appendChild(el('a', { href: copy.privacyPolicyUrl, target: '_blank', rel: 'noopener' }, 'Read our privacy policy'));
      consent.appendChild(document.createTextNode('.'));
    }
    form.appendChild(consent);
    form.appendChild(status);
    var button = el('button', { type: 'submit', 'aria-describedby': 'course-consent' }, 'Start the free course');
    form.appendChild(button);
    box.appendChild(form);
    box.appendChild(el('p', { class: 'privacy' }, copy.privacyLine));
    root.appendChild(box);

    function say(message, isError) {
      status.textContent = message;
      status.className = isError ? 'status error' : 'status';
      if (isError) status.focus();
    }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (!email.value.trim()) {
        email.setAttribute('aria-invalid', 'true');
        say('Enter your email address.', true);
        return;
      }
      var data = {};
      var fields = form.querySelectorAll('input[name]');
      for (var i = 0; i < fields.length; i++) if (fields[i].value) data[fields[i].name] = fields[i].value;
      try {
        data.timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
      } catch (e) {}
      data.source = location.origin + location.pathname;
      button.disabled = true;
      fetch(copy.subscribeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(data),
        credentials: 'omit',
      })
        .then(function (response) {
          return response.json().then(function (body) {
            if (response.ok) {
              form.reset();
              email.removeAttribute('aria-invalid');
              say(body.message, false);
            } else {
              if (body.error && body.error.code === 'invalid_email') email.setAttribute('aria-invalid', 'true');
              say(body.error ? body.error.message : 'Something went wrong.', true);
            }
          });
        })
        .catch(function () {
          say('Something went wrong. Please try again in a few minutes, or sign up on ' + copy.pageUrl, true);
        })
        .then(function () {
          button.disabled = false;
        });
    });
  }
  function mountAll() {
    var hosts = document.querySelectorAll('[${EMBED_ATTRIBUTE}]');
    for (var i = 0; i < hosts.length; i++) mount(hosts[i]);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
  else mountAll();
})();
`;
