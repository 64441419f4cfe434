/**
 * `npm start` for the bench: scripts/start.mjs in a temporary directory of its own (state,
 * .dev.vars) on a free port, with the bundle the bench already built, exactly as a
 * developer runs it — workerd through Miniflare, no test gate in front. The environment
 * given here reaches the worker (start.mjs passes every declared variable through).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, runNpmStart, type StartedApp } from "../test/helpers/npm-start";
import { BUNDLE_DIR } from "../test/helpers/switchboard";
import { workerdChildren } from "./cpu";

export interface NpmStart extends StartedApp {
  /** The workerd that start.mjs started (for its CPU time). */
  readonly workerdPid: number | null;
}

export async function npmStart(env: Record<string, string> = {}): Promise<NpmStart> {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-bench-"));
  const app = await runNpmStart(dir, await freePort(), { SWITCHBOARD_BUNDLE: BUNDLE_DIR, ...env });
  return {
    ...app,
    workerdPid: app.child.pid ? (workerdChildren(app.child.pid)[0] ?? null) : null,
    async stop() {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
