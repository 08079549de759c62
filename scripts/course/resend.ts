/** `course resend-confirmation <email>`: a fresh confirmation email for a pending sign-up. */
import { COUNTER } from '../../functions/core/counters.js';
import { course } from '../../functions/core/course.js';
import { subscriberId } from '../../functions/core/identity.js';
import { CONFIRMATION_COOLDOWN_MS } from '../../functions/core/lifecycle.js';
import { ConflictError } from '../../functions/core/ports.js';
import { renderEmail } from '../../functions/core/render.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { linkUrl } from '../../functions/core/tokens.js';
import type { CourseContext } from './context.js';
import { CommandError, NotFoundError } from './errors.js';
import { time } from './format.js';

export interface ResendOptions {
  /** Send even within the cooldown after the last confirmation email. */
  readonly force?: boolean;
}

/**
 * Sends a pending subscriber their confirmation email again, for the same opt-in (links
 * in earlier emails keep working), and keeps their consent record as it was: the owner
 * resending is not the person consenting again. Like a sign-up, it respects the
 * cooldown unless `force`, and it first wins a conditional write of the send time, so a
 * sign-up at the same moment cannot make it two emails.
 */
export async function runResendConfirmation(
  ctx: CourseContext,
  email: string,
  opts: ResendOptions = {},
): Promise<'sent'> {
  const current = await ctx.store.get(subscriberId(email));
  if (!current) throw new NotFoundError('No subscriber with that address.');
  if (current.status !== 'pending') {
    const why =
      current.status === 'active' || current.status === 'completed'
        ? `already confirmed (${current.status}); there is nothing to confirm`
        : `${current.status}; they have to sign up again to get a confirmation email`;
    throw new CommandError(`Not sent: this subscriber is ${why}.`);
  }
  if (!current.email || !current.optInId)
    throw new CommandError('Not sent: the record has no address or opt-in.');
  // Without keys or a public URL the link cannot work: say so before anything else.
  if (!/^https?:\/\//.test(ctx.settings.publicBaseUrl)) {
    throw new CommandError(
      'Not sent: no public URL for the confirmation link (set publicBaseUrl in course.config.json).',
    );
  }
  const tokens = await ctx.linkTokens();
  const now = ctx.clock.now();
  const last = current.confirmationSentAt ? Date.parse(current.confirmationSentAt) : Number.NaN;
  const wait = last + CONFIRMATION_COOLDOWN_MS - now.getTime();
  if (!opts.force && wait > 0) {
    throw new CommandError(
      `Not sent: a confirmation email went out at ${time(current.confirmationSentAt)}; wait ${Math.ceil(wait / 60_000)} more minute(s) or pass --force.`,
    );
  }

  const next: Subscriber = {
    ...current,
    confirmationSentAt: now.toISOString(),
    version: current.version + 1,
  };
  try {
    await ctx.store.put(next, current.version);
  } catch (error) {
    if (error instanceof ConflictError)
      throw new CommandError('Not sent: the record changed meanwhile; try again.');
    throw error;
  }
  const { settings } = ctx;
  const token = tokens.sign('confirm', next.id, { now, optInId: current.optInId });
  const { subject, html, text } = renderEmail(course.confirmation.id, {
    firstName: current.firstName ?? 'there',
    clinicName: settings.clinicName,
    postalAddress: settings.postalAddress,
    siteUrl: settings.siteUrl,
    confirmUrl: linkUrl(settings, 'confirm', token),
  });
  try {
    await ctx.mailer.send({
      to: current.email,
      subject,
      html,
      text,
      headers: {},
      tags: { course: 'knee-pain', email: course.confirmation.id },
    });
  } catch (error) {
    // Give the cooldown back so a retry is possible at once, unless someone wrote since.
    await ctx.store.put({ ...current, version: next.version + 1 }, next.version).catch(() => undefined);
    throw error;
  }
  await ctx.store.increment({ [COUNTER.confirmationsSent]: 1 }).catch(() => undefined);
  ctx.out.write('Sent a fresh confirmation email.\n');
  return 'sent';
}
