/**
 * Turns one email of the sequence into a ready-to-send message for one subscriber:
 * the rendered lesson, one-click unsubscribe headers (RFC 8058) and the tags that let
 * mail events be counted per lesson.
 */
import { assetsUrl } from './assets.js';
import { course, type EmailId } from './course.js';
import type { OutgoingEmail } from './ports.js';
import { renderSequenceEmail, sequenceEmailVariables } from './render.js';
import { type CourseSettings, clinicVariables } from './settings.js';
import type { Subscriber } from './subscriber.js';
import { type LinkTokens, linkUrl } from './tokens.js';

/** Value of the `course` message tag and the first label of the List-Id: the course's id. */
export const COURSE_TAG = course.id;

/** Greeting used when the subscriber gave no first name. */
export const FIRST_NAME_FALLBACK = 'there';

export interface ComposeInput {
  readonly subscriber: Subscriber;
  /** A lesson or the closing email (anything of the sequence but the confirmation). */
  readonly emailId: EmailId;
  readonly settings: CourseSettings;
  readonly tokens: LinkTokens;
  readonly now: Date;
}

/**
 * Builds the email. The unsubscribe link carries a signed token naming the subscriber
 * by id only; the same URL serves the footer link (a page with a button) and the
 * mail client's one-click POST.
 * @throws Error if the record has no address (erased); TemplateVariableError from rendering.
 */
export function composeSequenceEmail({
  subscriber,
  emailId,
  settings,
  tokens,
  now,
}: ComposeInput): OutgoingEmail {
  if (!subscriber.email) throw new Error(`Subscriber ${subscriber.id} has no address to send to`);
  const unsubscribeUrl = linkUrl(settings, 'unsubscribe', tokens.sign('unsubscribe', subscriber.id, { now }));
  const values: Record<string, string> = {
    firstName: subscriber.firstName?.trim() || FIRST_NAME_FALLBACK,
    ...clinicVariables(settings),
    assetsUrl: assetsUrl(settings),
    unsubscribeUrl,
  };
  // Only the booking emails declare bookingUrl; the renderer refuses variables an email lacks.
  const vars = Object.fromEntries(sequenceEmailVariables(emailId).map((name) => [name, values[name]]));
  const rendered = renderSequenceEmail(emailId, vars as Record<string, string>);
  return {
    to: subscriber.email,
    ...rendered,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': listId(settings),
    },
    tags: { course: COURSE_TAG, email: emailId },
  };
}

/** `<course-id.host>` (RFC 2919): lets mail clients group and filter the course's emails. */
function listId(settings: CourseSettings): string {
  return `<${COURSE_TAG}.${new URL(settings.publicBaseUrl).hostname}>`;
}
