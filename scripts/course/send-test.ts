/** `course send-test <email-id> <address>`: one email with sample data, to see it in a real inbox. */
import type { EmailId } from '../../functions/core/course.js';
import { renderEmail } from '../../functions/core/render.js';
import { clinicSample } from '../clinic-config.js';
import type { CourseContext } from './context.js';

/**
 * Renders the email with its sample data and the clinic's own details (name, address,
 * site, booking page) and sends it with "[TEST] " before the subject. Its tags carry no
 * course or email id, so mail events never count it in the course statistics.
 */
export async function runSendTest(
  ctx: CourseContext,
  id: EmailId,
  to: string,
): Promise<{ messageId: string }> {
  const { subject, html, text } = renderEmail(id, clinicSample(id, ctx.settings));
  const result = await ctx.mailer.send({
    to,
    subject: `[TEST] ${subject}`,
    html,
    text,
    headers: {},
    tags: { test: id },
  });
  // The owner typed the address; echoing it on their own terminal shows where it went.
  ctx.out.write(`Sent a test of ${id} to ${to} (message ${result.messageId}).\n`);
  ctx.out.write(
    ctx.inboxUrl
      ? `See it in the local inbox: ${ctx.inboxUrl}\n`
      : `Look for it in that mailbox (and its spam folder, the first time).\n`,
  );
  return result;
}
