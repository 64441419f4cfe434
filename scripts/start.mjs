#!/usr/bin/env node
// `npm start`: build the widget and the worker bundle, migrate local D1, run the worker on
// workerd through Miniflare's API — the same bindings and local state as `wrangler dev`,
// without its dev proxy, inspector or debug log — seed the demo, and print what a
// newcomer needs. No account, key or network. (`npm run dev` is wrangler dev, for editing.)
//
// SWITCHBOARD_STATE (local state, default .wrangler/state), SWITCHBOARD_DEV_VARS (default
// .dev.vars) and SWITCHBOARD_BUNDLE (a bundle already built by `wrangler deploy --dry-run`)
// let tests run it in a directory of their own.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { buildWidget, DEV_VARS, devVars, environmentVars, HOST, migrate, PORT, ROOT, run, seedAndGreet, STATE, waitForHealth } from "./local.mjs";

// What the worker gets: .dev.vars, then the environment over it.
const vars = { ...devVars(), ...environmentVars() };
buildWidget();
const bundle = process.env.SWITCHBOARD_BUNDLE ? resolve(process.env.SWITCHBOARD_BUNDLE) : resolve(STATE, "..", "start-bundle");
if (!process.env.SWITCHBOARD_BUNDLE || !existsSync(join(bundle, "index.js"))) {
  // `wrangler deploy` takes no --log-level flag (wrangler dev does): the variable sets it.
  run(["wrangler", "deploy", "--dry-run", "--outdir", bundle], "Worker bundle", { WRANGLER_LOG: "error" });
}
migrate();

// wrangler.toml's bindings and [vars]; .dev.vars under them, the environment over both.
const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"), undefined, { envFiles: [DEV_VARS] });
const mf = new Miniflare({
  host: HOST,
  port: PORT,
  // The same layout wrangler dev uses under its state directory.
  defaultPersistRoot: join(STATE, "v3"),
  workers: [
    {
      ...workerOptions,
      name: "switchboard",
      modules: [{ type: "ESModule", path: join(bundle, "index.js") }],
      modulesRoot: bundle,
      bindings: { ...workerOptions.bindings, ...vars },
      assets: workerOptions.assets ? { ...workerOptions.assets, directory: join(ROOT, "dist", "public") } : undefined,
    },
  ],
});

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await mf.dispose().catch(() => {});
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => void stop(0));

try {
  await mf.ready;
  await seedAndGreet(vars, await waitForHealth());
  // Miniflare has no cron scheduler: wrangler.toml's hourly trigger is fired from here, at each
  // full hour, so scheduled jobs (knowledge refresh, …) run locally as they do when deployed.
  const worker = await mf.getWorker("switchboard");
  const fire = () => worker.scheduled({ scheduledTime: new Date(), cron: "0 * * * *" }).catch((e) => console.error("scheduled run failed:", e));
  const untilNextHour = 3_600_000 - (Date.now() % 3_600_000);
  setTimeout(() => {
    void fire();
    setInterval(fire, 3_600_000).unref();
  }, untilNextHour).unref();
} catch (error) {
  console.error(`✗ Switchboard did not start: ${error instanceof Error ? error.message : error}`);
  await stop(1);
}
