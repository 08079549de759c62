/**
 * The sign-up API behind API Gateway's HTTP API (payload v2): the hosted sign-up page,
 * the form and JSON endpoint, the confirm and unsubscribe pages, and their one-click
 * POSTs. This file routes; each route file parses and checks its input, calls the
 * lifecycle, and maps the result or a domain error to a response. No GET changes anything.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { currentPseudonymKey, type PseudonymKeySource } from '../core/identity.js';
import type { LifecycleDeps } from '../core/lifecycle.js';
import type { SignupLimiter } from '../core/limits.js';
import { MailerPausedError, MailerRetryableError, silentLogger } from '../core/ports.js';
import { describeError } from '../core/redact.js';
import { currentTokens, type TokenSource } from '../core/tokens.js';
import { corsHeaders, preflight } from './cors.js';
import { embedScript } from './embed.js';
import { lessonImageRoutes } from './image-routes.js';
import { postConfirm, postUnsubscribe, showLink } from './link-routes.js';
import { checkInbox, health, home, script, styles } from './page-routes.js';
import { type ApiOptions, problem, type Request, type Route, toRequest } from './request.js';
import { type HttpResponse, policyWithImagesFrom } from './response.js';
import { postSubscribe } from './signup-route.js';

/**
 * What the API needs: the lifecycle's ports, with the link tokens fixed or read on demand,
 * plus a logger, a metrics sink and the sign-up timing floor (see ApiOptions).
 */
export type ApiDeps = Omit<LifecycleDeps, 'tokens' | 'pseudonymKey'> &
  ApiOptions & {
    /** Resolved once per request, so a rotated key set is used without rebuilding the API. */
    tokens: TokenSource;
    /** The subscriber ids' key, fixed or read from its secret (it never rotates). */
    pseudonymKey: PseudonymKeySource;
    /** Counts sign-ups per client and confirmations per mailbox. */
    limiter: SignupLimiter;
  };

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

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
    '/check-inbox': { GET: checkInbox },
    '/confirm': { GET: (req, d) => showLink(req, d, 'confirm'), POST: postConfirm },
    '/unsubscribe': { GET: (req, d) => showLink(req, d, 'unsubscribe'), POST: postUnsubscribe },
    '/health': { GET: health },
    '/assets/site.css': { GET: styles },
    '/assets/signup.js': { GET: script },
    '/embed.js': { GET: embedScript },
    ...lessonImageRoutes(),
  };

  return async (event) => {
    const req = toRequest(event, deps.settings);
    return withLogo(await answer(req), req.page.settings.logo?.url);
  };

  async function answer(req: Request): Promise<HttpResponse> {
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
      const tokens = await currentTokens(deps.tokens);
      const pseudonymKey = await currentPseudonymKey(deps.pseudonymKey);
      const response = await route(req, { ...deps, settings: req.page.settings, tokens, pseudonymKey, log });
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
  }
}

/** Lets a page load the clinic's logo from its own host (CSP img-src). */
function withLogo(response: HttpResponse, logoUrl: string | undefined): HttpResponse {
  if (!logoUrl || !response.headers['content-type']?.startsWith('text/html')) return response;
  return {
    ...response,
    headers: { ...response.headers, 'content-security-policy': policyWithImagesFrom(logoUrl) },
  };
}
