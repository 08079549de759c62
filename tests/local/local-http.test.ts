import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpHandler, lambdaRequestListener } from '../../scripts/local-http.js';

let server: Server | undefined;

afterEach(async () => {
  server?.close();
  server = undefined;
});

/** Serves `respond` through the local mapping; returns the base URL and the events the handler saw. */
async function serve(
  respond: (
    event: APIGatewayProxyEventV2,
  ) => APIGatewayProxyResultV2 | Promise<APIGatewayProxyResultV2> = () => ({
    statusCode: 204,
  }),
  options: { maxBodyBytes?: number; errors?: unknown[] } = {},
) {
  const events: APIGatewayProxyEventV2[] = [];
  const handler: HttpHandler = async (event) => {
    events.push(event);
    return respond(event);
  };
  server = createServer(
    lambdaRequestListener(handler, {
      ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
      onError: (e) => options.errors?.push(e),
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, events };
}

describe('local HTTP mapping: request to API Gateway v2 event', () => {
  it('maps method, path, query and lower-cased headers like API Gateway', async () => {
    const { url, events } = await serve();

    await fetch(`${url}/confirm?token=abc&x=1&x=2`, {
      headers: { 'X-Custom': 'yes', 'User-Agent': 'test-agent/1.0' },
    });

    const event = events[0] as APIGatewayProxyEventV2;
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('$default');
    expect(event.rawPath).toBe('/confirm');
    expect(event.rawQueryString).toBe('token=abc&x=1&x=2');
    expect(event.queryStringParameters).toEqual({ token: 'abc', x: '1,2' });
    expect(event.headers['x-custom']).toBe('yes');
    expect(event.headers).not.toHaveProperty('X-Custom');
    expect(event.requestContext.http).toMatchObject({
      method: 'GET',
      path: '/confirm',
      sourceIp: '127.0.0.1',
      userAgent: 'test-agent/1.0',
    });
    expect(event.requestContext.domainName).toBe(new URL(url).host);
    expect(event.requestContext.time).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
  });

  it('leaves out query parameters and cookies when there are none', async () => {
    const { url, events } = await serve();

    await fetch(`${url}/`);

    expect(events[0]?.queryStringParameters).toBeUndefined();
    expect(events[0]?.cookies).toBeUndefined();
    expect(events[0]?.rawQueryString).toBe('');
  });

  it('moves cookies out of the headers into the cookies list', async () => {
    const { url, events } = await serve();

    await fetch(`${url}/`, { headers: { cookie: 'a=1; b=2' } });

    expect(events[0]?.cookies).toEqual(['a=1', 'b=2']);
    expect(events[0]?.headers).not.toHaveProperty('cookie');
  });

  it('passes a form body as text', async () => {
    const { url, events } = await serve();

    await fetch(`${url}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=reader%40example.com&firstName=Ann',
    });

    expect(events[0]?.requestContext.http.method).toBe('POST');
    expect(events[0]?.body).toBe('email=reader%40example.com&firstName=Ann');
    expect(events[0]?.isBase64Encoded).toBe(false);
  });

  it('base64-encodes a binary body', async () => {
    const { url, events } = await serve();
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);

    await fetch(`${url}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });

    expect(events[0]?.isBase64Encoded).toBe(true);
    expect(Buffer.from(events[0]?.body ?? '', 'base64')).toEqual(bytes);
  });

  it('passes a body over the API limit through, so the API itself can answer 413', async () => {
    const { url, events } = await serve((event) => ({
      statusCode: (event.body?.length ?? 0) > 10 * 1024 ? 413 : 200,
    }));

    const res = await fetch(`${url}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=${'a'.repeat(20 * 1024)}`,
    });

    expect(res.status).toBe(413);
    expect(events[0]?.body?.length).toBe(20 * 1024 + 6);
  });

  it('refuses a body over the local read cap without calling the handler', async () => {
    const { url, events } = await serve(undefined, { maxBodyBytes: 1000 });

    const res = await fetch(`${url}/subscribe`, { method: 'POST', body: 'x'.repeat(5000) });

    expect(res.status).toBe(413);
    expect(events).toHaveLength(0);
  });
});

describe('local HTTP mapping: structured result to response', () => {
  it('writes status, headers, every cookie and the body', async () => {
    const { url } = await serve(() => ({
      statusCode: 303,
      headers: { location: '/check-inbox', 'x-count': 3, 'cache-control': 'no-store' },
      cookies: ['a=1; Path=/', 'b=2; Path=/; HttpOnly'],
      body: 'see other',
    }));

    const res = await fetch(`${url}/subscribe`, { method: 'POST', redirect: 'manual' });

    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/check-inbox');
    expect(res.headers.get('x-count')).toBe('3');
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
    expect(await res.text()).toBe('see other');
  });

  it('decodes a base64 body', async () => {
    const png = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
    const { url } = await serve(() => ({
      statusCode: 200,
      headers: { 'content-type': 'image/png' },
      body: png.toString('base64'),
      isBase64Encoded: true,
    }));

    const res = await fetch(`${url}/logo.png`);

    expect(Buffer.from(await res.arrayBuffer())).toEqual(png);
  });

  it('answers a plain string result as a 200 JSON body', async () => {
    const { url } = await serve(() => '{"ok":true}');

    const res = await fetch(`${url}/health`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers 500 without details when the handler throws, and reports the error', async () => {
    const errors: unknown[] = [];
    const { url } = await serve(
      () => {
        throw new Error('boom: secret detail');
      },
      { errors },
    );

    const res = await fetch(`${url}/`);

    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret detail');
    expect(errors).toHaveLength(1);
  });
});
