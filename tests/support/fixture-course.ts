/**
 * vitest global setup: compiles the fixture courses (tests/fixtures/courses/) next to the
 * built ones, so the fixture project can import one as `#course`.
 */
import { join } from 'node:path';
import { writeEmails } from '../../scripts/build-emails.js';
import { listCourses } from '../../scripts/courses.js';

export const FIXTURE_COURSES_DIR = join(import.meta.dirname, '../fixtures/courses');

export default async function compileFixtureCourses(): Promise<void> {
  for (const id of listCourses(FIXTURE_COURSES_DIR))
    await writeEmails({ dir: join(FIXTURE_COURSES_DIR, id) });
}
