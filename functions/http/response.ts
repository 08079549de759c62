/**
 * The one response helper of the sign-up API. Every answer carries the same security
 * headers, so no route can forget them.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
};

export type Headers = Readonly<Record<string, string>>;

/**
 * The pages load only their own stylesheet and script and post only to their own
 * origin: no inline code, no third parties, no framing. `form-action 'self'` is enough
 * because every form on these pages posts back to this API (forms embedded on the
 * clinic's site live under that site's policy, not this one).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "script-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * The policy of a page that shows the clinic's logo: images from the logo's origin too,
 * and nothing else loosened.
 */
export function policyWithImagesFrom(logoUrl: string | undefined): string {
  if (!logoUrl || !URL.canParse(logoUrl)) return CONTENT_SECURITY_POLICY;
  const { origin } = new URL(logoUrl);
  return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", `img-src 'self' data: ${origin}`);
}

/** Headers on every response, pages and JSON alike. */
export const SECURITY_HEADERS: Headers = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  // Links carry tokens in their query: never hand them on to another site.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=31536000',
  'cross-origin-opener-policy': 'same-origin',
};

/** Dynamic answers are never cached: they depend on tokens and state. */
const NO_STORE = 'no-store';

function respond(statusCode: number, contentType: string, body: string, headers: Headers = {}): HttpResponse {
  return {
    statusCode,
    headers: {
      ...SECURITY_HEADERS,
      'content-type': contentType,
      'cache-control': NO_STORE,
      ...headers,
    },
    body,
  };
}

/** An HTML page (UTF-8, not cached). */
export function html(statusCode: number, body: string, headers?: Headers): HttpResponse {
  return respond(statusCode, 'text/html; charset=utf-8', body, headers);
}

/** A JSON document (not cached). */
export function json(statusCode: number, value: unknown, headers?: Headers): HttpResponse {
  return respond(statusCode, 'application/json; charset=utf-8', JSON.stringify(value), headers);
}

/**
 * Plain text by default; `contentType` serves the static assets (with their own
 * cache-control) through the same headers.
 */
export function text(
  statusCode: number,
  body: string,
  options: { contentType?: string; headers?: Headers } = {},
): HttpResponse {
  return respond(statusCode, options.contentType ?? 'text/plain; charset=utf-8', body, options.headers);
}

/** A redirect; 303 by default so a form POST lands on a GET page (post/redirect/get). */
export function redirect(location: string, statusCode = 303, headers?: Headers): HttpResponse {
  return respond(statusCode, 'text/plain; charset=utf-8', '', { ...headers, location });
}
