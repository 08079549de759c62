/** `course show <email>`: everything the course knows about one person. */
import { course } from '../../functions/core/course.js';
import { exportSubscriber } from '../../functions/core/lifecycle.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import type { CourseContext } from './context.js';
import { NotFoundError } from './errors.js';
import { table, time } from './format.js';
import { nextEmail, progress } from './subscribers.js';

/** Formats one record for the terminal. */
export function formatSubscriber(s: Subscriber): string {
  const field = (label: string, value: string | undefined): string[] => [label, value ?? '–'];
  const person = table([
    field('id', s.id),
    field('address', s.email ?? '(erased)'),
    field('first name', s.firstName),
    field('status', s.status),
    field('time zone', s.timeZone),
    field('signed up', time(s.createdAt)),
    field('confirmation sent', time(s.confirmationSentAt)),
    field('confirmed', time(s.confirmedAt)),
    ...(s.unsubscribedAt ? [field('unsubscribed', time(s.unsubscribedAt))] : []),
    ...(s.suppressedAt ? [field('suppressed', time(s.suppressedAt))] : []),
    ...(s.completedAt ? [field('completed', time(s.completedAt))] : []),
    field('next email', nextEmail(s)),
    field('progress', progress(s)),
  ]);
  const consent = s.consent
    ? table([
        field('given', time(s.consent.at)),
        field('IP address', s.consent.ip),
        field('user agent', s.consent.userAgent),
        field('form', s.consent.formUrl),
        field('wording version', s.consent.textVersion),
      ])
    : 'none recorded';
  const emails = table(
    [
      ['email', 'sent', 'delivered', 'opened', 'clicked'],
      ...course.sequence.map((e) => {
        const events = s.engagement?.[e.id];
        return [
          e.id,
          time(s.sent[e.id]?.sentAt),
          String(events?.delivered ?? 0),
          String(events?.opened ?? 0),
          String(events?.clicked ?? 0),
        ];
      }),
    ],
    ['left', 'left', 'right', 'right', 'right'],
  );
  return `${person}\n\nConsent\n${indent(consent)}\n\nEmails\n${indent(emails)}\n`;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');

/** Prints one subscriber (`json` prints the stored record as is). */
export async function runShow(
  ctx: CourseContext,
  email: string,
  opts: { json?: boolean } = {},
): Promise<Subscriber> {
  const subscriber = await exportSubscriber(
    { store: ctx.store, pseudonymKey: await ctx.pseudonymKey() },
    email,
  );
  if (!subscriber) throw new NotFoundError('No subscriber with that address.');
  ctx.out.write(opts.json ? `${JSON.stringify(subscriber, null, 2)}\n` : formatSubscriber(subscriber));
  return subscriber;
}
