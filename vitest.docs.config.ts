// `npm run screenshots`: regenerates the README's pictures (docs/*.png).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["docs/**/*.run.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
