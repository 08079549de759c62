/** The pages that change nothing: the sign-up page, "check your inbox", health, assets. */

import { accentColorOf } from '../core/settings.js';
import { signupJs, siteCss } from './assets.js';
import { checkInboxPage, signupPage } from './pages.js';
import type { Request } from './request.js';
import { type HttpResponse, html, json, text } from './response.js';

/** Assets change only with a deployment; an hour keeps pages fast without stale styles for long. */
const ASSET_CACHE = 'public, max-age=3600';

export async function home(req: Request): Promise<HttpResponse> {
  return html(200, signupPage(req.page, { formUrl: `${req.page.settings.publicBaseUrl}/` }));
}

export async function checkInbox(req: Request): Promise<HttpResponse> {
  return html(200, checkInboxPage(req.page));
}

export async function health(): Promise<HttpResponse> {
  return json(200, { ok: true });
}

/** The stylesheet in the clinic's accent; pages ask for `?accent=<hex>`, so a new colour is a new URL. */
export async function styles(req: Request): Promise<HttpResponse> {
  return asset(siteCss(accentColorOf(req.page.settings)), 'text/css; charset=utf-8');
}

export async function script(): Promise<HttpResponse> {
  return asset(signupJs, 'text/javascript; charset=utf-8');
}

function asset(body: string, contentType: string): HttpResponse {
  return text(200, body, { contentType, headers: { 'cache-control': ASSET_CACHE } });
}
