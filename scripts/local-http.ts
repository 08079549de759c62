/**
 * Runs a Lambda HTTP handler behind a plain node:http server: each request becomes the
 * API Gateway HTTP API (payload 2.0) event the Lambda receives in production, and the
 * handler's structured result is written back the way API Gateway would.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';

/** The shape of the API Lambda's handler. */
export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;

/**
 * Largest body the local server reads. The API itself refuses anything over its own,
 * much smaller limit with a 413; this cap only keeps a runaway client from filling memory.
 * @default 1 MiB
 */
export const MAX_LOCAL_BODY_BYTES = 1024 * 1024;

/** The request body was larger than the local server is willing to read. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** Reads the whole body, refusing (without buffering the rest) once it passes `limit` bytes. */
export function readBody(req: IncomingMessage, limit = MAX_LOCAL_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new BodyTooLargeError(`Body of ${declared} bytes is over the ${limit}-byte limit`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new BodyTooLargeError(`Body is over the ${limit}-byte limit`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      if (!failed) reject(error);
    });
  });
}

/** Content types API Gateway passes as text; anything else arrives base64-encoded. */
function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript'
  );
}

/** Formats a time the way API Gateway's `requestContext.time` does: `12/Mar/2020:19:03:58 +0000`. */
function apiGatewayTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** The client address as API Gateway reports it: plain IPv4 where the socket speaks IPv4-mapped IPv6. */
function sourceIpOf(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

export interface EventOptions {
  /** Time of the request (requestContext.time). @default now */
  readonly now?: Date;
}

/**
 * Builds the API Gateway v2 event for one request. Like API Gateway: header names are
 * lower-cased and repeated headers (and repeated query parameters) are joined with
 * commas, cookies move to `cookies`, and a non-text body is base64-encoded.
 */
export function toApiGatewayEvent(
  req: IncomingMessage,
  body: Buffer,
  options: EventOptions = {},
): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://local.invalid');
  const method = (req.method ?? 'GET').toUpperCase();

  const headers: Record<string, string> = {};
  const raw = req.rawHeaders;
  const cookies: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }

  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }

  const now = options.now ?? new Date();
  const host = headers.host ?? 'localhost';
  const text = isTextContentType(headers['content-type']);
  const hasBody = body.length > 0;

  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.startsWith('?') ? url.search.slice(1) : url.search,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: sourceIpOf(req),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(hasBody ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !text,
  };
}

/**
 * Writes a handler's result back as API Gateway does: a structured result as given
 * (cookies as separate Set-Cookie headers, base64 bodies decoded); anything else as a
 * 200 JSON body.
 */
export function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  const structured: APIGatewayProxyStructuredResultV2 =
    typeof result === 'object' && result !== null && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : {
          statusCode: 200,
          headers: { 'content-type': 'application/json' },
          body: typeof result === 'string' ? result : JSON.stringify(result),
        };

  res.statusCode = structured.statusCode ?? 200;
  for (const [name, value] of Object.entries(structured.headers ?? {})) {
    res.setHeader(name, String(value));
  }
  if (structured.cookies && structured.cookies.length > 0) {
    res.setHeader('set-cookie', structured.cookies);
  }
  const body = structured.body ?? '';
  res.end(structured.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

export interface LocalHttpOptions {
  /** Where handler failures go (API Gateway answers 500 and the Lambda's log has the error). */
  readonly onError?: (error: unknown) => void;
  /** @default MAX_LOCAL_BODY_BYTES */
  readonly maxBodyBytes?: number;
}

/** A node:http request listener that serves `handler` exactly as API Gateway would invoke it. */
export function lambdaRequestListener(handler: HttpHandler, options: LocalHttpOptions = {}): RequestListener {
  return (req, res) => {
    void serve(handler, req, res, options);
  };
}

async function serve(
  handler: HttpHandler,
  req: IncomingMessage,
  res: ServerResponse,
  options: LocalHttpOptions,
): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(req, options.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      writeResult(res, jsonResult(413, { message: 'Request Entity Too Large' }, { connection: 'close' }));
    } else {
      res.destroy();
    }
    return;
  }
  try {
    writeResult(res, await handler(toApiGatewayEvent(req, body)));
  } catch (error) {
    options.onError?.(error);
    if (!res.headersSent) writeResult(res, jsonResult(500, { message: 'Internal Server Error' }));
    else res.destroy();
  }
}

/** A small JSON response (local-only routes and gateway-level errors). */
export function jsonResult(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/** Where the local stack's own endpoints live (never deployed). */
export const LOCAL_PATH = '/_local/';

/**
 * Why a request may not use a `/_local/*` endpoint, as the answer to send, or undefined.
 * Any web page the developer visits could post to localhost: a browser sends a cross-site
 * `text/plain` or form POST without asking, so only `application/json` is accepted (which a
 * page on another site cannot send without a CORS preflight this server never grants),
 * and a request a browser marks as from another origin is refused. curl sends no Origin.
 */
export function localEndpointRefusal(
  req: IncomingMessage,
  sitePort: number,
): APIGatewayProxyStructuredResultV2 | undefined {
  const origin = req.headers.origin;
  const local = ['localhost', '127.0.0.1', '[::1]'].map((host) => `http://${host}:${sitePort}`);
  const site = req.headers['sec-fetch-site'];
  if (
    (origin !== undefined && !local.includes(origin)) ||
    (site !== undefined && !['same-origin', 'none'].includes(String(site)))
  ) {
    return jsonResult(403, {
      message: 'Local endpoints answer only the local site or a local tool like curl',
    });
  }
  if (req.method === 'OPTIONS')
    return jsonResult(403, { message: 'Local endpoints allow no cross-origin requests' });
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (req.method === 'POST' && mediaType !== 'application/json') {
    return jsonResult(415, { message: 'Send application/json' });
  }
  return undefined;
}
