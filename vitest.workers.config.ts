import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Route tests inside workerd (vitest-pool-workers). test/worker/global-setup.ts runs the real
// builder in Node first and provides the published objects, the test pings and a test signing
// key; the key's public JWKS becomes the worker's AUTH_JWKS binding here.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: './worker/src/index.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          AUTH_JWKS: inject('testJwks'),
          DEBUG_R2_READS: 'true',
        },
      },
    })),
  ],
  test: {
    include: ['test/worker/**/*.test.ts'],
    globalSetup: ['test/worker/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
