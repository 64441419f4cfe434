/**
 * The per-isolate config cache (CONFIG_CACHE_SECONDS, worker/config/store.ts), which the
 * other suites leave off: a change made through the admin API is what the very next turn
 * uses; a change that bypasses the worker (KV written directly) is picked up once the
 * cached copy is older than the setting; and one org's cached config never serves another.
 */
import { describe, expect, it } from "vitest";
import { agent } from "./helpers/model-server";
import { eventually, send, setupOrg, startConversation, testAgent } from "./helpers/switchboard";
import { useScriptedSwitchboard } from "./helpers/fixtures";

// A cache that outlives the suite (what is seen must come from dropping the copy), and a short one.
const fx = useScriptedSwitchboard({ vars: { CONFIG_CACHE_SECONDS: "600" } });
const short = useScriptedSwitchboard({ vars: { CONFIG_CACHE_SECONDS: "1" } });

describe("config cache", () => {
  it("a turn uses an agent changed through the admin API at once", async () => {
    await setupOrg(fx.sb, "cache1", [testAgent("router")]);
    fx.model.always(agent("[router]"), { text: "first" });
    await send(fx.sb, await startConversation(fx.sb, "cache1"), "hi");
    expect(fx.model.requests.at(-1)?.system).toContain("You are [router].");

    // Through the worker: the isolate that wrote drops its copy.
    const res = await fx.sb.admin("/api/admin/orgs/cache1/agents/router", { method: "PUT", body: JSON.stringify(testAgent("router", { instructions: "You are [router], changed." })) });
    expect(res.status).toBe(200);
    await send(fx.sb, await startConversation(fx.sb, "cache1"), "hi again");
    expect(fx.model.requests.at(-1)?.system).toContain("You are [router], changed.");
  });

  it("a change written to KV behind the worker's back is used once the cached copy is older than the setting", async () => {
    await setupOrg(short.sb, "cache2", [testAgent("router")]);
    short.model.always(agent("[router]"), { text: "ok" });
    const conv = await startConversation(short.sb, "cache2");
    await send(short.sb, conv, "warm the cache");
    // The test gate writes KV directly: the app's copy is not dropped.
    await short.sb.putAgent("cache2", testAgent("router", { instructions: "You are [router], v2." }));
    await eventually(async () => {
      await send(short.sb, conv, "which version?");
      return short.model.requests.at(-1)?.system.includes("v2") || undefined;
    }, "the new instructions within the cache's lifetime");
  });

  it("keys are per org: one org's cached agent never answers for another's", async () => {
    await setupOrg(fx.sb, "cache3a", [testAgent("router", { instructions: "You are [router] of org A." })]);
    await setupOrg(fx.sb, "cache3b", [testAgent("router", { instructions: "You are [router] of org B." })]);
    fx.model.always(agent("[router]"), { text: "ok" });
    await send(fx.sb, await startConversation(fx.sb, "cache3a"), "a");
    await send(fx.sb, await startConversation(fx.sb, "cache3b"), "b");
    const systems = fx.model.requests.map((r) => r.system);
    expect(systems[0]).toContain("org A");
    expect(systems[1]).toContain("org B");
  });
});
