/**
 * What the widget is told about a site (GET /api/sites/:key/config and the WebSocket's
 * `ready`): who answers — decided per site from its entry agent exactly as a turn decides,
 * not from whether the platform has a key — the team for the home view, and a refusal that
 * the page which asked can read.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublicSiteConfig } from "../shared/config";
import { addStaff, LOCAL_ORIGIN, setupOrg, startConversation, startSwitchboard, type Switchboard, testAgent } from "./helpers/switchboard";
import { WsClient, wsUrl } from "./helpers/ws-client";

let sb: Switchboard;

beforeAll(async () => {
  // No platform key for any family: the offline provider is the default.
  sb = await startSwitchboard();
  await setupOrg(sb, "plain", [testAgent("router")]);
  await setupOrg(sb, "ownmodel", [testAgent("router", { model: { family: "openai-compatible", name: "llama-3", baseURL: "https://llm.example.com/v1" } })]);
  await setupOrg(sb, "byokey", [testAgent("router", { model: { family: "anthropic", name: "claude-sonnet-4-5", apiKeySecret: "ANTHROPIC_KEY" } })]);
  await setupOrg(sb, "team", [testAgent("router")], "router", { handoffTimeoutSec: 300 });
  await setupOrg(sb, "closed", [testAgent("router")], "router", { businessHours: { timezone: "UTC", days: {} } });
  await addStaff(sb, "team", "kim@team.example", "Kim Lee");
  await addStaff(sb, "team", "ana@team.example", "Ana María Ruiz");
});
afterAll(async () => {
  await sb?.close();
});

const config = async (siteKey: string, origin = LOCAL_ORIGIN) => {
  const res = await sb.fetch(`/api/sites/${siteKey}/config`, { headers: { origin } });
  expect(res.status).toBe(200);
  return (await res.json()) as PublicSiteConfig;
};

async function ready(siteKey: string) {
  const conv = await startConversation(sb, siteKey);
  const ws = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
  const event = await ws.waitFor("ready");
  ws.close();
  return event.data;
}

describe("who answers, per site", () => {
  it("a site whose agent has no model it can reach is offline; the platform says offline too", async () => {
    expect(await config("plain")).toMatchObject({ provider: "offline", family: "offline" });
    expect(await ready("plain")).toMatchObject({ provider: "offline", family: "offline" });
    expect(((await (await sb.fetch("/api/health")).json()) as { provider: string }).provider).toBe("offline");
  });

  it("a site whose agent brings its own endpoint answers with a model although the platform has no key", async () => {
    expect(await config("ownmodel")).toMatchObject({ provider: "openai", family: "openai-compatible" });
    expect(await ready("ownmodel")).toMatchObject({ provider: "openai", family: "openai-compatible" });
  });

  it("an agent whose org secret is missing is offline until the org sets it", async () => {
    expect(await config("byokey")).toMatchObject({ provider: "offline", family: "offline" });
    await sb.putSecret("byokey", "ANTHROPIC_KEY", "sk-ant-test-0123456789");
    expect(await ready("byokey")).toMatchObject({ provider: "openai", family: "anthropic" });
  });
});

describe("the home view's team", () => {
  it("shows the team's first names (never their emails), whether it is at work and how soon it replies", async () => {
    const team = await config("team");
    expect(team.team).toEqual([{ name: "Kim" }, { name: "Ana" }]);
    expect(JSON.stringify(team)).not.toContain("@team.example");
    expect(team).toMatchObject({ staffed: true, replyWithinSec: 300 });
    expect(await config("closed")).toMatchObject({ staffed: false, team: [] });
  });
});

describe("a page the site does not allow", () => {
  it("gets a 403 it can read (CORS headers on the refusal), naming its origin", async () => {
    const res = await sb.fetch("/api/sites/plain/config", { headers: { origin: "https://not-allowed.example" } });
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://not-allowed.example");
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("https://not-allowed.example");
    // Nothing of the site's is in the refusal, and a conversation still cannot start from there.
    const start = await sb.fetch("/api/sites/plain/conversations", { method: "POST", headers: { origin: "https://not-allowed.example", "content-type": "application/json" }, body: "{}" });
    expect(start.status).toBe(403);
  });
});
