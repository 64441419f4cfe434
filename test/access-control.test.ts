/**
 * Access rules, each tried with the wrong credentials: scoped admin tokens stay inside
 * their scopes and their org; no admin, staff or visitor endpoint lets one org read
 * another's data; tokens cannot mint broader tokens; revoked tokens stop working; and rate
 * limits answer 429 with Retry-After.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_MESSAGE_BYTES } from "../shared/limits";
import {
  ADMIN_TOKEN,
  addStaff,
  LOCAL_ORIGIN,
  send,
  setupOrg,
  staffLogin,
  startConversation,
  startSwitchboard,
  type Switchboard,
  testAgent,
} from "./helpers/switchboard";
import { WsClient, wsUrl } from "./helpers/ws-client";

let sb: Switchboard;
let convA: { id: string; token: string };
let convB: { id: string; token: string };

const call = (token: string, method: string, path: string, body?: unknown) =>
  sb.fetch(path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });

async function issue(scopes: string[], orgId: string | null, by = ADMIN_TOKEN) {
  const res = await call(by, "POST", "/api/admin/tokens", { name: `t-${scopes.join("-")}`, orgId, scopes });
  return { status: res.status, body: (await res.json()) as { id: string; token: string; error?: { code: string } } };
}

beforeAll(async () => {
  sb = await startSwitchboard();
  const offline = { model: { provider: "offline" as const } };
  await setupOrg(sb, "orga", [testAgent("router", offline)]);
  await setupOrg(sb, "orgb", [testAgent("router", offline)]);
  convA = await startConversation(sb, "orga");
  convB = await startConversation(sb, "orgb");
  await send(sb, convB, "org B's secret question");
  await addStaff(sb, "orga", "ann@a.example", "Ann");
});
afterAll(async () => {
  await sb?.close();
});

describe("scoped admin tokens", () => {
  it("a token limited to one org and to knowledge:write cannot write elsewhere or read outside its scopes", async () => {
    const { body } = await issue(["knowledge:write"], "orga");
    const t = body.token;
    // Inside its scope: allowed.
    expect((await call(t, "POST", "/api/admin/orgs/orga/collections/kb/documents", { format: "text", content: "hello world" })).status).toBe(201);
    expect((await call(t, "GET", "/api/admin/orgs/orga/collections")).status).toBe(200); // write implies read
    // Other resources in its org: refused.
    expect((await call(t, "POST", "/api/admin/orgs/orga/agents", testAgent("intruder"))).status).toBe(403);
    expect((await call(t, "GET", "/api/admin/orgs/orga/sites")).status).toBe(403);
    expect((await call(t, "GET", "/api/admin/orgs/orga/conversations")).status).toBe(403);
    // Its own scope in another org: refused, exactly as for an org that does not exist.
    const other = await call(t, "POST", "/api/admin/orgs/orgb/collections/kb/documents", { format: "text", content: "x" });
    const unknown = await call(t, "POST", "/api/admin/orgs/no-such-org/collections/kb/documents", { format: "text", content: "x" });
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual(await unknown.json());
    // Cannot mint a broader token, nor one for another org, nor seed the demo.
    expect((await issue(["*"], "orga", t)).status).toBe(403);
    expect((await call(t, "POST", "/api/admin/demo/seed")).status).toBe(403);
  });

  it("a read-only token reads but cannot write", async () => {
    const { body } = await issue(["*:read"], "orga");
    expect((await call(body.token, "GET", "/api/admin/orgs/orga/agents")).status).toBe(200);
    expect((await call(body.token, "PUT", "/api/admin/orgs/orga/agents/router", testAgent("router"))).status).toBe(403);
    expect((await call(body.token, "POST", "/api/admin/orgs/orga/budgets", { period: "day", limitTokens: 5 })).status).toBe(403);
  });

  it("no admin endpoint lets an org's token read another org's data", async () => {
    const { body } = await issue(["*"], "orga");
    const t = body.token;
    const paths = [
      "/api/admin/orgs/orgb/sites",
      "/api/admin/orgs/orgb/sites/orgb",
      "/api/admin/orgs/orgb/agents",
      "/api/admin/orgs/orgb/agents/router",
      "/api/admin/orgs/orgb/agents/router/versions",
      "/api/admin/orgs/orgb/collections",
      "/api/admin/orgs/orgb/collections/kb/documents",
      "/api/admin/orgs/orgb/budgets",
      "/api/admin/orgs/orgb/staff",
      "/api/admin/orgs/orgb/conversations",
      `/api/admin/orgs/orgb/conversations/${convB.id}`,
      `/api/admin/conversations/${convB.id}/trace`,
      "/api/admin/orgs/orgb/leads",
      "/api/admin/orgs/orgb/leads.csv",
    ];
    for (const path of paths) {
      const res = await call(t, "GET", path);
      expect([403, 404], path).toContain(res.status);
      expect(await res.text()).not.toContain("secret question");
    }
    // Its org's conversation id under its own org path does not open org B's either.
    expect((await call(t, "GET", `/api/admin/orgs/orga/conversations/${convB.id}`)).status).toBe(404);
    const orgs = (await (await call(t, "GET", "/api/admin/orgs")).json()) as { orgs: { id: string }[] };
    expect(orgs.orgs.map((o) => o.id)).toEqual(["orga"]);
    const tokens = (await (await call(t, "GET", "/api/admin/tokens")).json()) as { tokens: { orgId: string }[] };
    expect(tokens.tokens.every((x) => x.orgId === "orga")).toBe(true);
  });

  it("tokens are stored hashed, and a revoked token stops working", async () => {
    const { body } = await issue(["agents:read"], "orga");
    const row = await sb.db.prepare("SELECT token_hash FROM admin_tokens WHERE id = ?").bind(body.id).first<{ token_hash: string }>();
    expect(row?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await sb.db.prepare("SELECT * FROM admin_tokens").all())).not.toContain(body.token);
    expect((await call(body.token, "GET", "/api/admin/orgs/orga/agents")).status).toBe(200);
    expect((await call(ADMIN_TOKEN, "DELETE", `/api/admin/tokens/${body.id}`)).status).toBe(200);
    expect((await call(body.token, "GET", "/api/admin/orgs/orga/agents")).status).toBe(401);
    expect((await call("sbat_forged_token", "GET", "/api/admin/orgs/orga/agents")).status).toBe(401);
    expect((await call("", "GET", "/api/admin/orgs/orga/agents")).status).toBe(401);
  });
});

describe("keys, CORS and leads", () => {
  it("a deleted site's key is never reused, so its conversations cannot pass to another org", async () => {
    await call(ADMIN_TOKEN, "POST", "/api/admin/orgs", { id: "orgc", name: "C" });
    await call(ADMIN_TOKEN, "POST", "/api/admin/orgs/orga/agents", { ...testAgent("front"), model: { provider: "offline" } });
    expect((await call(ADMIN_TOKEN, "POST", "/api/admin/orgs/orga/sites", { key: "gone", name: "Gone", entryAgent: "front", allowedOrigins: [LOCAL_ORIGIN] })).status).toBe(201);
    const conv = await startConversation(sb, "gone");
    expect((await call(ADMIN_TOKEN, "DELETE", "/api/admin/orgs/orga/sites/gone")).status).toBe(200);
    await call(ADMIN_TOKEN, "POST", "/api/admin/orgs/orgc/agents", { ...testAgent("front"), model: { provider: "offline" } });
    const reuse = await call(ADMIN_TOKEN, "POST", "/api/admin/orgs/orgc/sites", { key: "gone", name: "Mine now", entryAgent: "front", allowedOrigins: [LOCAL_ORIGIN] });
    expect(reuse.status).toBe(409);
    // The old conversation answers as a conversation whose site is gone.
    expect((await sb.fetch(`/api/conversations/${conv.id}/messages`, { headers: { authorization: `Bearer ${conv.token}` } })).status).toBe(404);
  });

  it("answers CORS preflights for the visitor API only", async () => {
    const preflight = (path: string) => sb.fetch(path, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    expect((await preflight(`/api/conversations/${convA.id}/messages`)).headers.get("access-control-allow-origin")).toBe("https://evil.example");
    expect((await preflight("/api/admin/orgs")).headers.get("access-control-allow-origin")).toBeNull();
    expect((await preflight("/api/staff/login")).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("takes a lead only when the conversation asks for one", async () => {
    const res = await sb.fetch(`/api/conversations/${convA.id}/lead`, {
      method: "POST",
      headers: { authorization: `Bearer ${convA.token}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "spam@example.com" }),
    });
    expect(res.status).toBe(409);
    expect(await sb.db.prepare("SELECT COUNT(*) AS n FROM leads WHERE email = 'spam@example.com'").first()).toEqual({ n: 0 });
  });

  it("a token cannot revoke a token broader than itself", async () => {
    const broad = await issue(["*"], "orga");
    const narrow = await issue(["tokens:write"], "orga");
    expect((await call(narrow.body.token, "DELETE", `/api/admin/tokens/${broad.body.id}`)).status).toBe(403);
    expect((await call(broad.body.token, "GET", "/api/admin/orgs/orga/agents")).status).toBe(200);
  });

  it("no site may claim the deployment's own host as a custom domain", async () => {
    const own = new URL(sb.url).hostname;
    const res = await call(ADMIN_TOKEN, "PUT", "/api/admin/orgs/orga/sites/orga", { name: "A", entryAgent: "router", allowedOrigins: [LOCAL_ORIGIN], customDomains: [own] });
    expect(res.status).toBe(400);
  });
});

describe("visitors and staff stay in their lane", () => {
  it("a visitor token opens only its own conversation", async () => {
    const res = await sb.fetch(`/api/conversations/${convB.id}/messages?after=0`, { headers: { authorization: `Bearer ${convA.token}` } });
    expect(res.status).toBe(401);
    await expect(WsClient.connect(wsUrl(sb.url, convB.id, convA.token))).rejects.toMatchObject({ status: 401 });
    for (const path of ["handoff", "stop", "feedback", "lead", "identify"]) {
      const r = await sb.fetch(`/api/conversations/${convB.id}/${path}`, { method: "POST", headers: { authorization: `Bearer ${convA.token}`, "content-type": "application/json" }, body: "{}" });
      expect([400, 401], path).toContain(r.status);
    }
  });

  it("staff see only their org", async () => {
    const ann = await staffLogin(sb, "ann@a.example");
    expect((await ann.get(`/api/staff/conversations/${convB.id}`)).status).toBe(404);
    const list = (await (await ann.get("/api/staff/conversations?status=all")).json()) as { conversations: { id: string }[] };
    expect(list.conversations.map((c) => c.id)).not.toContain(convB.id);
    expect(list.conversations.map((c) => c.id)).toContain(convA.id);
  });
});

describe("rate limits", () => {
  let limited: Switchboard;
  let c: { id: string; token: string };
  beforeAll(async () => {
    limited = await startSwitchboard({
      vars: { RATE_LIMIT_STARTS_PER_IP: "3", RATE_LIMIT_SENDS_PER_VISITOR: "2", RATE_LIMIT_SENDS_PER_IP: "1000", RATE_LIMIT_LOGINS_PER_IP: "2", RATE_LIMIT_ACTIONS_PER_IP: "3" },
    });
    await setupOrg(limited, "rl", [testAgent("router", { model: { provider: "offline" } })]);
    c = await startConversation(limited, "rl"); // the first of the IP's three starts
  });
  afterAll(async () => {
    await limited?.close();
  });

  const start = () => limited.fetch("/api/sites/rl/conversations", { method: "POST", headers: { origin: LOCAL_ORIGIN }, body: "{}" });

  it("conversation starts per IP", async () => {
    for (let i = 0; i < 2; i++) expect((await start()).status).toBe(201);
    const res = await start();
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
  });

  it("message sends per visitor, over HTTP and WebSocket; a resend is not counted", async () => {
    const post = (id: string) =>
      limited.fetch(`/api/conversations/${c.id}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${c.token}`, "content-type": "application/json" },
        body: JSON.stringify({ clientMessageId: id, text: "hello" }),
      });
    const first = await post("rate-msg-0001");
    await first.text();
    const second = await post("rate-msg-0002");
    await second.text();
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await post("rate-msg-0003");
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toBeTruthy();
    // A resend of an accepted message is not a new message.
    const resend = await post("rate-msg-0001");
    expect(resend.status).toBe(200);
    await resend.text();
    const ws = await WsClient.connect(wsUrl(limited.url, c.id, c.token));
    await ws.waitFor("ready");
    ws.send({ type: "send", clientMessageId: "rate-msg-0004", text: "x".repeat(Math.min(10, MAX_MESSAGE_BYTES)) });
    const error = await ws.waitFor("error");
    expect(error.data).toMatchObject({ code: "rate_limited", retryAfter: expect.any(Number) });
    ws.close();
    const stored = (await (await limited.fetch(`/api/conversations/${c.id}/messages?after=0`, { headers: { authorization: `Bearer ${c.token}` } })).json()) as { messages: { role: string }[] };
    expect(stored.messages.filter((m) => m.role === "user")).toHaveLength(2);
  });

  it("staff sign-in attempts per IP", async () => {
    const attempt = () => limited.fetch("/api/staff/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "x@y.example", password: "guess" }) });
    expect((await attempt()).status).toBe(401);
    expect((await attempt()).status).toBe(401);
    const blocked = await attempt();
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toBeTruthy();
  });

  it("handoffs, leads, feedback and identify calls per IP", async () => {
    const hit = () => limited.fetch(`/api/conversations/${c.id}/handoff`, { method: "POST", headers: { authorization: `Bearer ${c.token}` } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await hit()).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
