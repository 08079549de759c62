/**
 * The course a tests/courses/ run is about: the knee pain course, or the fixture course
 * when vitest's fixture project points `#course` at it (vitest.config.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { course } from '../../functions/core/course.js';

const root = join(import.meta.dirname, '../..');

/** The folder of the course under test. */
export function currentCourseDir(): string {
  const inEmails = join(root, 'emails', course.id);
  return existsSync(inEmails) ? inEmails : join(root, 'tests/fixtures/courses', course.id);
}
