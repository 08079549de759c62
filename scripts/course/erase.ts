/** `course erase <email>`: GDPR erasure of one person. */
import { eraseSubscriber, exportSubscriber } from '../../functions/core/lifecycle.js';
import type { CourseContext } from './context.js';
import { CommandError, NotFoundError, UsageError } from './errors.js';
import { idPrefix } from './format.js';

export interface EraseOptions {
  /** Skip the question (scripts, tests). */
  readonly yes?: boolean;
}

/**
 * Erases one subscriber after asking (unless `yes`). What remains afterwards honours a
 * past choice: an unsubscribed, bounced or complaining address keeps a tombstone with
 * only its pseudonymous id, status and the time, so it is never mailed again by mistake;
 * anyone else is deleted outright.
 */
export async function runErase(
  ctx: CourseContext,
  email: string,
  opts: EraseOptions = {},
): Promise<'deleted' | 'tombstoned' | 'declined'> {
  const current = await exportSubscriber({ store: ctx.store, pseudonymKey: await ctx.pseudonymKey() }, email);
  if (!current) throw new NotFoundError('No subscriber with that address.');
  if (!opts.yes) {
    if (!ctx.confirm) {
      throw new UsageError('erase needs confirmation: run it in a terminal, or pass --yes', 'erase');
    }
    const keeps =
      current.status === 'unsubscribed' || current.status === 'bounced' || current.status === 'complained'
        ? `a marker that they are ${current.status}, without any personal data, will remain`
        : 'nothing will remain';
    const ok = await ctx.confirm(
      `Erase subscriber ${idPrefix(current.id)} (${current.status}) and all their data? ${keeps}. [y/N] `,
    );
    if (!ok) {
      ctx.out.write('Nothing erased.\n');
      return 'declined';
    }
  }
  const result = await eraseSubscriber(
    { store: ctx.store, clock: ctx.clock, pseudonymKey: await ctx.pseudonymKey() },
    email,
  );
  if (result === 'not-found')
    throw new CommandError('The subscriber was erased meanwhile; nothing left to do.');
  const why =
    current.status === 'unsubscribed'
      ? 'the opt-out stays on record; only a new sign-up with a new confirmation starts mail again'
      : 'a later sign-up of this address is still refused, so it is never mailed again';
  ctx.out.write(
    result === 'deleted'
      ? 'Erased: the record is deleted; nothing about this person remains.\n'
      : `Erased: personal data removed. Kept only a marker (pseudonymous id, status "${current.status}", time): ${why}.\n`,
  );
  return result;
}
