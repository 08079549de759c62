/** `course send-test <email-id> <address>`: one email with sample data, to see it in a real inbox. */
import type { EmailId } from '../../functions/core/course.js';
import { renderEmail, sampleVariables } from '../../functions/core/render.js';
import { bookingLink } from '../../functions/core/settings.js';
import type { CourseContext } from './context.js';

/**
 * Renders the email with its sample data (the clinic's own name, address, site and booking
 * page where the email shows them) and sends it with "[TEST] " before the subject. Its tags carry
 * no course or email id, so mail events never count it in the course statistics.
 */
export async function runSendTest(
  ctx: CourseContext,
  id: EmailId,
  to: string,
): Promise<{ messageId: string }> {
  const vars = { ...sampleVariables(id) };
  const clinic: Record<string, string> = {
    clinicName: ctx.settings.clinicName,
    postalAddress: ctx.settings.postalAddress,
    siteUrl: ctx.settings.siteUrl,
    bookingUrl: bookingLink(ctx.settings),
  };
  for (const name of Object.keys(clinic)) if (name in vars) vars[name] = clinic[name] as string;
  const { subject, html, text } = renderEmail(id, vars);
  const result = await ctx.mailer.send({
    to,
    subject: `[TEST] ${subject}`,
    html,
    text,
    headers: {},
    tags: { test: id },
  });
  ctx.out.write(`Sent a test of ${id} (message ${result.messageId}).\n`);
  return result;
}
