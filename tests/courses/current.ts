/**
 * The course a tests/courses/ run is about: the knee pain course, the fixture course or
 * the freshly scaffolded one, as vitest's projects point `#course` (vitest.config.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { course } from '../../functions/core/course.js';

const root = join(import.meta.dirname, '../..');

/** The folder of the course under test. */
export function currentCourseDir(): string {
  const candidates = ['emails', 'tests/fixtures/courses', 'functions/core/generated/scaffold'].map((dir) =>
    join(root, dir, course.id),
  );
  return candidates.find((dir) => existsSync(dir)) ?? (candidates[0] as string);
}
