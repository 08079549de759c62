/**
 * POST /subscribe (the hosted form, forms on the clinic's site, and JSON from code) and
 * its CORS preflight.
 */
import type { $ZodError } from 'zod/v4/core';
import { COUNTER } from '../contract.js';
import { subscriberId } from '../core/identity.js';
import { type SignupInput, subscribe } from '../core/lifecycle.js';
import { clientKey, DEFAULT_CLIENT_BUDGET, secondsUntil, windowOf } from '../core/limits.js';
import {
  ConflictError,
  MailerPausedError,
  MailerRejectedError,
  MailerRetryableError,
} from '../core/ports.js';
import { describeError } from '../core/redact.js';
import { corsHeaders } from './cors.js';
import { type FormError, messagePage, signupPage } from './pages.js';
import { clamp, count, problem, type Request, type RouteDeps } from './request.js';
import { type HttpResponse, html, json, redirect } from './response.js';
import {
  firstIssue,
  HONEYPOT_FIELD,
  type SignupFields,
  signupFormSchema,
  signupJsonSchema,
} from './schemas.js';

/** The one answer to every accepted sign-up, whatever the address's state. */
export const SIGNUP_ACCEPTED_MESSAGE =
  'Check your inbox: if the address can receive the course, a confirmation email is on its way.';

const MAX_FORM_URL_LENGTH = 512;

type Parsed = { success: true; data: SignupFields } | { success: false; error: $ZodError };

/**
 * Sign-up. Whatever the address's state (new, pending, active, unsubscribed, suppressed),
 * and for a filled honeypot, the answer is the same: 303 to /check-inbox for a form, 202
 * for JSON. Only problems with the input itself, or a client over its budget, get a 4xx.
 * Every accepted sign-up, a caught bot's too, answers no sooner than `signupMinMs` after
 * it arrived, whatever happened.
 */
export async function postSubscribe(req: Request, deps: RouteDeps): Promise<HttpResponse> {
  const started = performance.now();
  const cors = corsHeaders(req);
  const fail = (
    status: number,
    code: string,
    message: string,
    values?: Partial<SignupFields>,
    field?: string,
  ) => signupProblem(req, cors, status, code, message, values, field);

  const { body } = req;
  let parsed: Parsed;
  let typed: Partial<SignupFields> = {};
  switch (body.type) {
    case 'too-large':
      return fail(413, 'payload_too_large', 'The request is too large.');
    case 'invalid-json':
      return fail(400, 'invalid_json', 'The request body is not valid JSON.');
    case 'invalid-form':
      return fail(400, 'invalid_form', 'The form could not be read: its multipart body is not well formed.');
    case 'json':
      parsed = signupJsonSchema.safeParse(body.value);
      break;
    case 'form': {
      // Two email fields are two addresses: refuse rather than pick one.
      if (body.repeatedEmail) return fail(400, 'invalid_email', 'Enter just one email address.');
      const { fields } = body;
      typed = { email: fields.email, firstName: fields.firstName, timeZone: fields.timeZone };
      parsed = signupFormSchema.safeParse(fields);
      break;
    }
    case 'none':
      return fail(
        415,
        'unsupported_media_type',
        'Send the form as application/x-www-form-urlencoded, multipart/form-data or application/json.',
      );
  }

  // A caught bot waits like everyone else: an early answer would tell it it was caught.
  if (isBot(parsed, req)) return acceptedAfterFloor(req, deps, cors, started);
  if (!parsed.success) {
    const { field, message, code } = firstIssue(parsed.error);
    return fail(400, code, message, typed, field);
  }

  const limited = await overClientBudget(req, deps, cors);
  if (limited) return limited;

  const fields = parsed.data;
  const input: SignupInput = {
    email: fields.email,
    ...(fields.firstName ? { firstName: fields.firstName } : {}),
    ...(fields.timeZone ? { timeZone: fields.timeZone } : {}),
    consent: { ip: req.sourceIp, userAgent: req.userAgent, formUrl: formUrlOf(req, fields.source) },
  };
  const id = subscriberId(fields.email, deps.pseudonymKey);
  try {
    const outcome = await subscribe(deps, input);
    deps.log.info('Sign-up', { subscriberId: id, outcome });
    if (outcome === 'created' || outcome === 'reopened') count(deps, COUNTER.signedUp);
  } catch (error) {
    // A lost race, an address the mail service refuses, or sending throttled or paused:
    // still the neutral answer. Only an address due a confirmation reaches the mail
    // service, so any other answer would tell that it is not active or suppressed (and
    // anyone can exhaust the sending rate to provoke it). The failed send gave the
    // cooldown back, so signing up again retries at once.
    if (
      !(
        error instanceof ConflictError ||
        error instanceof MailerRejectedError ||
        error instanceof MailerRetryableError ||
        error instanceof MailerPausedError
      )
    ) {
      throw error;
    }
    const level = error instanceof MailerPausedError ? 'error' : 'warn';
    deps.log[level]('Sign-up not completed', { subscriberId: id, error: describeError(error) });
  }
  return acceptedAfterFloor(req, deps, cors, started);
}

/** The neutral answer, no sooner than `signupMinMs` after the request arrived. */
async function acceptedAfterFloor(
  req: Request,
  deps: RouteDeps,
  cors: Record<string, string>,
  started: number,
): Promise<HttpResponse> {
  const left = (deps.signupMinMs ?? 0) - (performance.now() - started);
  if (left > 0) await (deps.sleep ?? wait)(left);
  return signupAccepted(req, cors);
}

/** What a client over its budget is told: the same for every address, so it tells nothing. */
export const TOO_MANY_SIGNUPS_MESSAGE =
  'Too many sign-ups from your network in a short time. Please try again in a few minutes.';

/**
 * Counts this sign-up against its client's budget (one conditional write); a 429 with
 * Retry-After when the window's budget is spent. On AWS the client is API Gateway's
 * `sourceIp`, locally the socket's address.
 */
async function overClientBudget(
  req: Request,
  deps: RouteDeps,
  cors: Record<string, string>,
): Promise<HttpResponse | undefined> {
  if (!deps.limiter) return undefined;
  const budget = deps.clientBudget ?? DEFAULT_CLIENT_BUDGET;
  const now = deps.clock.now();
  const { start, end } = windowOf(now, budget.windowMs);
  const client = clientKey(req.sourceIp, deps.pseudonymKey);
  if (await deps.limiter.countClient(client, start, end, budget.limit)) return undefined;
  deps.log.warn('Sign-up refused: client over its budget', { client: client.slice(0, 8) });
  const headers = { ...cors, 'retry-after': String(secondsUntil(end, now)) };
  return problem(req, 429, 'too_many_requests', 'Too many sign-ups', TOO_MANY_SIGNUPS_MESSAGE, headers);
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A filled honeypot, however the rest of the form looks. */
function isBot(parsed: Parsed, req: Request): boolean {
  let value: unknown;
  if (parsed.success) value = parsed.data[HONEYPOT_FIELD];
  else if (req.body.type === 'form') value = req.body.first.get(HONEYPOT_FIELD);
  else if (req.body.type === 'json') {
    value = (req.body.value as Record<string, unknown> | null)?.[HONEYPOT_FIELD];
  }
  return typeof value === 'string' && value.trim() !== '';
}

function signupAccepted(req: Request, cors: Record<string, string>): HttpResponse {
  if (req.wantsJson) return json(202, { ok: true, message: SIGNUP_ACCEPTED_MESSAGE }, cors);
  return redirect(`${req.page.basePath}/check-inbox`, 303, cors);
}

function signupProblem(
  req: Request,
  cors: Record<string, string>,
  status: number,
  code: string,
  message: string,
  values: Partial<SignupFields> = {},
  field = code === 'invalid_email' ? 'email' : '',
): HttpResponse {
  if (req.wantsJson) return json(status, { error: { code, message } }, cors);
  if (status === 400) {
    const error: FormError = { field, message };
    const page = signupPage(req.page, {
      values: {
        email: clamp(values.email ?? '', 320),
        firstName: clamp(values.firstName ?? '', 200),
        timeZone: clamp(values.timeZone ?? '', 100),
      },
      error,
      formUrl: `${req.page.settings.publicBaseUrl}/`,
    });
    return html(status, page, cors);
  }
  return html(status, messagePage(req.page, titleFor(status), message), cors);
}

function titleFor(status: number): string {
  if (status === 413) return 'Too large';
  if (status === 415) return 'Form not understood';
  return 'Something is wrong';
}

/**
 * Where the visitor signed up, as proof of consent: the form's own `source` field, else
 * the Referer, else the Origin. Only the origin and path are kept: a query string could
 * carry anything, an address included.
 */
function formUrlOf(req: Request, source: string | undefined): string {
  for (const candidate of [source, req.headers.referer, req.headers.origin]) {
    const url = cleanUrl(candidate);
    if (url) return url;
  }
  return 'unknown';
}

function cleanUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return clamp(`${url.origin}${url.pathname}`, MAX_FORM_URL_LENGTH);
}
