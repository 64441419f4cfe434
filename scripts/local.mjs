// What `npm start` (workerd through Miniflare) and `npm run dev` (wrangler dev) share:
// where local state lives, the variables the worker gets, building, migrating, seeding and
// the banner a newcomer reads.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ensureDevVars } from "./dev-vars.mjs";

export const ROOT = resolve(import.meta.dirname, "..");
export const HOST = "127.0.0.1";
export const PORT = Number(process.env.PORT ?? 8787);
export const ORIGIN = `http://${HOST}:${PORT}`;
/** Local state: the same directory `wrangler dev` uses (D1, Durable Objects, KV under v3/). */
export const STATE = resolve(process.env.SWITCHBOARD_STATE ?? resolve(ROOT, ".wrangler/state"));
export const DEV_VARS = resolve(process.env.SWITCHBOARD_DEV_VARS ?? resolve(ROOT, ".dev.vars"));
const npx = process.platform === "win32" ? "npx.cmd" : "npx";

// No network: skip miniflare's download of a sample `request.cf` object.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

export function run(args, label, env = {}) {
  const r = spawnSync(npx, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, CI: "true", ...env } });
  if (r.status !== 0) {
    console.error(`\n✗ ${label} failed`);
    process.exit(r.status ?? 1);
  }
}

/** .dev.vars, with random values written for the local secrets that are missing. */
export function devVars() {
  const { vars, added } = ensureDevVars(DEV_VARS);
  if (added.length) console.log(`Wrote ${added.join(", ")} to ${DEV_VARS}`);
  return vars;
}

/**
 * Every variable the worker reads (the optional string fields of `Env` in worker/env.ts)
 * that is set in this process's environment: the environment wins over .dev.vars, as the
 * README promises. (Org secrets are not variables: they live in the encrypted store.)
 */
export function environmentVars() {
  const declared = [...readFileSync(resolve(ROOT, "worker/env.ts"), "utf8").matchAll(/^\s+([A-Z][A-Z0-9_]*)\?: string;/gm)].map((m) => m[1]);
  const out = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && declared.includes(key)) out[key] = value;
  }
  return out;
}

export function buildWidget() {
  if (process.env.SKIP_BUILD) return;
  run(["vite", "build", "--logLevel", "warn"], "Widget build");
  run(["vite", "build", "--mode", "loader", "--logLevel", "warn"], "Loader build");
  run(["vite", "build", "--mode", "admin", "--logLevel", "warn"], "Console build");
}

/** D1 migrations into the local database (wrangler records them, so `wrangler dev` agrees). */
export function migrate() {
  run(["wrangler", "d1", "migrations", "apply", "switchboard", "--local", "--persist-to", STATE], "D1 migrations");
}

export async function waitForHealth(isAlive = () => true) {
  for (let i = 0; i < 480; i++) {
    if (!isAlive()) throw new Error("the server exited");
    try {
      const r = await fetch(`${ORIGIN}/api/health`);
      if (r.ok) return r.json();
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the server did not come up");
}

/** Seeds the demo (a no-op when it exists) and prints what a newcomer needs. */
export async function seedAndGreet(vars, health) {
  const seed = await fetch(`${ORIGIN}/api/admin/demo/seed`, { method: "POST", headers: { authorization: `Bearer ${vars.ADMIN_TOKEN}` } });
  if (!seed.ok) console.error(`Seeding the demo failed: ${seed.status} ${await seed.text()}`);
  const seeded = seed.ok ? (await seed.json()).seeded : false;
  console.log(`
  Switchboard is running — ${ORIGIN}

  Demo page            ${ORIGIN}/            (the chat is at the bottom right)
  Full-page assistant  ${ORIGIN}/chat/demo
  Demo site key        demo${seeded ? "   (just seeded)" : ""}
  Console: /admin      ${ORIGIN}/admin
                       alex@lumen.example / ${vars.DEMO_STAFF_PASSWORD}   (the demo's owner)
  Staff inbox          ${ORIGIN}/inbox
                       sam@lumen.example, same password   (a support agent; Alex too)
  Admin token          ${vars.ADMIN_TOKEN}    (Authorization: Bearer … on /api/admin/*)
  Model provider       ${health.provider}${health.provider === "offline" ? "   (set OPENAI_API_KEY for a language model)" : ""}

  Embed on any local page:
  <script src="${ORIGIN}/widget.js" data-site-key="demo" async></script>

  Ctrl+C stops.
`);
}
