import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file runs its own workerd; two at a time suits a 2-core machine.
    maxWorkers: 2,
    // A test that skips is a test that does not run: CI treats it as a failure.
    allowOnly: false,
  },
});
