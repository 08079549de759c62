/**
 * The links in emails: GET shows the confirm or unsubscribe page and changes nothing;
 * POST (the page's button, or a mail provider's one-click) does it.
 */
import { COUNTER } from '../contract.js';
import { InvalidLinkError } from '../core/errors.js';
import { confirm, inspectLink, unsubscribe } from '../core/lifecycle.js';
import type { LinkPurpose } from '../core/tokens.js';
import { confirmPage, linkProblemPage, unsubscribedPage, unsubscribePage, welcomePage } from './pages.js';
import { count, problem, type Request, type RouteDeps } from './request.js';
import { type HttpResponse, html, json } from './response.js';
import { tokenSchema } from './schemas.js';

/** GET /confirm and GET /unsubscribe: check the link, show a button, change nothing. */
export async function showLink(req: Request, deps: RouteDeps, purpose: LinkPurpose): Promise<HttpResponse> {
  return withToken(req, req.query.get('token'), async (token) => {
    inspectLink(deps, token, purpose);
    return html(200, purpose === 'confirm' ? confirmPage(req.page, token) : unsubscribePage(req.page, token));
  });
}

export async function postConfirm(req: Request, deps: RouteDeps): Promise<HttpResponse> {
  if (req.body.type === 'too-large') return tooLarge(req);
  return withToken(req, tokenFromPost(req), async (token) => {
    const outcome = await confirm(deps, token);
    deps.log.info('Confirm', { outcome });
    if (outcome === 'confirmed') count(deps, COUNTER.confirmed);
    return html(200, welcomePage(req.page));
  });
}

/**
 * The unsubscribe button and RFC 8058 one-click both land here: 200 with a page, never a
 * redirect. Mail providers post `List-Unsubscribe=One-Click` as a form or multipart body
 * with the token in the query; a token in either kind of body works the same (RFC 8058).
 */
export async function postUnsubscribe(req: Request, deps: RouteDeps): Promise<HttpResponse> {
  if (req.body.type === 'too-large') return tooLarge(req);
  return withToken(req, tokenFromPost(req), async (token) => {
    const outcome = await unsubscribe(deps, token);
    deps.log.info('Unsubscribe', { outcome });
    if (outcome === 'unsubscribed') count(deps, COUNTER.unsubscribed);
    return html(200, unsubscribedPage(req.page));
  });
}

function tooLarge(req: Request): HttpResponse {
  return problem(req, 413, 'payload_too_large', 'Too large', 'The request is too large.');
}

function tokenFromPost(req: Request): string | null {
  const fromQuery = req.query.get('token');
  if (fromQuery) return fromQuery;
  return req.body.type === 'form' ? (req.body.first.get('token') ?? null) : null;
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
