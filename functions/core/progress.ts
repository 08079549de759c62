/**
 * Where a subscriber is in the course, by email id rather than position, so the owner can
 * edit the course while people are taking it. The rule, in full:
 *
 * - The next email is the first one in the course's current order not yet sent to them.
 * - A lesson added anywhere they have not reached is sent to them, in course order.
 * - A removed lesson is skipped; a reordered course is followed in its new order.
 * - Nothing already sent (its id is in `sent`) is ever sent again, whatever the change.
 * - A changed delay applies from the next send on: the time someone is already due at was
 *   fixed when their previous email went out. Completed subscribers get nothing new.
 */
import { course, type SequenceEmail } from './course.js';

/** The first email of `sequence` not in `sent`; undefined once every one has gone out. */
export function nextEmailFor(
  sent: Readonly<Record<string, unknown>>,
  sequence: readonly SequenceEmail[] = course.sequence,
): SequenceEmail | undefined {
  return sequence.find((e) => !Object.hasOwn(sent, e.id));
}

/**
 * Reads a position stored by records written before progress was kept by id: the email at
 * that place of the course. Such records come from this same course, as it stood then.
 */
export function emailIdAtPosition(
  position: number,
  sequence: readonly SequenceEmail[] = course.sequence,
): string | undefined {
  return Number.isInteger(position) ? sequence[position]?.id : undefined;
}
