/**
 * vitest global setup: compiles the fixture courses (tests/fixtures/courses/) next to the
 * built ones, and a course fresh from `npm run course -- new`, so the fixture projects can
 * import each as `#course` and prove a new course runs as it is written.
 */
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeEmails } from '../../scripts/build-emails.js';
import { runNewCourse } from '../../scripts/course/authoring.js';
import { listCourses } from '../../scripts/courses.js';

const root = join(import.meta.dirname, '../..');
export const FIXTURE_COURSES_DIR = join(root, 'tests/fixtures/courses');
/** Where the scaffolded course is written: a build output, never committed. */
export const SCAFFOLD_COURSES_DIR = join(root, 'functions/core/generated/scaffold');
export const SCAFFOLD_COURSE = 'scaffolded';

export default async function compileFixtureCourses(): Promise<void> {
  for (const id of listCourses(FIXTURE_COURSES_DIR))
    await writeEmails({ dir: join(FIXTURE_COURSES_DIR, id) });

  await rm(SCAFFOLD_COURSES_DIR, { recursive: true, force: true });
  await mkdir(SCAFFOLD_COURSES_DIR, { recursive: true });
  await symlink(join(root, 'emails/partials'), join(SCAFFOLD_COURSES_DIR, 'partials'));
  const quiet = { write: () => true };
  await writeEmails({ dir: await runNewCourse(SCAFFOLD_COURSE, quiet, SCAFFOLD_COURSES_DIR) });
}
