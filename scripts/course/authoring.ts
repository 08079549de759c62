/**
 * `new` and `check`: the owner's authoring tools. They work on the course folders in
 * emails/ and need no stack.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { checkCourse, formatProblem } from '../course-check.js';
import { courseDirFor, coursesDir, listCourses } from '../courses.js';
import type { Output } from './context.js';
import { CommandError } from './errors.js';

const page = (body: string, footer: string) => `<mjml lang="en">
  <mj-head>
    <mj-include path="../partials/head.mjml" />
  </mj-head>
  <mj-body>
    <mj-include path="../partials/header.mjml" />
    <mj-section>
      <mj-column>
${body}
      </mj-column>
    </mj-section>
    <mj-include path="../partials/${footer}" />
  </mj-body>
</mjml>
`;

const signOff = `          <p>Warm wishes,<br />{{#practitioner}}{{practitioner}}<br />{{/practitioner}}The team at {{clinicName}}</p>`;

function lesson(n: number, of: number): string {
  return page(
    `        <mj-text mj-class="label">Lesson ${n} of ${of}</mj-text>
        <mj-text mj-class="h1"><h1>Lesson ${n}: its heading</h1></mj-text>
        <mj-text>
          <p>Hi {{firstName}},</p>
          <p>Write lesson ${n} here: one idea, explained simply, and one thing to try today.</p>
${signOff}
        </mj-text>`,
    'footer.mjml',
  );
}

/** The files of a new course: course.json, the confirmation, three lessons, the closing email. */
export function scaffoldFiles(id: string): Record<string, string> {
  const course = {
    id,
    title: `The ${id} email course`,
    name: `the free ${id} email course`,
    disclaimer: 'This course shares general information. It is not advice for your own situation.',
    description:
      'Say in a sentence or two what the course is and who it is for: the sign-up page leads with it.',
    consent: {
      version: new Date().toISOString().slice(0, 10),
      text: 'Send me the three-lesson course by email, one lesson every two days. I can unsubscribe at any time with one click.',
    },
    confirmation: {
      id: 'confirm',
      file: 'confirm.mjml',
      subject: 'Confirm to start your free course',
      preheader: 'One click to confirm, then lesson 1 follows.',
    },
    lessons: [1, 2, 3].map((n) => ({
      id: `lesson-${n}`,
      file: `lesson-${n}.mjml`,
      subject: `Lesson ${n}: say what the reader gets`,
      preheader: `One line that makes lesson ${n} worth opening.`,
      delayDays: n === 1 ? 0 : 2,
      summary: `Lesson ${n}: its line on the sign-up page.`,
    })),
    closing: {
      id: 'complete',
      file: 'complete.mjml',
      subject: 'The whole course on one page',
      preheader: 'A recap, and where to go next.',
      delayDays: 2,
    },
  };
  return {
    'course.json': `${JSON.stringify(course, null, 2)}\n`,
    'confirm.mjml': page(
      `        <mj-text mj-class="h1"><h1>One click to start your course</h1></mj-text>
        <mj-text>
          <p>Hi {{firstName}},</p>
          <p>Thank you for signing up. Please confirm that this is your address, and lesson 1 follows.</p>
        </mj-text>
        <mj-button href="{{confirmUrl}}">Yes, send me the course</mj-button>
        <mj-text>
          <p>If you did not sign up, ignore this email: nothing more will be sent.</p>
${signOff}
        </mj-text>`,
      'footer-confirm.mjml',
    ),
    'lesson-1.mjml': lesson(1, 3),
    'lesson-2.mjml': lesson(2, 3),
    'lesson-3.mjml': lesson(3, 3),
    'complete.mjml': page(
      `        <mj-text mj-class="label">Course complete</mj-text>
        <mj-text mj-class="h1"><h1>The whole course on one page</h1></mj-text>
        <mj-text>
          <p>Hi {{firstName}},</p>
          <p>Recap the three lessons here, and say where to go next.</p>
        </mj-text>
        <mj-button href="{{bookingUrl}}">Book an appointment</mj-button>
        <mj-text>
${signOff}
        </mj-text>`,
      'footer.mjml',
    ),
  };
}

/** Writes a new course folder; refuses one that exists, writing nothing. */
export async function runNewCourse(id: string, out: Output, dir: string = coursesDir): Promise<string> {
  const folder = join(dir, id);
  if (existsSync(folder))
    throw new CommandError(`${relative(process.cwd(), folder)} exists already: pick another id`);
  await mkdir(folder);
  const files = scaffoldFiles(id);
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);
  const shown = relative(process.cwd(), folder) || folder;
  out.write(
    [
      `Created ${shown}/ with ${Object.keys(files).join(', ')}.`,
      '',
      'Next:',
      `  COURSE=${id} npm start              run it locally and sign up on the page it prints`,
      `  COURSE=${id} npm run preview        every email at phone and desktop width`,
      `  npm run course -- check ${id}       the checks, after each edit`,
      `  "course": "${id}" in the config     to deploy it (docs/courses.md)`,
      '',
    ].join('\n'),
  );
  return folder;
}

/** Checks one course, or every course in emails/; fails listing every problem. */
export async function runCheck(id: string | undefined, out: Output, dir: string = coursesDir): Promise<void> {
  const ids = id === undefined ? listCourses(dir) : [id];
  if (id !== undefined) {
    try {
      courseDirFor(id, dir);
    } catch (error) {
      throw new CommandError((error as Error).message);
    }
  }
  let total = 0;
  for (const each of ids) {
    const problems = await checkCourse(join(dir, each));
    total += problems.length;
    if (problems.length === 0) out.write(`${each}: no problems\n`);
    else
      out.write(
        `${each}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`,
      );
  }
  if (total > 0) throw new CommandError(`${total} problem${total === 1 ? '' : 's'} to fix (listed above)`);
}
