#!/usr/bin/env node
// `npm start`: build the widget, prepare local D1, start `wrangler dev`, seed the demo, and
// print what a newcomer needs. No account, key or network.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { ensureDevVars } from "./dev-vars.mjs";

const PORT = Number(process.env.PORT ?? 8787);
const HOST = "127.0.0.1";
const ORIGIN = `http://${HOST}:${PORT}`;
const npx = process.platform === "win32" ? "npx.cmd" : "npx";

function run(args, label) {
  const r = spawnSync(npx, args, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, CI: "true" } });
  if (r.status !== 0) {
    console.error(`\n✗ ${label} failed`);
    process.exit(r.status ?? 1);
  }
}

const { vars, added } = ensureDevVars(".dev.vars");
if (added.length) console.log(`Wrote ${added.join(", ")} to .dev.vars`);

if (!process.env.SKIP_BUILD) {
  run(["vite", "build", "--logLevel", "warn"], "Widget build");
  run(["vite", "build", "--mode", "loader", "--logLevel", "warn"], "Loader build");
}
run(["wrangler", "d1", "migrations", "apply", "switchboard", "--local"], "D1 migrations");

// wrangler does not pass the shell's environment to the worker; the model keys may come from
// either place (the environment wins).
mkdirSync(".wrangler", { recursive: true });
const MODEL_VARS = ["OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", "XAI_API_KEY", "DEEPSEEK_API_KEY", "QWEN_API_KEY", "GLM_API_KEY"];
const passthrough = MODEL_VARS.filter((k) => process.env[k]);
writeFileSync(".wrangler/start.env", passthrough.map((k) => `${k}=${process.env[k]}`).join("\n") + "\n", { mode: 0o600 });

const dev = spawn(
  npx,
  [
    "wrangler", "dev",
    "--ip", HOST,
    "--port", String(PORT),
    "--env-file", ".dev.vars",
    "--env-file", ".wrangler/start.env",
    "--show-interactive-dev-session=false",
    "--log-level", process.env.WRANGLER_LOG ?? "warn",
  ],
  // No network: skip miniflare's download of a sample `request.cf` object.
  { stdio: ["ignore", "inherit", "inherit"], env: { CLOUDFLARE_CF_FETCH_ENABLED: "false", ...process.env } },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));

async function waitForHealth() {
  for (let i = 0; i < 240; i++) {
    try {
      const r = await fetch(`${ORIGIN}/api/health`);
      if (r.ok) return r.json();
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("wrangler dev did not come up");
}

const health = await waitForHealth();
const seed = await fetch(`${ORIGIN}/api/admin/demo/seed`, { method: "POST", headers: { authorization: `Bearer ${vars.ADMIN_TOKEN}` } });
if (!seed.ok) console.error(`Seeding the demo failed: ${seed.status} ${await seed.text()}`);
const seeded = seed.ok ? (await seed.json()).seeded : false;

console.log(`
  Switchboard is running — ${ORIGIN}

  Demo page            ${ORIGIN}/            (the chat is at the bottom right)
  Full-page assistant  ${ORIGIN}/chat/demo
  Demo site key        demo${seeded ? "   (just seeded)" : ""}
  Admin token          ${vars.ADMIN_TOKEN}    (Authorization: Bearer … on /api/admin/*)
  Staff inbox          ${ORIGIN}/inbox
                       alex@lumen.example / ${vars.DEMO_STAFF_PASSWORD}   (and sam@lumen.example, same password)
  Model provider       ${health.provider}${health.provider === "offline" ? "   (set OPENAI_API_KEY for a language model)" : ""}

  Embed on any local page:
  <script src="${ORIGIN}/widget.js" data-site-key="demo" async></script>

  Ctrl+C stops.
`);
