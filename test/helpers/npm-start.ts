/**
 * `npm start` as a developer runs it: scripts/start.mjs in a child process, with its state
 * and .dev.vars in a directory of the caller's, on a given port — workerd through Miniflare,
 * no test gate in front. The environment given here reaches the worker (start.mjs passes
 * every declared variable through). Used by test/start.test.ts and the load bench.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { ROOT } from "./switchboard";

export interface StartedApp {
  readonly origin: string;
  /** The node process running start.mjs. */
  readonly child: ChildProcess;
  /** What start.mjs and workerd printed so far. */
  output(): string;
  /** SIGTERM, then waits for the process to exit. */
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

/** Starts start.mjs; resolves once its banner is out (rejects with its output if it exits first). */
export async function runNpmStart(dir: string, port: number, env: Record<string, string> = {}): Promise<StartedApp> {
  const child = spawn(process.execPath, [join(ROOT, "scripts", "start.mjs")], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      SWITCHBOARD_STATE: join(dir, "state"),
      SWITCHBOARD_DEV_VARS: join(dir, ".dev.vars"),
      // The widget is built by the suite (or the bench) already.
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
  return {
    origin: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
