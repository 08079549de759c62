import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Emulators and Chromium start in-process; shared CI machines can be slow.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
