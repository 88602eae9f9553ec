import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Quiet by default; tests that check what is logged (or the EMF metric lines) turn it on themselves.
    env: { LOG_LEVEL: 'silent', METRICS: 'off' },
  },
});
