/**
 * Two projects:
 * - `node`: the product from outside. The worker bundle runs in workerd (Miniflare) with
 *   real Durable Objects, D1 and KV; tests use HTTP, WebSocket and Chromium against it.
 * - `workers`: tests that run inside workerd itself (the workers vitest pool), for engine
 *   pieces exercised directly against real D1.
 */
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // A test that is focused or skipped does not run: CI treats `.only` as a failure.
    allowOnly: false,
    projects: [
      {
        test: {
          name: "node",
          include: ["test/*.test.ts"],
          globalSetup: ["test/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // expect.poll waits on a condition (a page drawing what the API said): 1 s, the
          // default, is too short for a browser on a loaded 2-core machine.
          expect: { poll: { timeout: 10_000, interval: 50 } },
          // Each file runs its own workerd; two at a time suits a 2-core machine.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations("migrations"),
                SESSION_SECRET: "workers-pool-session-secret",
                ADMIN_TOKEN: "workers-pool-admin-token",
                SECRETS_KEY: "workers-pool-secrets-key-0123456789abcdef",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          setupFiles: ["test/workers/apply-migrations.ts"],
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
    ],
  },
});
