#!/usr/bin/env node
// `npm run dev`: wrangler dev, for editing — it rebuilds and reloads the worker when a file
// changes. Same local state, variables and demo as `npm start` (which runs the worker on
// workerd without wrangler's dev proxy, and is what to use for anything under load).
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildWidget, DEV_VARS, devVars, environmentVars, HOST, migrate, PORT, ROOT, seedAndGreet, STATE, waitForHealth } from "./local.mjs";

// What the worker gets: .dev.vars, then the environment over it.
const vars = { ...devVars(), ...environmentVars() };
buildWidget();
migrate();

// wrangler dev does not hand the shell's environment to the worker: the variables the
// worker reads go in an env file read after .dev.vars, so the environment wins.
const envFile = join(STATE, "..", "dev.env");
mkdirSync(join(STATE, ".."), { recursive: true });
writeFileSync(envFile, Object.entries(environmentVars()).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") + "\n", { mode: 0o600 });

const npx = process.platform === "win32" ? "npx.cmd" : "npx";
const dev = spawn(
  npx,
  [
    "wrangler", "dev",
    "--ip", HOST,
    "--port", String(PORT),
    "--persist-to", STATE,
    "--env-file", DEV_VARS,
    "--env-file", envFile,
    "--show-interactive-dev-session=false",
    "--log-level", process.env.WRANGLER_LOG ?? "warn",
  ],
  { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], env: process.env },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));

let alive = true;
dev.on("exit", () => (alive = false));
await seedAndGreet(vars, await waitForHealth(() => alive));
