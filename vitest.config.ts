import { defineConfig } from 'vitest/config';

// Node-side tests: shared core, builder, and end-to-end tests that drive the built worker in Miniflare.
// Route tests that must run inside workerd live in test/worker and use vitest.workers.config.ts.
export default defineConfig({
  test: {
    include: ['test/core/**/*.test.ts', 'test/builder/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
