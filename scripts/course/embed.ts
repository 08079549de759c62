/** `course embed`: the snippet that puts the sign-up form on the clinic's own site. */
import { embedSnippet } from '../../functions/http/embed.js';
import type { CourseContext } from './context.js';
import { CommandError } from './errors.js';

/**
 * Prints the snippet on stdout (so `> snippet.html` keeps only it) and what to do next on
 * stderr: the API accepts posts only from the origins in `allowedOrigins`.
 */
export async function runEmbed(ctx: CourseContext): Promise<{ snippet: string }> {
  const apiUrl = ctx.settings.publicBaseUrl;
  if (!apiUrl) {
    throw new CommandError(`${ctx.target} has no public API URL yet: deploy the stack, then try again.`);
  }
  const snippet = embedSnippet(apiUrl);
  ctx.out.write(snippet);
  const origins = ctx.settings.allowedOrigins;
  ctx.err.write(
    origins.length > 0
      ? `\nPaste it into a page of ${origins.join(' or ')}. Another site's pages need their origin in allowedOrigins in course.config.json first.\n`
      : '\nallowedOrigins in course.config.json is empty: add your site\'s origin (e.g. "https://www.your-clinic.example") and deploy, or the form cannot post from your pages.\n',
  );
  return { snippet };
}
