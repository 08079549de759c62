import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** A built course's module, which the tests import as `#course`. */
const courseModule = (id: string) =>
  join(import.meta.dirname, 'functions/core/generated/courses', `${id}.ts`);

/**
 * Tests run on the default course (package.json), whatever course `COURSE=... npm start`
 * chose last; tests/courses/ runs once more on the fixture course (tests/fixtures/courses/),
 * so no test passes only because of one course's shape, and once on a course just made by
 * `npm run course -- new`, so a new course is known to run as it is written.
 */
const DEFAULT_COURSE = (
  JSON.parse(readFileSync(join(import.meta.dirname, 'package.json'), 'utf8')) as {
    config: { defaultCourse: string };
  }
).config.defaultCourse;
const FIXTURE_COURSE = 'desk-breaks';
/** Written by `npm run course -- new` in the global setup (tests/support/fixture-course.ts). */
const SCAFFOLD_COURSE = 'scaffolded';

export default defineConfig({
  test: {
    // Emulators and Chromium start in-process; shared CI machines can be slow.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['tests/support/fixture-course.ts'],
    projects: [
      {
        extends: true,
        resolve: { alias: { '#course': courseModule(DEFAULT_COURSE) } },
        test: { name: DEFAULT_COURSE, include: ['tests/**/*.test.ts'] },
      },
      {
        extends: true,
        resolve: {
          alias: {
            '#course': courseModule(FIXTURE_COURSE),
          },
        },
        test: { name: FIXTURE_COURSE, include: ['tests/courses/**/*.test.ts'] },
      },
      {
        extends: true,
        resolve: { alias: { '#course': courseModule(SCAFFOLD_COURSE) } },
        test: { name: SCAFFOLD_COURSE, include: ['tests/courses/**/*.test.ts'] },
      },
    ],
  },
});
