/**
 * The sign-up API's pages as plain template functions. Every value that is not a
 * literal of this file goes through `escapeHtml`; there is no inline script or style.
 */
import { course, lessons } from '../core/course.js';
import { escapeHtml as e } from '../core/html.js';
import { DEFAULT_RETENTION_DAYS } from '../core/retention.js';
import { accentColorOf, type CourseSettings } from '../core/settings.js';
import { HONEYPOT_FIELD, MAX_EMAIL_LENGTH, MAX_FIRST_NAME_LENGTH } from './schemas.js';

/** What every page needs to know about where it is served. */
export interface PageContext {
  readonly settings: CourseSettings;
  /** Path prefix of the API ('' on the default stage), for links and form actions. */
  readonly basePath: string;
}

interface LayoutOptions {
  readonly title: string;
  readonly main: string;
  /** Adds the time-zone script (sign-up form pages only). */
  readonly script?: boolean;
  /** Room for two columns on wide screens (the sign-up page). */
  readonly wide?: boolean;
}

function layout(ctx: PageContext, { title, main, script = false, wide = false }: LayoutOptions): string {
  const { settings, basePath } = ctx;
  const accent = accentColorOf(settings).slice(1);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${e(title)} · ${e(settings.clinicName)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${e(basePath)}/assets/site.css?accent=${accent}">
${script ? `<script src="${e(basePath)}/assets/signup.js" defer></script>\n` : ''}</head>
<body${wide ? ' class="wide"' : ''}>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
${brandLink(settings)}${settings.phone ? `\n<a class="phone" href="${e(telUrl(settings.phone))}">Call ${e(settings.phone)}</a>` : ''}
</header>
<main id="main" tabindex="-1">
${main}
</main>
<footer class="site-footer">
<p>${e(settings.clinicName)} · ${e(settings.postalAddress)}${settings.phone ? ` · ${e(settings.phone)}` : ''}</p>
${settings.privacyPolicyUrl ? `<p><a href="${e(settings.privacyPolicyUrl)}">Privacy policy</a></p>\n` : ''}<p>${e(course.disclaimer)}</p>
</footer>
</body>
</html>
`;
}

/** The clinic's logo (its name as the alt text, a fixed size), or its name, linking to its site. */
function brandLink(settings: CourseSettings): string {
  const { logo } = settings;
  const inner = logo
    ? `<img src="${e(logo.url)}" alt="${e(settings.clinicName)}" width="${logo.width}" height="${logo.height}">`
    : e(settings.clinicName);
  return `<a class="brand" href="${e(settings.siteUrl)}">${inner}</a>`;
}

/** A `tel:` link keeps only what dialling needs: digits and a leading plus. */
export function telUrl(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, '').replace(/(?!^)\+/g, '');
  return `tel:${digits}`;
}

/** A field problem to show beside the form. */
export interface FormError {
  /** 'email', 'firstName', or '' for the form as a whole. */
  readonly field: string;
  readonly message: string;
}

export interface SignupPageOptions {
  /** What the visitor typed, to fill the form again after an error. */
  readonly values?: { readonly email?: string; readonly firstName?: string; readonly timeZone?: string };
  readonly error?: FormError;
  /** The page's own URL, recorded with the consent. */
  readonly formUrl: string;
}

/** The hosted sign-up page: what the course is, the lessons, the form, consent and privacy. */
export function signupPage(ctx: PageContext, { values = {}, error, formUrl }: SignupPageOptions): string {
  const errorFor = (field: string) => (error && error.field === field ? error.message : undefined);
  const emailError = errorFor('email');
  const nameError = errorFor('firstName');
  // Focused on load (autofocus, and signup.js where autofocus is not honoured), so the
  // problem is in view and read out, on a phone too.
  const summary = error
    ? `<div class="error-summary" role="alert" tabindex="-1" autofocus>
<h2>There is a problem</h2>
<p>${error.field ? `<a href="#${e(error.field)}">${e(error.message)}</a>` : e(error.message)}</p>
</div>\n`
    : '';
  const invalid = (message: string | undefined, id: string) =>
    message ? ` aria-invalid="true" aria-describedby="${id}"` : '';
  const fieldError = (message: string | undefined, id: string) =>
    message ? `\n<p class="field-error" id="${id}">${e(message)}</p>` : '';
  const { settings } = ctx;
  const privacyLink = settings.privacyPolicyUrl
    ? ` <a href="${e(settings.privacyPolicyUrl)}">Read our privacy policy</a>.`
    : '';

  // Source order is reading order: what it is, the form, then the details. On wide screens
  // the form sits beside the outline; on a phone it comes before it, inside the first screen.
  const main = `<div class="signup">
<div class="intro">
<h1>${e(course.title)}</h1>
<p class="trust">${e(trustLine(settings.clinicName))}</p>
${settings.practitioner ? `<p class="byline">Written by ${e(settings.practitioner)}</p>\n` : ''}</div>
<section class="card form-card" aria-labelledby="signup-heading">
<h2 id="signup-heading">Get the free course</h2>
${summary}<form method="post" action="${e(ctx.basePath)}/subscribe">
<div class="field">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" spellcheck="false" autocapitalize="off" required maxlength="${MAX_EMAIL_LENGTH}" value="${e(values.email ?? '')}"${invalid(emailError, 'email-error')}>${fieldError(emailError, 'email-error')}
</div>
<div class="field">
<label for="firstName">First name <span class="optional">(optional)</span></label>
<input id="firstName" name="firstName" type="text" autocomplete="given-name" maxlength="${MAX_FIRST_NAME_LENGTH}" value="${e(values.firstName ?? '')}"${invalid(nameError, 'firstName-error')}>${fieldError(nameError, 'firstName-error')}
</div>
<input type="hidden" name="timeZone" value="${e(values.timeZone ?? '')}">
<input type="hidden" name="source" value="${e(formUrl)}">
<div class="hp" aria-hidden="true">
<label for="${HONEYPOT_FIELD}">Leave this field empty</label>
<input id="${HONEYPOT_FIELD}" name="${HONEYPOT_FIELD}" type="text" tabindex="-1" autocomplete="off">
</div>
<p class="consent" id="consent-text">${e(course.consentText)}${privacyLink}</p>
<button type="submit" aria-describedby="consent-text">Start the free course</button>
</form>
<p class="privacy">${privacyLine(settings.trackOpensAndClicks === true, settings.retentionDays)}</p>
</section>
<div class="outline">
<p class="lead">${e(course.description)}</p>
<h2 id="lessons-heading">What you will learn</h2>
<ol class="lessons" aria-labelledby="lessons-heading">
${lessons.map((lesson) => `<li>${e(lesson.summary)}</li>`).join('\n')}
</ol>
</div>
</div>`;
  return layout(ctx, {
    title: error ? `Error: ${course.title}` : course.title,
    main,
    script: true,
    wide: true,
  });
}

/** One short line under the title: who offers the course, and what the reader risks (nothing). */
export function trustLine(clinicName: string): string {
  return `Free, from ${clinicName}. No spam, never shared, and one click to unsubscribe.`;
}

/**
 * What the course keeps, as the sign-up page tells the visitor. Opens and clicks are
 * mentioned only when they are tracked: a pixel and rewritten links need consent in
 * the UK and EU, so the page must not promise less, nor claim more, than happens.
 */
export function privacyLine(tracking: boolean, retentionDays = DEFAULT_RETENTION_DAYS): string {
  const counted = tracking
    ? 'count whether each email was delivered and, through an image in each email and its links passing through our mail service, when you open it and which links you click'
    : 'count whether each email was delivered (we do not track opens or clicks)';
  return `We keep your email address, first name, time zone and a record of when and where you signed up (with your IP address and browser), and ${counted}, only to run this course. We never share them. You can unsubscribe at any time from any email. ${keptFor(retentionDays)}`;
}

/** The retention sentence: an unconfirmed sign-up for 30 days, the rest for the configured period. */
function keptFor(days: number): string {
  const period = days % 365 === 0 ? `${days / 365} year${days === 365 ? '' : 's'}` : `${days} days`;
  return `If you do not confirm, we delete your details after 30 days; ${period} after you finish the course, unsubscribe or your address stops accepting email, we delete them too, keeping only a coded marker so we never email an address that asked us not to.`;
}

/** After a sign-up: the same page whatever the address's state. */
export function checkInboxPage(ctx: PageContext): string {
  return layout(ctx, {
    title: 'Check your inbox',
    main: `<h1>Check your inbox</h1>
<p>If the address can receive the course, we have sent it an email with a link to confirm. Open it and press the button to start.</p>
<p>Nothing there after a few minutes? Look in your spam or promotions folder, or <a href="${e(ctx.basePath)}/">sign up again</a> if the address had a typo.</p>`,
  });
}

/** The page a confirmation link opens: a button, because only a POST may change anything. */
export function confirmPage(ctx: PageContext, token: string): string {
  return layout(ctx, {
    title: 'Confirm your sign-up',
    main: `<h1>One last step</h1>
<p>Press the button to confirm your address and start <strong>${e(course.title)}</strong>.</p>
<form method="post" action="${e(ctx.basePath)}/confirm">
<input type="hidden" name="token" value="${e(token)}">
<button type="submit">Confirm and start the course</button>
</form>`,
  });
}

/** When the lessons come, from the course's delays: "every two days" when they are even. */
export function scheduleLine(sequence = course.sequence): string {
  const first = 'Lesson 1 arrives within a minute';
  const later = sequence.slice(1).map((e) => e.delayDays);
  if (later.length === 0) return `${first}.`;
  const days = later.reduce((sum, d) => sum + d, 0);
  const dayWord = (n: number) =>
    n === 1 ? 'day' : `${['', 'one', 'two', 'three', 'four', 'five', 'six', 'seven'][n] ?? n} days`;
  if (later.every((d) => d === later[0]) && (later[0] ?? 0) > 0) {
    return `${first}; the next lessons follow every ${dayWord(later[0] ?? 1)}.`;
  }
  return days === 0 ? `${first}, and the rest with it.` : `${first}; the rest follow over ${dayWord(days)}.`;
}

/** After confirming (or confirming again). */
export function welcomePage(ctx: PageContext): string {
  return layout(ctx, {
    title: 'You are in',
    main: `<h1>Welcome to the course</h1>
<p>Your address is confirmed. ${e(scheduleLine())}</p>
<p>Each email has a link to unsubscribe whenever you like.</p>
<p><a href="${e(ctx.settings.siteUrl)}">Visit ${e(ctx.settings.clinicName)}</a></p>`,
  });
}

/** The page an unsubscribe link opens. */
export function unsubscribePage(ctx: PageContext, token: string): string {
  return layout(ctx, {
    title: 'Unsubscribe',
    main: `<h1>Unsubscribe from the course</h1>
<p>Press the button and we will send you no more emails from this course.</p>
<form method="post" action="${e(ctx.basePath)}/unsubscribe">
<input type="hidden" name="token" value="${e(token)}">
<button type="submit">Unsubscribe</button>
</form>`,
  });
}

/** After unsubscribing: done, with the way back in. */
export function unsubscribedPage(ctx: PageContext): string {
  return layout(ctx, {
    title: 'Unsubscribed',
    main: `<h1>You are unsubscribed</h1>
<p>You will get no more emails from this course.</p>
<p>Changed your mind? <a href="${e(ctx.basePath)}/">Sign up again</a> at any time.</p>`,
  });
}

/** A confirm or unsubscribe link that cannot be used. */
export function linkProblemPage(ctx: PageContext, reason: 'invalid' | 'expired'): string {
  const main =
    reason === 'expired'
      ? `<h1>This link has expired</h1>
<p>Confirmation links work for seven days. Sign up again and we will send you a fresh one.</p>`
      : `<h1>This link does not work</h1>
<p>It may be incomplete (some email programs break long links) or no longer in use. Copy the whole link from the email, or sign up again.</p>`;
  return layout(ctx, {
    title: reason === 'expired' ? 'Link expired' : 'Link not valid',
    main: `${main}\n<p><a class="button" href="${e(ctx.basePath)}/">Sign up again</a></p>`,
  });
}

/** Any other problem: what happened and a way back. */
export function messagePage(ctx: PageContext, title: string, message: string): string {
  return layout(ctx, {
    title,
    main: `<h1>${e(title)}</h1>
<p>${e(message)}</p>
<p><a href="${e(ctx.basePath)}/">Back to the sign-up page</a></p>`,
  });
}
