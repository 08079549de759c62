/** `course unsubscribe <email>`: stops all mail to one person, as their own link would. */
import { subscriberId } from '../../functions/core/identity.js';
import { unsubscribeById } from '../../functions/core/lifecycle.js';
import type { CourseContext } from './context.js';
import { NotFoundError } from './errors.js';

/** Unsubscribes the address; an unknown address is a NotFoundError (exit 1). */
export async function runUnsubscribe(
  ctx: CourseContext,
  email: string,
): Promise<'unsubscribed' | 'already-unsubscribed'> {
  const result = await unsubscribeById(
    { store: ctx.store, clock: ctx.clock },
    subscriberId(email, await ctx.pseudonymKey()),
  );
  if (result === 'not-found') throw new NotFoundError('No subscriber with that address.');
  ctx.out.write(
    result === 'unsubscribed'
      ? 'Unsubscribed: no further email will be sent to this address.\n'
      : 'Already unsubscribed (or suppressed): nothing is sent to this address.\n',
  );
  return result;
}
