/**
 * Imports flow one way: no circle among the worker's modules, type-only imports included
 * (scripts/import-cycles.mjs). The checker itself is shown a circle first, so a broken
 * checker cannot pass.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/switchboard";

const checker = join(ROOT, "scripts", "import-cycles.mjs");

describe("import graph", () => {
  it("the checker finds a circle made of a value import and a type-only `import(…)`", () => {
    const dir = mkdtempSync(join(tmpdir(), "cycles-"));
    try {
      writeFileSync(join(dir, "a.ts"), 'import { b } from "./b";\nexport const a = b;\n');
      writeFileSync(join(dir, "b.ts"), 'export const b = 1;\nexport type A = import("./a").A2;\n');
      const run = spawnSync(process.execPath, [checker, dir], { encoding: "utf8" });
      expect(run.status).toBe(1);
      expect(run.stdout).toContain("a.ts");
      expect(run.stdout).toContain("b.ts");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the worker has no import circle", () => {
    expect(execFileSync(process.execPath, [checker, join(ROOT, "worker")], { encoding: "utf8" })).toContain("no import circles");
  });
});
