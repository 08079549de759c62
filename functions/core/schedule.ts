/**
 * When the next email goes out, in the subscriber's own time zone. Plain Intl (the
 * runtime's own zone data) does the zone arithmetic, which keeps a date library out of
 * the Lambda bundles.
 */
import { isValidTimeZone, knownZone } from '../contract.js';

/**
 * The zone to store for a subscriber: the browser's zone if the runtime knows it
 * (in its canonical spelling), otherwise `fallback` (the course's default zone), and
 * 'UTC' should the runtime not know that either: a stored zone must always schedule.
 */
export function resolveTimeZone(tz: string | undefined, fallback: string): string {
  return (tz !== undefined && knownZone(tz)) || knownZone(fallback) || 'UTC';
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
  const zone = zoneClock(timeZone);
  const today = new Date(zone.wallClock(after.getTime()));
  const wall = Date.UTC(
    today.getUTCFullYear(),
    today.getUTCMonth(),
    today.getUTCDate() + delayDays,
    sendHour,
  );
  return new Date(zone.instantAt(wall));
}

/** Local wall-clock times of one zone, written as if they were UTC milliseconds. */
interface ZoneClock {
  /** The local time at `instant`, to the second. */
  wallClock(instant: number): number;
  /** The instant the local clock shows `wall`; in a spring-forward gap, `wall` moved on by the gap. */
  instantAt(wall: number): number;
}

// Intl formatters are costly to build and cheap to reuse; a sender sees few zones.
const clocks = new Map<string, ZoneClock>();

function zoneClock(timeZone: string): ZoneClock {
  const known = clocks.get(timeZone);
  if (known) return known;
  if (!isValidTimeZone(timeZone)) throw new RangeError(`Unknown time zone: ${timeZone}`);
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const wallClock = (instant: number): number => {
    const at: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
    for (const part of format.formatToParts(instant)) at[part.type] = Number(part.value);
    return Date.UTC(at.year ?? 0, (at.month ?? 1) - 1, at.day, at.hour, at.minute, at.second);
  };
  // The zone's offset at an instant, in milliseconds (whole seconds, as Intl reports).
  const offset = (instant: number): number => wallClock(instant) - (instant - (instant % 1000));
  const clock: ZoneClock = {
    wallClock,
    instantAt(wall) {
      // Guess with the offset at `wall` read as UTC, then correct once for a change in
      // between. If neither offset maps back to `wall`, the hour fell in a gap.
      const first = offset(wall);
      const second = offset(wall - first);
      if (second === first) return wall - first;
      const third = offset(wall - second);
      if (third === second) return wall - second;
      return wall - Math.min(second, third);
    },
  };
  clocks.set(timeZone, clock);
  return clock;
}
