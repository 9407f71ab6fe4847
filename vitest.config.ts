import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'happy-dom',
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          // One Chromium per file; two files at a time fits a 2-core CI machine.
          // routers.test.ts (a real `next build`, both cores) runs after the others (`npm run test:routers`):
          // beside it, the long-task tests of resilience.test.ts saw 126 ms tasks that were only CPU starvation.
          maxWorkers: 2,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'collector',
          include: ['collector/test/**/*.test.{mjs,ts}'],
          environment: 'node',
          testTimeout: 30_000,
          // A file may start a PostgreSQL cluster (and install Debian's package first).
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
