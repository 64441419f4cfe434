/**
 * Once per `vitest run`: bundle the worker exactly as `wrangler deploy` would (dry run,
 * no account needed) and make sure the widget is built, so every suite runs the real
 * artefacts.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_DIR, ROOT } from "./helpers/switchboard";

export default function setup(): void {
  const npx = process.platform === "win32" ? "npx.cmd" : "npx";
  const opts = { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] as ("ignore" | "inherit")[] };
  if (!existsSync(join(ROOT, "dist", "public", "widget.js"))) {
    execFileSync(npx, ["vite", "build", "--logLevel", "warn"], opts);
    execFileSync(npx, ["vite", "build", "--mode", "loader", "--logLevel", "warn"], opts);
  }
  execFileSync(npx, ["wrangler", "deploy", "--dry-run", "--outdir", BUNDLE_DIR], opts);
}
