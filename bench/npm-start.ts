/**
 * `npm start` for the bench: scripts/start.mjs in a temporary directory of its own (state,
 * .dev.vars) on a free port, with the bundle the bench already built, exactly as a
 * developer runs it — workerd through Miniflare, no test gate in front. The environment
 * given here reaches the worker (start.mjs passes every declared variable through).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLE_DIR, ROOT } from "../test/helpers/switchboard";
import { workerdChildren } from "./cpu";

export interface NpmStart {
  readonly origin: string;
  /** The node process running start.mjs, and the workerd it started (for their CPU time). */
  readonly child: ChildProcess;
  readonly workerdPid: number | null;
  /** What start.mjs and workerd printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function npmStart(env: Record<string, string> = {}): Promise<NpmStart> {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-bench-"));
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, "scripts", "start.mjs")], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      SWITCHBOARD_STATE: join(dir, "state"),
      SWITCHBOARD_DEV_VARS: join(dir, ".dev.vars"),
      SWITCHBOARD_BUNDLE: BUNDLE_DIR,
      SKIP_BUILD: "1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += String(d)));
  child.stderr?.on("data", (d) => (output += String(d)));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (output.includes("Ctrl+C stops.")) return resolve();
      if (child.exitCode !== null) return reject(new Error(`npm start exited with ${child.exitCode}:\n${output}`));
      setTimeout(check, 100);
    };
    check();
  });
  const workerdPid = child.pid ? (workerdChildren(child.pid)[0] ?? null) : null;
  return {
    origin: `http://127.0.0.1:${port}`,
    child,
    workerdPid,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
