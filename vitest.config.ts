import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * The fixture course (tests/fixtures/courses/): tests/courses/ runs once more with `#course`
 * pointing at it, so no test passes only because of one course's shape.
 */
const FIXTURE_COURSE = 'desk-breaks';

export default defineConfig({
  test: {
    // Emulators and Chromium start in-process; shared CI machines can be slow.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['tests/support/fixture-course.ts'],
    projects: [
      { extends: true, test: { name: 'course', include: ['tests/**/*.test.ts'] } },
      {
        extends: true,
        resolve: {
          alias: {
            '#course': join(import.meta.dirname, 'functions/core/generated/courses', `${FIXTURE_COURSE}.ts`),
          },
        },
        test: { name: FIXTURE_COURSE, include: ['tests/courses/**/*.test.ts'] },
      },
    ],
  },
});
