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
    subject: 'Confirm to start your free knee pain course',
    preheader: 'One click, and lesson 1 is on its way.',
  },
  sequence: [
    {
      id: 'lesson-1',
      subject: 'Lesson 1: find the muscles behind your knee pain',
      preheader: 'And the warning signs that mean seeing a doctor first.',
      delayDays: 0,
      summary: 'Causes: the muscles that pull on the knee, and the warning signs that need a doctor.',
    },
    {
      id: 'lesson-2',
      subject: 'Lesson 2: what your shoes say about your knees',
      preheader: 'How your hips, knees and feet line up, and why it matters.',
      delayDays: 2,
      summary: 'Alignment: hips, knees that angle in or out, feet, ankles and shoe wear.',
    },
    {
      id: 'lesson-3',
      subject: 'Lesson 3: ease tight thighs with a foam roller',
      preheader: 'How to roll, for how long, and the places to leave alone.',
      delayDays: 2,
      summary: 'Foam rolling: easing tight quads safely at home.',
    },
    {
      id: 'lesson-4',
      subject: 'Lesson 4: a small ball for outer knee pain',
      preheader: 'How to find your TFL and ease a knot, gently and safely.',
      delayDays: 2,
      summary: 'Trigger points: releasing the TFL and other deep spots with a ball.',
    },
    {
      id: 'lesson-5',
      subject: 'Lesson 5: who can help your knee, and when',
      preheader: 'The warning signs, and what physio, massage and other care offer.',
      delayDays: 2,
      summary: 'Getting help: the warning signs, and what physiotherapy, massage and other therapies offer.',
    },
    {
      id: 'complete',
      subject: 'Your knee pain course on one page, to keep',
      preheader: 'A recap, the warning signs and where to go next.',
      delayDays: 2,
    },
  ],
} as const satisfies CourseDefinition;

/** Every template id: the confirmation first, then the sequence in order. */
export const emailIds = [course.confirmation.id, ...course.sequence.map((e) => e.id)] as const;
export type EmailId = (typeof emailIds)[number];

/** The lessons alone (the sequence without its closing email). */
export const lessons = course.sequence.filter((e) => 'summary' in e);
