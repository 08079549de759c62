/**
 * The sign-up pages' only stylesheet and script, served by the API itself so the
 * Content-Security-Policy can stay at 'self' with no inline code. They are kept as
 * strings so the Lambda bundle needs no files beside it.
 */
import { DEFAULT_ACCENT_COLOR, HEX_COLOR } from '../core/settings.js';

/**
 * Calm, readable, high-contrast; one column that fits a phone, two on the sign-up page of
 * a wide screen. `accent` is the clinic's `#rrggbb` (checked before it gets here): buttons
 * and headings take it, hover states a darker shade of it.
 */
export function siteCss(accent: string = DEFAULT_ACCENT_COLOR): string {
  const color = HEX_COLOR.test(accent) ? accent.toLowerCase() : DEFAULT_ACCENT_COLOR;
  return `:root {
  --ink: #1c2527;
  --muted: #4a5759;
  --paper: #fbfaf7;
  --card: #ffffff;
  --line: #d5dcdc;
  --accent: ${color};
  --accent-dark: ${darker(color)};
  --link: #0b5a57;
  --focus: #1d4ed8;
  --error: #a1001c;
  --error-bg: #fdf0f2;
  color-scheme: light;
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--paper);
  color: var(--ink);
  font: 1.0625rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
a { color: var(--link); text-underline-offset: 0.15em; }
a:hover { color: #073f3d; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip-link { position: absolute; left: 0.5rem; top: -3rem; padding: 0.5rem 1rem; background: var(--card); z-index: 1; }
.skip-link:focus { top: 0.5rem; }
.site-header, main, .site-footer { width: 100%; max-width: 42rem; margin: 0 auto; padding: 0 1.25rem; }
.site-header {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  justify-content: space-between;
  gap: 0.25rem 0.75rem;
  padding-top: 0.75rem;
  padding-bottom: 0.25rem;
}
.site-header a { color: var(--muted); font-weight: 600; text-decoration: none; }
.site-header a:hover { text-decoration: underline; }
.site-header img { display: block; max-width: 100%; height: auto; }
.site-header .phone { color: var(--ink); font-weight: 400; font-size: 0.95rem; white-space: nowrap; }
main { padding-bottom: 2rem; }
h1 { font-size: clamp(1.5rem, 5vw, 2.25rem); line-height: 1.2; margin: 0.75rem 0 0.5rem; color: var(--accent); }
h2 { font-size: 1.25rem; line-height: 1.3; margin: 1.75rem 0 0.5rem; color: var(--accent); }
.wide .site-header, .wide main, .wide .site-footer { max-width: 66rem; }
.signup { display: grid; grid-template-columns: minmax(0, 1fr); }
.trust { color: var(--muted); margin-bottom: 0.25rem; }
.byline { font-size: 0.95rem; font-weight: 600; margin-bottom: 0; }
.form-card { margin: 0.75rem 0 1.5rem; padding: 1rem; }
.form-card h2 { margin-bottom: 0.5rem; }
.form-card .field { margin-bottom: 0.75rem; }
.form-card .consent { font-size: 0.9rem; line-height: 1.5; margin-bottom: 0.75rem; }
.outline h2 { color: var(--accent); }
p { margin: 0 0 1rem; }
.lead { font-size: 1.125rem; color: var(--muted); }
.lessons { padding-left: 1.5rem; margin: 0 0 1.5rem; }
.lessons li { margin-bottom: 0.5rem; }
.card {
  background: var(--card);
  border: 1px solid var(--line);
  border-radius: 0.75rem;
  padding: 1.25rem;
  margin: 1.5rem 0;
  box-shadow: 0 1px 3px rgb(0 0 0 / 6%);
}
.card > :first-child { margin-top: 0; }
.field { margin-bottom: 1rem; }
label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
.optional { font-weight: 400; color: var(--muted); }
input[type="email"], input[type="text"] {
  display: block;
  width: 100%;
  font: inherit;
  font-size: max(1rem, 16px);
  padding: 0.65rem 0.75rem;
  color: var(--ink);
  background: var(--card);
  border: 2px solid #6b7a7c;
  border-radius: 0.5rem;
}
input[aria-invalid="true"] { border-color: var(--error); }
.field-error { color: var(--error); font-weight: 600; margin: 0.35rem 0 0; }
.error-summary {
  border: 3px solid var(--error);
  background: var(--error-bg);
  border-radius: 0.5rem;
  padding: 0.75rem 1rem;
  margin-bottom: 1.25rem;
}
.error-summary h2 { margin: 0 0 0.25rem; font-size: 1.1rem; color: var(--ink); }
.error-summary:focus { outline: 3px solid var(--focus); outline-offset: 2px; }
.error-summary p { margin: 0; }
.error-summary a { color: var(--error); font-weight: 600; }
button, .button {
  display: inline-block;
  width: 100%;
  font: inherit;
  font-weight: 700;
  text-align: center;
  text-decoration: none;
  color: #ffffff;
  background: var(--accent);
  border: 0;
  border-radius: 0.5rem;
  padding: 0.8rem 1.25rem;
  cursor: pointer;
}
button:hover, .button:hover { background: var(--accent-dark); color: #ffffff; }
.consent { font-size: 0.95rem; }
.privacy, .note { font-size: 0.9rem; color: var(--muted); }
form + .privacy { margin: 1rem 0 0; }
.hp { position: absolute; left: -10000px; top: auto; width: 1px; height: 1px; overflow: hidden; }
.site-footer { border-top: 1px solid var(--line); padding-top: 1rem; padding-bottom: 2rem; font-size: 0.9rem; color: var(--muted); }
.site-footer p { margin-bottom: 0.5rem; }
@media (min-width: 40rem) {
  button, .button { width: auto; }
  .card { padding: 1.75rem 2rem; }
  .form-card { padding: 1.5rem 1.75rem; }
  .form-card button { width: 100%; }
}
@media (min-width: 56rem) {
  .signup {
    grid-template-columns: minmax(0, 1fr) minmax(22rem, 26rem);
    grid-template-areas: "intro form" "outline form";
    column-gap: 3rem;
    align-items: start;
  }
  .intro { grid-area: intro; }
  .form-card { grid-area: form; margin-top: 1rem; }
  .outline { grid-area: outline; }
}
@media (prefers-reduced-motion: reduce) {
  * { scroll-behavior: auto !important; transition: none !important; }
}
`;
}

/** The accent mixed a quarter of the way to black: the hover shade, darker so still readable. */
function darker(hex: string): string {
  const channel = (i: number) => Math.round(Number.parseInt(hex.slice(i, i + 2), 16) * 0.75);
  return `#${[1, 3, 5].map((i) => channel(i).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Fills every empty `timeZone` field on the page with the browser's IANA zone, and moves
 * focus to an error summary where the browser ignored its `autofocus`. Nothing else: the
 * form works without it (the course default zone is used).
 */
export const signupJs = `(function () {
  'use strict';
  var summary = document.querySelector('.error-summary');
  if (summary && document.activeElement !== summary) summary.focus();
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone) return;
  var fields = document.querySelectorAll('input[name="timeZone"]');
  for (var i = 0; i < fields.length; i++) {
    if (!fields[i].value) fields[i].value = zone;
  }
})();
`;
