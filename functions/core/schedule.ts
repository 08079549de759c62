/**
 * When the next email goes out, in the subscriber's own time zone.
 */
import { DateTime } from 'luxon';

// IANA names only ("Europe/London", "UTC", "Etc/GMT+5"); no bare offsets or odd strings.
const zoneName = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** The runtime's spelling of a zone it knows; undefined for one its ICU data lacks. */
function knownZone(tz: string): string | undefined {
  if (!zoneName.test(tz)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** True for a time zone name the runtime knows (IANA, case-insensitive). */
export function isValidTimeZone(tz: string | undefined): tz is string {
  return typeof tz === 'string' && knownZone(tz) !== undefined;
}

/**
 * The zone to store for a subscriber: the browser's zone if the runtime knows it
 * (in its canonical spelling), otherwise `fallback` (the course's default zone).
 */
export function resolveTimeZone(tz: string | undefined, fallback: string): string {
  return (tz !== undefined && knownZone(tz)) || fallback;
}

/**
 * When an email with `delayDays` should go out after `after`.
 *
 * Delay 0 means at once: `after` itself. Otherwise it is `sendHour`:00 local time on the
 * calendar day `delayDays` after `after`'s local date in `timeZone`, as a UTC instant.
 * Counting calendar days (not 24-hour blocks) keeps the local hour across DST changes.
 * A send hour that does not exist that day (a spring-forward gap) moves forward by the
 * gap, e.g. 01:00 becomes 02:00 in London; a repeated hour (autumn) takes one of its two
 * instants. Either way the email goes out once, on the right day.
 */
export function nextSendTime(after: Date, delayDays: number, sendHour: number, timeZone: string): Date {
  if (!Number.isInteger(delayDays) || delayDays < 0) throw new RangeError(`Bad delay: ${delayDays} days`);
  if (!Number.isInteger(sendHour) || sendHour < 0 || sendHour > 23) {
    throw new RangeError(`Bad send hour: ${sendHour}`);
  }
  if (delayDays === 0) return new Date(after.getTime());
  const local = DateTime.fromJSDate(after, { zone: timeZone });
  if (!local.isValid) throw new RangeError(`Unknown time zone: ${timeZone}`);
  const day = local.plus({ days: delayDays });
  const at = DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: sendHour },
    { zone: timeZone },
  );
  return at.toJSDate();
}
