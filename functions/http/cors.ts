/** Cross-origin answers for the sign-up endpoint, so a clinic's own site can post the form. */
import type { Request } from './request.js';
import { type HttpResponse, text } from './response.js';

/** CORS headers for /subscribe: only the configured origins may read the answer. */
export function corsHeaders(req: Request): Record<string, string> {
  const origin = req.headers.origin;
  // Vary even when refused, so a cache never serves one origin's answer to another.
  if (!origin || !req.page.settings.allowedOrigins.includes(origin)) return { vary: 'Origin' };
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

export async function preflight(req: Request): Promise<HttpResponse> {
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
