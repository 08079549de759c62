/**
 * The course as data: the one typed place that names every email, its subject,
 * preheader and when it goes out. Templates live in `emails/<id>.mjml`; the build
 * checks that every id here has a template and the reverse.
 */

/** One email of the drip sequence. */
export interface SequenceEmail {
  /** Template id: `emails/<id>.mjml`. */
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
  readonly title: string;
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

export const course = {
  title: 'What your muscles are trying to tell you about knee pain',
  description:
    'A free five-lesson email course from a massage and bodywork clinic: why muscles cause knee pain, how alignment from hip to foot plays in, how to ease tight muscles at home with a foam roller and a small ball, and when to see a doctor.',
  consentTextVersion: '2026-11-25',
  consentText:
    'Send me the five-lesson knee pain course by email, one lesson every two days. I can unsubscribe at any time with one click.',
  confirmation: {
    id: 'confirm',
    subject: 'Please confirm: your knee pain course',
    preheader: 'One click and your first lesson is on its way.',
  },
  sequence: [
    {
      id: 'lesson-1',
      subject: 'Lesson 1: why your muscles can make your knee hurt',
      preheader: 'The quads, the kneecap and the band you cannot stretch.',
      delayDays: 0,
      summary: 'Causes: the muscles that pull on the knee, and the pains that need a doctor.',
    },
    {
      id: 'lesson-2',
      subject: 'Lesson 2: alignment, from your hips to your shoes',
      preheader: 'What your hips, knees, feet and worn soles are telling you.',
      delayDays: 2,
      summary: 'Alignment: hips, knees that angle in or out, feet, ankles and shoe wear.',
    },
    {
      id: 'lesson-3',
      subject: 'Lesson 3: foam rolling your quads, the right way',
      preheader: 'How to roll, for how long, and the two places to leave alone.',
      delayDays: 2,
      summary: 'Foam rolling: easing tight quads safely at home.',
    },
    {
      id: 'lesson-4',
      subject: 'Lesson 4: trigger points and the small hard ball',
      preheader: 'Finding and releasing the knots a roller cannot reach.',
      delayDays: 2,
      summary: 'Trigger points: releasing the TFL and other deep spots with a ball.',
    },
    {
      id: 'lesson-5',
      subject: 'Lesson 5: when to get help, and who can help',
      preheader: 'The warning signs that need a doctor, and what hands-on care offers.',
      delayDays: 2,
      summary: 'When to seek help: red flags, and what massage and other therapies offer.',
    },
    {
      id: 'complete',
      subject: 'You finished the knee pain course',
      preheader: 'A one-page recap and where to go from here.',
      delayDays: 2,
    },
  ],
} as const satisfies CourseDefinition;

/** Every template id: the confirmation first, then the sequence in order. */
export const emailIds = [course.confirmation.id, ...course.sequence.map((e) => e.id)] as const;
export type EmailId = (typeof emailIds)[number];

/** The lessons alone (the sequence without its closing email). */
export const lessons = course.sequence.filter((e) => 'summary' in e);
