/**
 * The shape of a course, and the course this build carries. The content lives in
 * `emails/<course-id>/course.json` (checked by scripts/courses.ts); `npm run build` compiles
 * each course into `generated/courses/<id>.ts`, imported as `#course`: locally the chosen
 * course, in a stack the one its config names. Nothing here names a course.
 */
import { course as built } from '#course';

/** One email of the drip sequence. */
export interface SequenceEmail {
  /** Email id, unique in the course: records, tags and links carry it. */
  readonly id: string;
  readonly subject: string;
  /** Inbox preview text shown after the subject. */
  readonly preheader: string;
  /** Course days after the previous email (the first counts from confirmation). */
  readonly delayDays: number;
  /** One line for the sign-up page's lesson list; absent for the closing email. */
  readonly summary?: string;
}

export interface CourseDefinition {
  /** The course folder's name: tags and metrics carry it. */
  readonly id: string;
  readonly title: string;
  /** The course in running text: "you signed up for <name> from <clinic>". */
  readonly name: string;
  /** What the course is not (e.g. medical advice): every email's footer and the sign-up page. */
  readonly disclaimer: string;
  /** What the course is, as the sign-up page and the confirmation email put it. */
  readonly description: string;
  /**
   * Version of the consent wording shown beside the sign-up form. Bump it whenever
   * that wording changes: each subscriber's consent record keeps the version they saw.
   */
  readonly consentTextVersion: string;
  readonly consentText: string;
  readonly confirmation: Omit<SequenceEmail, 'delayDays' | 'summary'>;
  /** Lessons in order, then the closing email. */
  readonly sequence: readonly SequenceEmail[];
}

/** The course this build carries: `emails/<course-id>/course.json`, compiled by `npm run build`. */
export const course: CourseDefinition = built;

/** Template ids are the course's own; any string can name one. */
export type EmailId = string;

/** Every email id: the confirmation first, then the sequence in order. */
export const emailIds: readonly EmailId[] = [course.confirmation.id, ...course.sequence.map((e) => e.id)];

/** A lesson: a sequence email with a line on the sign-up page. */
export type Lesson = SequenceEmail & { readonly summary: string };

/** The lessons alone (the sequence without its closing email). */
export const lessons: readonly Lesson[] = course.sequence.filter((e): e is Lesson => e.summary !== undefined);

/** What a subscriber gets on confirming; course.json holds at least one lesson. */
export const firstLesson = lessons[0] as Lesson;
