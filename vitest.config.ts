import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      // A hang guard, not a speed target: npm test runs these beside the live tests (scripts/test.mjs), which can
      // halve the CPU a test gets.
      { test: { name: 'unit', include: ['test/*.test.ts'], testTimeout: 120_000 } },
      {
        test: {
          name: 'live',
          include: ['test/live/**/*.test.ts'],
          globalSetup: ['test/live/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
      {
        // Needs `npm run package` and scripts/krew-tools-build.sh first: `npm run test:package`.
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          globalSetup: ['test/live/global-setup.ts', 'test/package/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          fileParallelism: false,
          maxConcurrency: 3,
        },
      },
    ],
  },
});
