/** `course list`: one line per subscriber, newest first. */
import type { Subscriber, SubscriberStatus } from '../../functions/core/subscriber.js';
import type { CourseContext } from './context.js';
import { count, idPrefix, table } from './format.js';
import { nextEmail, progress, scanPages } from './subscribers.js';

export interface ListOptions {
  readonly status?: SubscriberStatus;
  /** Most recent subscribers to show. */
  readonly limit: number;
}

/** Default number of lines `course list` prints. */
export const DEFAULT_LIST_LIMIT = 50;

/**
 * Prints the `limit` most recently created subscribers (optionally of one status).
 * Reads the whole table once, keeping only `limit` records in memory.
 */
export async function runList(ctx: CourseContext, opts: ListOptions): Promise<Subscriber[]> {
  const newestFirst = (a: Subscriber, b: Subscriber) => b.createdAt.localeCompare(a.createdAt);
  let kept: Subscriber[] = [];
  let matching = 0;
  for await (const page of scanPages(ctx.store)) {
    const wanted = opts.status ? page.filter((s) => s.status === opts.status) : page;
    matching += wanted.length;
    kept = [...kept, ...wanted].sort(newestFirst).slice(0, opts.limit);
  }
  const what = opts.status ? `${opts.status} subscribers` : 'subscribers';
  if (matching === 0) {
    ctx.out.write(`No ${what}.\n`);
    return kept;
  }
  const rows = kept.map((s) => [idPrefix(s.id), s.status, nextEmail(s), progress(s), s.email ?? '(erased)']);
  ctx.out.write(`${table([['id', 'status', 'next email', 'progress', 'address'], ...rows])}\n`);
  const shown =
    kept.length < matching ? `${count(kept.length)} newest of ${count(matching)}` : count(matching);
  const noun = matching === 1 ? what.replace(/subscribers$/, 'subscriber') : what;
  ctx.out.write(`\n${shown} ${noun}${kept.length < matching ? ' (use --limit to see more)' : ''}\n`);
  return kept;
}
