/**
 * Agent and site configs in KV, inside workerd: validated by the shared zod schemas on
 * write and on read, versioned on every write.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getAgent, getAgentVersion, getSite, putAgent, putSite } from "../../worker/config/store";
import type { Env } from "../../worker/env";

const e = env as unknown as Env;

describe("agent configs", () => {
  it("fills defaults, keeps every version, and reads back what was written", async () => {
    const v1 = await putAgent(e, "cfg", { id: "helper", name: "Helper", description: "Helps." });
    expect(v1.version).toBe(1);
    expect(v1.config).toMatchObject({ timeoutMs: 60_000, maxTurns: 8, maxToolCalls: 16, maxParallel: 4, delegates: [], model: { family: "openai", name: "gpt-4o-mini", maxOutputTokens: 1024 } });
    const v2 = await putAgent(e, "cfg", { id: "helper", name: "Helper 2", description: "Helps more.", timeoutMs: 5_000 });
    expect(v2.version).toBe(2);
    expect((await getAgent(e, "cfg", "helper"))?.name).toBe("Helper 2");
    expect((await getAgentVersion(e, "cfg", "helper", 1))?.config.name).toBe("Helper");
  });

  it("refuses an invalid config on write and leaves the stored one alone", async () => {
    await putAgent(e, "cfg", { id: "strict", name: "Strict", description: "x" });
    await expect(putAgent(e, "cfg", { id: "strict", name: "", description: "x" })).rejects.toThrow();
    await expect(putAgent(e, "cfg", { id: "Bad Id!", name: "n", description: "x" })).rejects.toThrow();
    await expect(putAgent(e, "cfg", { id: "strict", name: "n", description: "x", timeoutMs: 10 })).rejects.toThrow();
    expect((await getAgent(e, "cfg", "strict"))?.name).toBe("Strict");
  });

  it("refuses a stored value that no longer validates (hand-edited KV) with a clear error", async () => {
    await e.CONFIG.put("agent:cfg:broken", JSON.stringify({ version: 1, updatedAt: "x", config: { id: "broken", name: 42 } }));
    await expect(getAgent(e, "cfg", "broken")).rejects.toThrow(/stored agent broken is invalid/);
    await e.CONFIG.put("site:brokensite", JSON.stringify({ key: "brokensite", allowedOrigins: ["not an origin"] }));
    await expect(getSite(e, "brokensite")).rejects.toThrow(/stored site brokensite is invalid/);
  });

  it("site configs validate origins and index custom domains", async () => {
    await expect(putSite(e, { key: "s1", orgId: "cfg", name: "S", entryAgent: "helper", allowedOrigins: ["javascript:alert(1)"] })).rejects.toThrow();
    const site = await putSite(e, { key: "s1", orgId: "cfg", name: "S", entryAgent: "helper", allowedOrigins: ["https://shop.example", "http://localhost:*"], customDomains: ["help.shop.example"] });
    expect(site.theme.primaryColor).toMatch(/^#/);
    expect(await e.CONFIG.get("domain:help.shop.example")).toBe("s1");
  });
});
