/**
 * API Gateway HTTP API (payload 2.0) events for driving the API handler in tests, shaped
 * like the ones API Gateway sends: lower-case header names, the raw query string, and
 * a base64 body when asked (API Gateway encodes form bodies at times).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export const TEST_DOMAIN = 'abc123.execute-api.eu-west-1.amazonaws.com';

export interface HttpEventOptions {
  readonly method?: string;
  /** Path with an optional query string: `/confirm?token=...`. */
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Send the body base64-encoded. @default false */
  readonly base64?: boolean;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /** @default '$default' */
  readonly stage?: string;
  readonly domainName?: string;
}

const DEFAULT_USER_AGENT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148 Safari/604.1';

/** One request as API Gateway would hand it to the Lambda. */
export function httpEvent(options: HttpEventOptions = {}): APIGatewayProxyEventV2 {
  const method = (options.method ?? 'GET').toUpperCase();
  const [rawPath = '/', rawQueryString = ''] = (options.path ?? '/').split(/\?(.*)/s);
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  const domainName = options.domainName ?? TEST_DOMAIN;
  const stage = options.stage ?? '$default';
  const headers: Record<string, string> = {
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    host: domainName,
    'user-agent': userAgent,
    'x-forwarded-for': options.sourceIp ?? '203.0.113.7',
    'x-forwarded-proto': 'https',
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;

  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  if (body) headers['content-length'] = String(body.length);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: domainName.split('.')[0] ?? 'api',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? '203.0.113.7',
        userAgent,
      },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: '$default',
      stage,
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body ? { body: options.base64 ? body.toString('base64') : body.toString('utf8') } : {}),
    isBase64Encoded: Boolean(body && options.base64),
  };
}

/** A form post as a browser sends it (fields in order; repeat a name by repeating the pair). */
export function formPost(
  path: string,
  fields: Readonly<Record<string, string>> | readonly (readonly [string, string])[],
  options: Omit<HttpEventOptions, 'method' | 'path' | 'body'> = {},
): APIGatewayProxyEventV2 {
  const pairs = Array.isArray(fields) ? fields : Object.entries(fields);
  return httpEvent({
    ...options,
    method: 'POST',
    path,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
    body: new URLSearchParams(pairs as [string, string][]).toString(),
  });
}

/** A fetch() JSON post. `body` is sent as given when it is a string. */
export function jsonPost(
  path: string,
  body: unknown,
  options: Omit<HttpEventOptions, 'method' | 'path' | 'body'> = {},
): APIGatewayProxyEventV2 {
  return httpEvent({
    ...options,
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
