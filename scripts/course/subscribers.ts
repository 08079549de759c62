/** Reading and describing subscriber records, shared by list, show and export. */
import { course, lessons } from '../../functions/core/course.js';
import type { SubscriberStore } from '../../functions/core/ports.js';
import { nextEmailFor } from '../../functions/core/progress.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { time } from './format.js';

/** Every record, page by page (one Scan page at a time, so memory stays flat). */
export async function* scanPages(store: SubscriberStore): AsyncGenerator<Subscriber[]> {
  let cursor: string | undefined;
  do {
    const page = await store.scan(cursor);
    yield page.items;
    cursor = page.cursor;
  } while (cursor);
}

/** How many lessons (not counting the closing email) this person has been sent. */
export function lessonsSent(s: Subscriber): number {
  return lessons.filter((l) => s.sent[l.id] !== undefined).length;
}

/** "3/5 lessons", plus "finished" once the closing email went out. */
export function progress(s: Subscriber): string {
  const done = lessonsSent(s);
  const closing = course.sequence.at(-1);
  const finished = closing !== undefined && s.sent[closing.id] !== undefined;
  return `${done}/${lessons.length} lessons${finished ? ', finished' : ''}`;
}

/** What comes next for this person, in words. */
export function nextEmail(s: Subscriber): string {
  if (s.status === 'pending') return 'awaiting confirmation';
  if (s.status !== 'active') return '–';
  // What the course, as it stands, sends them next (functions/core/progress.ts).
  const next = s.nextEmailId === undefined ? undefined : nextEmailFor(s.sent);
  if (!next) return '–';
  return s.nextSendAt ? `${next.id} at ${time(s.nextSendAt)}` : next.id;
}
