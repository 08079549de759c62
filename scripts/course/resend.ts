/** `course resend-confirmation <email>`: a fresh confirmation email for a pending sign-up. */
import { resendConfirmation } from '../../functions/core/lifecycle.js';
import type { CourseContext } from './context.js';
import { CommandError, NotFoundError } from './errors.js';
import { time } from './format.js';

export interface ResendOptions {
  /** Send even within the cooldown after the last confirmation email. */
  readonly force?: boolean;
}

/**
 * Sends a pending subscriber their confirmation email again through the core's
 * `resendConfirmation` (same opt-in, consent record untouched, cooldown unless `force`).
 */
export async function runResendConfirmation(
  ctx: CourseContext,
  email: string,
  opts: ResendOptions = {},
): Promise<'sent'> {
  // Without a public URL the link cannot work: say so before anything else.
  if (!/^https?:\/\//.test(ctx.settings.publicBaseUrl)) {
    throw new CommandError(
      'Not sent: no public URL for the confirmation link (set publicBaseUrl in course.config.json).',
    );
  }
  const tokens = await ctx.linkTokens();
  const result = await resendConfirmation(
    { ...ctx, tokens, pseudonymKey: await ctx.pseudonymKey() },
    email,
    opts,
  );
  switch (result.outcome) {
    case 'not-found':
      throw new NotFoundError('No subscriber with that address.');
    case 'not-pending': {
      const why =
        result.status === 'active' || result.status === 'completed'
          ? `already confirmed (${result.status}); there is nothing to confirm`
          : `${result.status}; they have to sign up again to get a confirmation email`;
      throw new CommandError(`Not sent: this subscriber is ${why}.`);
    }
    case 'cooldown': {
      const minutes = Math.ceil((result.retryAt.getTime() - ctx.clock.now().getTime()) / 60_000);
      throw new CommandError(
        `Not sent: a confirmation email went out at ${time(result.lastSentAt)}; wait ${minutes} more minute(s) or pass --force.`,
      );
    }
    case 'sent':
      ctx.out.write('Sent a fresh confirmation email.\n');
      return 'sent';
  }
}
