/**
 * The sign-up API behind API Gateway's HTTP API (payload v2): the hosted sign-up page,
 * the form and JSON endpoint, the confirm and unsubscribe pages, and their one-click
 * POSTs. Each route parses and checks its input, calls the lifecycle, and maps the
 * result or a domain error to a response. No GET changes anything.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { $ZodError } from 'zod/v4/core';
import { COUNTER } from '../contract.js';
import { InvalidLinkError } from '../core/errors.js';
import { normaliseEmail, subscriberId } from '../core/identity.js';
import {
  confirm,
  inspectLink,
  type LifecycleDeps,
  type SignupInput,
  subscribe,
  unsubscribe,
} from '../core/lifecycle.js';
import {
  ConflictError,
  type Logger,
  MailerPausedError,
  MailerRejectedError,
  MailerRetryableError,
  type MetricsSink,
  silentLogger,
} from '../core/ports.js';
import { describeError } from '../core/redact.js';
import type { LinkPurpose } from '../core/tokens.js';
import { signupJs, siteCss } from './assets.js';
import {
  checkInboxPage,
  confirmPage,
  type FormError,
  linkProblemPage,
  messagePage,
  type PageContext,
  signupPage,
  unsubscribedPage,
  unsubscribePage,
  welcomePage,
} from './pages.js';
import { type HttpResponse, html, json, redirect, text } from './response.js';
import {
  firstIssue,
  HONEYPOT_FIELD,
  MAX_BODY_BYTES,
  type SignupFields,
  signupFormSchema,
  signupJsonSchema,
  tokenSchema,
} from './schemas.js';

/**
 * What the API needs: the lifecycle's ports, plus a logger and a metrics sink (the
 * dashboard graphs `signedUp`, `confirmed` and `unsubscribed` from these).
 */
export type ApiDeps = LifecycleDeps & {
  log?: Logger;
  metrics?: MetricsSink;
  /**
   * Least time, in milliseconds, an accepted sign-up takes to answer. Only an address due
   * a confirmation waits for the mail service, so without a floor the time taken would
   * tell a new address from an active or suppressed one. @default 0 (no floor)
   */
  signupMinMs?: number;
  /** How the floor waits; tests pass their own. @default a timer */
  sleep?: (ms: number) => Promise<void>;
};

/**
 * The deployed API's floor for accepted sign-ups: above what a confirmation (a few
 * DynamoDB writes and one SES call) normally takes.
 */
export const SIGNUP_MIN_MS = 1000;

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** The one answer to every accepted sign-up, whatever the address's state. */
export const SIGNUP_ACCEPTED_MESSAGE =
  'Check your inbox: if the address can receive the course, a confirmation email is on its way.';

const MAX_IP_LENGTH = 64;
const MAX_USER_AGENT_LENGTH = 512;
const MAX_FORM_URL_LENGTH = 512;
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
/** Assets change only with a deployment; an hour keeps pages fast without stale styles for long. */
const ASSET_CACHE = 'public, max-age=3600';

/** A request as the routes see it: decoded body, stage-free path, and where links should point. */
interface Request {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names lower-cased (HTTP API already does; tests and local servers might not). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly bodyBytes: number;
  /** The request's media type without parameters, lower-cased; '' when absent. */
  readonly mediaType: string;
  /** The caller wants JSON errors rather than pages. */
  readonly wantsJson: boolean;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly page: PageContext;
  readonly deps: ApiDeps;
  readonly log: Logger;
}

type Route = (req: Request) => Promise<HttpResponse>;

/**
 * Builds the API handler. When `settings.publicBaseUrl` is empty (the stack cannot give a
 * function its own API's URL without a circular reference) the base URL of links in
 * emails is derived per request from the API's domain name.
 */
export function createApi(deps: ApiDeps): ApiHandler {
  const log = deps.log ?? silentLogger;
  const routes: Readonly<Record<string, Readonly<Record<string, Route>>>> = {
    '/': { GET: home },
    '/subscribe': { POST: postSubscribe, OPTIONS: preflight },
    '/check-inbox': { GET: async (req) => html(200, checkInboxPage(req.page)) },
    '/confirm': { GET: (req) => showLink(req, 'confirm'), POST: postConfirm },
    '/unsubscribe': { GET: (req) => showLink(req, 'unsubscribe'), POST: postUnsubscribe },
    '/health': { GET: async () => json(200, { ok: true }) },
    '/assets/site.css': { GET: async () => asset(siteCss, 'text/css; charset=utf-8') },
    '/assets/signup.js': { GET: async () => asset(signupJs, 'text/javascript; charset=utf-8') },
  };

  return async (event) => {
    const req = toRequest(event, deps, log);
    const methods = routes[req.path];
    if (!methods) {
      return problem(req, 404, 'not_found', 'Page not found', 'There is no page at this address.');
    }
    const head = req.method === 'HEAD' && !methods.HEAD;
    const route = methods[head ? 'GET' : req.method];
    if (!route) {
      const allow = Object.keys(methods);
      if (methods.GET) allow.push('HEAD');
      return problem(
        req,
        405,
        'method_not_allowed',
        'Not allowed',
        'This page does not accept that request.',
        {
          allow: allow.join(', '),
        },
      );
    }
    try {
      const response = await route(req);
      return head ? { ...response, body: '' } : response;
    } catch (error) {
      log.error('Request failed', { path: req.path, error: describeError(error) });
      const later = 'Please try again in a few minutes.';
      const cors = req.path === '/subscribe' ? corsHeaders(req) : {};
      if (error instanceof MailerRetryableError || error instanceof MailerPausedError) {
        return problem(req, 503, 'unavailable', 'Busy right now', later, { ...cors, 'retry-after': '120' });
      }
      return problem(req, 500, 'internal_error', 'Something went wrong', later, cors);
    }
  };
}

function toRequest(event: APIGatewayProxyEventV2, deps: ApiDeps, log: Logger): Request {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');

  // On a named stage the raw path starts with the stage; links must keep it.
  const stage = event.requestContext.stage;
  let path = event.rawPath || '/';
  let basePath = '';
  if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) {
    basePath = `/${stage}`;
    path = path.slice(basePath.length) || '/';
  }

  const configuredBase = deps.settings.publicBaseUrl;
  const publicBaseUrl = configuredBase || `https://${event.requestContext.domainName}${basePath}`;
  const settings = configuredBase ? deps.settings : { ...deps.settings, publicBaseUrl };

  const mediaType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const accept = headers.accept ?? '';
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path,
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    body: bytes.toString('utf8'),
    bodyBytes: bytes.length,
    mediaType,
    wantsJson: mediaType === JSON_TYPE || (accept.includes(JSON_TYPE) && !accept.includes('text/html')),
    sourceIp: clamp(event.requestContext.http.sourceIp ?? '', MAX_IP_LENGTH),
    userAgent: clamp(
      event.requestContext.http.userAgent ?? headers['user-agent'] ?? '',
      MAX_USER_AGENT_LENGTH,
    ),
    page: { settings, basePath },
    deps: configuredBase ? deps : { ...deps, settings },
    log,
  };
}

async function home(req: Request): Promise<HttpResponse> {
  return html(200, signupPage(req.page, { formUrl: `${req.page.settings.publicBaseUrl}/` }));
}

function asset(body: string, contentType: string): HttpResponse {
  return text(200, body, { contentType, headers: { 'cache-control': ASSET_CACHE } });
}

// ---------------------------------------------------------------- sign-up

function corsHeaders(req: Request): Record<string, string> {
  const origin = req.headers.origin;
  // Vary even when refused, so a cache never serves one origin's answer to another.
  if (!origin || !req.deps.settings.allowedOrigins.includes(origin)) return { vary: 'Origin' };
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

async function preflight(req: Request): Promise<HttpResponse> {
  const cors = corsHeaders(req);
  if (!cors['access-control-allow-origin']) return text(204, '', { headers: cors });
  return text(204, '', {
    headers: {
      ...cors,
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type, accept',
      'access-control-max-age': '600',
    },
  });
}

/**
 * Sign-up. Whatever the address's state (new, pending, active, unsubscribed, suppressed),
 * and for a filled honeypot, the answer is the same: 303 to /check-inbox for a form, 202
 * for JSON. Only problems with the input itself get a 4xx. A sign-up that reaches the
 * lifecycle answers no sooner than `signupMinMs` after it arrived, whatever happened.
 */
async function postSubscribe(req: Request): Promise<HttpResponse> {
  const started = performance.now();
  const cors = corsHeaders(req);
  const fail = (
    status: number,
    code: string,
    message: string,
    values?: Partial<SignupFields>,
    field?: string,
  ) => signupProblem(req, cors, status, code, message, values, field);

  if (req.bodyBytes > MAX_BODY_BYTES) {
    return fail(413, 'payload_too_large', 'The request is too large.');
  }
  let parsed: { success: true; data: SignupFields } | { success: false; error: $ZodError };
  let typed: Partial<SignupFields> = {};
  if (req.mediaType === JSON_TYPE) {
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return fail(400, 'invalid_json', 'The request body is not valid JSON.');
    }
    parsed = signupJsonSchema.safeParse(body);
  } else if (req.mediaType === FORM) {
    const form = new URLSearchParams(req.body);
    // Two email fields are two addresses: refuse rather than pick one.
    if (form.getAll('email').length > 1) {
      return fail(400, 'invalid_email', 'Enter just one email address.');
    }
    const fields = Object.fromEntries(form);
    typed = { email: fields.email, firstName: fields.firstName, timeZone: fields.timeZone };
    parsed = signupFormSchema.safeParse(fields);
  } else {
    return fail(
      415,
      'unsupported_media_type',
      'Send the form as application/x-www-form-urlencoded or application/json.',
    );
  }

  if (isBot(parsed, req)) return signupAccepted(req, cors);
  if (!parsed.success) {
    const { field, message, code } = firstIssue(parsed.error);
    return fail(400, code, message, typed, field);
  }

  const fields = parsed.data;
  const input: SignupInput = {
    email: fields.email,
    ...(fields.firstName ? { firstName: fields.firstName } : {}),
    ...(fields.timeZone ? { timeZone: fields.timeZone } : {}),
    consent: { ip: req.sourceIp, userAgent: req.userAgent, formUrl: formUrlOf(req, fields.source) },
  };
  const id = subscriberId(normaliseEmail(fields.email));
  try {
    const outcome = await subscribe(req.deps, input);
    req.log.info('Sign-up', { subscriberId: id, outcome });
    if (outcome === 'created' || outcome === 'reopened') count(req, COUNTER.signedUp);
  } catch (error) {
    // A lost race, an address the mail service refuses, or sending throttled or paused:
    // still the neutral answer. Only an address that is due a confirmation ever reaches
    // the mail service, so any other answer would tell that it is not active or
    // suppressed (and anyone can exhaust the sending rate to provoke it). The failed
    // send gave the cooldown back, so signing up again retries at once.
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
    req.log[level]('Sign-up not completed', { subscriberId: id, error: describeError(error) });
  }
  const left = (req.deps.signupMinMs ?? 0) - (performance.now() - started);
  if (left > 0) await (req.deps.sleep ?? wait)(left);
  return signupAccepted(req, cors);
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A filled honeypot, however the rest of the form looks. */
function isBot(parsed: { success: boolean; data?: SignupFields }, req: Request): boolean {
  let value: unknown;
  if (parsed.success) value = parsed.data?.[HONEYPOT_FIELD];
  else if (req.mediaType === FORM) value = new URLSearchParams(req.body).get(HONEYPOT_FIELD);
  else {
    try {
      value = (JSON.parse(req.body) as Record<string, unknown> | null)?.[HONEYPOT_FIELD];
    } catch {
      value = undefined;
    }
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

// ---------------------------------------------------------------- links

/** GET /confirm and GET /unsubscribe: check the link, show a button, change nothing. */
async function showLink(req: Request, purpose: LinkPurpose): Promise<HttpResponse> {
  return withToken(req, req.query.get('token'), async (token) => {
    inspectLink(req.deps, token, purpose);
    return html(200, purpose === 'confirm' ? confirmPage(req.page, token) : unsubscribePage(req.page, token));
  });
}

async function postConfirm(req: Request): Promise<HttpResponse> {
  if (req.bodyBytes > MAX_BODY_BYTES)
    return problem(req, 413, 'payload_too_large', 'Too large', 'The request is too large.');
  return withToken(req, tokenFromPost(req), async (token) => {
    const outcome = await confirm(req.deps, token);
    req.log.info('Confirm', { outcome });
    if (outcome === 'confirmed') count(req, COUNTER.confirmed);
    return html(200, welcomePage(req.page));
  });
}

/**
 * The unsubscribe button and RFC 8058 one-click both land here: 200 with a page, never a
 * redirect. Mail providers post `List-Unsubscribe=One-Click` as a form or multipart body
 * with the token in the query, so the body's type does not matter when the query has it.
 */
async function postUnsubscribe(req: Request): Promise<HttpResponse> {
  if (req.bodyBytes > MAX_BODY_BYTES)
    return problem(req, 413, 'payload_too_large', 'Too large', 'The request is too large.');
  return withToken(req, tokenFromPost(req), async (token) => {
    const outcome = await unsubscribe(req.deps, token);
    req.log.info('Unsubscribe', { outcome });
    if (outcome === 'unsubscribed') count(req, COUNTER.unsubscribed);
    return html(200, unsubscribedPage(req.page));
  });
}

/** Publishes one course event as a metric, named like the course counter it mirrors. */
function count(req: Request, name: string): void {
  req.deps.metrics?.publish([{ name, value: 1 }]);
}

function tokenFromPost(req: Request): string | null {
  const fromQuery = req.query.get('token');
  if (fromQuery) return fromQuery;
  return req.mediaType === FORM ? new URLSearchParams(req.body).get('token') : null;
}

/** Runs `action` with a well-formed token; answers a refused link with a clear page. */
async function withToken(
  req: Request,
  token: string | null,
  action: (token: string) => Promise<HttpResponse>,
): Promise<HttpResponse> {
  if (token === null || !tokenSchema.safeParse(token).success) return linkProblem(req, 'invalid');
  try {
    return await action(token);
  } catch (error) {
    if (error instanceof InvalidLinkError) return linkProblem(req, error.reason);
    throw error;
  }
}

/** 410 Gone for an expired link (it did exist), 400 for anything else. */
function linkProblem(req: Request, reason: 'invalid' | 'expired'): HttpResponse {
  const status = reason === 'expired' ? 410 : 400;
  if (req.wantsJson) {
    const message = reason === 'expired' ? 'The link has expired.' : 'The link is not valid.';
    return json(status, { error: { code: reason === 'expired' ? 'expired_link' : 'invalid_link', message } });
  }
  return html(status, linkProblemPage(req.page, reason));
}

// ---------------------------------------------------------------- shared

function problem(
  req: Request,
  status: number,
  code: string,
  title: string,
  message: string,
  headers: Record<string, string> = {},
): HttpResponse {
  if (req.wantsJson) return json(status, { error: { code, message } }, headers);
  return html(status, messagePage(req.page, title, message), headers);
}

function titleFor(status: number): string {
  if (status === 413) return 'Too large';
  if (status === 415) return 'Form not understood';
  return 'Something is wrong';
}

function clamp(value: string, max: number): string {
  // Control characters have no place in stored consent data or logs.
  const cleaned = value.replace(/\p{Cc}/gu, '');
  return cleaned.length > max ? cleaned.slice(0, max) : cleaned;
}
