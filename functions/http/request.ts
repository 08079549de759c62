/**
 * A request as the routes see it, built once per event: stage-free path, lower-cased
 * headers, and the body parsed once by its media type. Also the helpers every route
 * shares. Route files import this module; it imports no route.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { LifecycleDeps } from '../core/lifecycle.js';
import type { ClientBudget } from '../core/limits.js';
import type { Logger, MetricsSink } from '../core/ports.js';
import type { CourseSettings } from '../core/settings.js';
import { boundaryOf, parseMultipart } from './multipart.js';
import { messagePage, type PageContext } from './pages.js';
import { type HttpResponse, html, json } from './response.js';
import { MAX_BODY_BYTES } from './schemas.js';

const MAX_IP_LENGTH = 64;
const MAX_USER_AGENT_LENGTH = 512;
const FORM = 'application/x-www-form-urlencoded';
const MULTIPART = 'multipart/form-data';
const JSON_TYPE = 'application/json';

/** A form body, urlencoded or multipart (its text fields). */
export interface FormBody {
  readonly type: 'form';
  /** Each field's last value, as the sign-up schema reads them. */
  readonly fields: Readonly<Record<string, string>>;
  /**
   * Each field's first value, as `URLSearchParams.get` gives it: where a link token and
   * the honeypot of a refused sign-up have always been read.
   */
  readonly first: ReadonlyMap<string, string>;
  /** More than one `email` field: two addresses. */
  readonly repeatedEmail: boolean;
}

/**
 * The body, parsed once. Over MAX_BODY_BYTES it is not even decoded; a media type
 * other than a form or JSON is not parsed.
 */
export type ParsedBody =
  | FormBody
  | { readonly type: 'json'; readonly value: unknown }
  | { readonly type: 'invalid-json' }
  /** A multipart body that is not well formed, or has no usable boundary. */
  | { readonly type: 'invalid-form' }
  | { readonly type: 'too-large' }
  | { readonly type: 'none' };

export interface Request {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names lower-cased (HTTP API already does; tests and local servers might not). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ParsedBody;
  /** The caller wants JSON errors rather than pages. */
  readonly wantsJson: boolean;
  readonly sourceIp: string;
  readonly userAgent: string;
  /** Settings (with this request's public base URL) and the stage's path prefix. */
  readonly page: PageContext;
}

/** The API's options beside the lifecycle's ports. */
export interface ApiOptions {
  /** @default a logger that drops everything */
  log?: Logger;
  /** The dashboard graphs `signedUp`, `confirmed` and `unsubscribed` from these. */
  metrics?: MetricsSink;
  /**
   * Least time, in milliseconds, an accepted sign-up takes to answer. Only an address due
   * a confirmation waits for the mail service, so without a floor the time taken would
   * tell a new address from an active or suppressed one. @default 0 (no floor)
   */
  signupMinMs?: number;
  /** How the floor waits; tests pass their own. @default a timer */
  sleep?: (ms: number) => Promise<void>;
  /** Sign-ups one client (IPv4 address or IPv6 /64) may make per window. @default DEFAULT_CLIENT_BUDGET */
  clientBudget?: ClientBudget;
}

/** What a route runs with: this request's link tokens and settings, and a logger. */
export type RouteDeps = LifecycleDeps & ApiOptions & { log: Logger };

export type Route = (req: Request, deps: RouteDeps) => Promise<HttpResponse>;

/**
 * Builds the routes' view of an event. With no configured public base URL, links point
 * at the API's own domain (and stage), so `page.settings` carries that URL.
 */
export function toRequest(event: APIGatewayProxyEventV2, configured: CourseSettings): Request {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }

  // On a named stage the raw path starts with the stage; links must keep it.
  const stage = event.requestContext.stage;
  let path = event.rawPath || '/';
  let basePath = '';
  if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) {
    basePath = `/${stage}`;
    path = path.slice(basePath.length) || '/';
  }
  const settings = configured.publicBaseUrl
    ? configured
    : { ...configured, publicBaseUrl: `https://${event.requestContext.domainName}${basePath}` };

  const mediaType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const accept = headers.accept ?? '';
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path,
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    body: parseBody(event, mediaType, headers['content-type'] ?? ''),
    wantsJson: mediaType === JSON_TYPE || (accept.includes(JSON_TYPE) && !accept.includes('text/html')),
    sourceIp: clamp(event.requestContext.http.sourceIp ?? '', MAX_IP_LENGTH),
    userAgent: clamp(
      event.requestContext.http.userAgent ?? headers['user-agent'] ?? '',
      MAX_USER_AGENT_LENGTH,
    ),
    page: { settings, basePath },
  };
}

function parseBody(event: APIGatewayProxyEventV2, mediaType: string, contentType: string): ParsedBody {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) return { type: 'too-large' };
  if (mediaType === FORM) return formBody([...new URLSearchParams(bytes.toString('utf8'))]);
  if (mediaType === MULTIPART) {
    const boundary = boundaryOf(contentType);
    const fields = boundary === undefined ? undefined : parseMultipart(bytes, boundary);
    return fields ? formBody(fields) : { type: 'invalid-form' };
  }
  if (mediaType === JSON_TYPE) {
    try {
      return { type: 'json', value: JSON.parse(bytes.toString('utf8')) };
    } catch {
      return { type: 'invalid-json' };
    }
  }
  return { type: 'none' };
}

function formBody(pairs: readonly [string, string][]): FormBody {
  const first = new Map<string, string>();
  for (const [name, value] of pairs) if (!first.has(name)) first.set(name, value);
  return {
    type: 'form',
    fields: Object.fromEntries(pairs),
    first,
    repeatedEmail: pairs.filter(([name]) => name === 'email').length > 1,
  };
}

/** An error as JSON or as a page, whichever the caller wants. */
export function problem(
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

/** Publishes one course event as a metric, named like the course counter it mirrors. */
export function count(deps: RouteDeps, name: string): void {
  deps.metrics?.publish([{ name, value: 1 }]);
}

export function clamp(value: string, max: number): string {
  // Control characters have no place in stored consent data or logs.
  const cleaned = value.replace(/\p{Cc}/gu, '');
  return cleaned.length > max ? cleaned.slice(0, max) : cleaned;
}
