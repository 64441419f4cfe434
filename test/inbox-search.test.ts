/**
 * Finding and organising conversations over the staff and admin APIs: full-text search
 * (message text, visitor name and email) from the org's index with the filter bar's
 * conditions, canned replies, labels, and the visitor's profile and past conversations —
 * with the hostile cases (query syntax, other orgs, permissions).
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agent, ScriptedModel } from "./helpers/model-server";
import { addStaff, LOCAL_ORIGIN, send, setupOrg, staffLogin, type StaffClient, startSwitchboard, type Switchboard, testAgent } from "./helpers/switchboard";

let sb: Switchboard;
const model = new ScriptedModel();
let alex: StaffClient;
let sam: StaffClient;
let olga: StaffClient;
let owen: StaffClient;
const SECRET = "identity-secret-0123456789";

interface Hit {
  id: string;
  teamId: string | null;
  summary: string | null;
  status: string;
  snippet: string | null;
  labels: string[];
  visitorName: string | null;
  identityVerified: boolean;
  visitorId: string | null;
}

beforeAll(async () => {
  await model.start();
  sb = await startSwitchboard({ vars: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: model.url } });
  model.always(agent("[router]"), { text: "The bot answers." });
  await setupOrg(sb, "find", [testAgent("router")], "router", { identitySecret: SECRET });
  await setupOrg(sb, "find-anon", [], "router", { orgId: "find" });
  await setupOrg(sb, "other", [testAgent("router")]);
  await addStaff(sb, "find", "alex@find.example", "Alex");
  await addStaff(sb, "find", "sam@find.example", "Sam");
  await addStaff(sb, "other", "olga@other.example", "Olga");
  await sb.db.prepare("INSERT INTO staff (id, org_id, email, name, password_hash, role) SELECT 'st_owenfind', 'find', 'owen@find.example', 'Owen', password_hash, 'owner' FROM staff WHERE id = 'st_alexfindexample'").run();
  [alex, sam, olga, owen] = await Promise.all([
    staffLogin(sb, "alex@find.example"),
    staffLogin(sb, "sam@find.example"),
    staffLogin(sb, "olga@other.example"),
    staffLogin(sb, "owen@find.example"),
  ]);
});
afterAll(async () => {
  await sb?.close();
  await model.stop();
});

const sign = (userId: string, email?: string) => createHmac("sha256", SECRET).update(`${userId}\n${email ?? ""}`).digest("hex");

async function start(site: string, body: Record<string, unknown> = {}) {
  const res = await sb.fetch(`/api/sites/${site}/conversations`, { method: "POST", headers: { origin: LOCAL_ORIGIN, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  const started = (await res.json()) as { conversationId: string; token: string };
  return { id: started.conversationId, token: started.token };
}

const put = (who: StaffClient, path: string, body: unknown) =>
  sb.fetch(path, { method: "PUT", headers: { cookie: who.cookie, "x-csrf-token": who.csrf, "content-type": "application/json", origin: sb.url }, body: JSON.stringify(body) });
const del = (who: StaffClient, path: string) => sb.fetch(path, { method: "DELETE", headers: { cookie: who.cookie, "x-csrf-token": who.csrf, origin: sb.url } });

async function search(who: StaffClient, query: string): Promise<Hit[]> {
  const res = await who.get(`/api/staff/conversations?${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { conversations: Hit[] }).conversations;
}

describe("search", () => {
  let ada: { id: string; token: string };
  let grace: { id: string; token: string };
  let anon: { id: string; token: string };

  beforeAll(async () => {
    ada = await start("find", { identity: { userId: "u-ada", name: "Ada Lovelace", email: "ada@example.com", signature: sign("u-ada", "ada@example.com") } });
    await send(sb, ada, "My invoice INV-2042 was charged twice");
    grace = await start("find", { identity: { userId: "u-grace", name: "Grace Hopper", email: "grace@navy.example", signature: sign("u-grace", "grace@navy.example") } });
    await send(sb, grace, "The export to PDF fails with a café menu");
    anon = await start("find-anon", { visitorId: "vis_anon_1234" });
    await send(sb, anon, "Where do I change my password?");
    const other = await start("other");
    await send(sb, other, "My invoice INV-2042 in the other org");
  });

  it("finds conversations by message text, visitor name and email, with the matching passage marked", async () => {
    const byText = await search(alex, "status=all&q=invoice%20charged");
    expect(byText.map((h) => h.id)).toEqual([ada.id]);
    expect(byText[0]?.snippet).toContain("\u0002invoice\u0003");
    // Prefixes, any case, accents folded.
    expect((await search(alex, "status=all&q=EXPO")).map((h) => h.id)).toEqual([grace.id]);
    expect((await search(alex, "status=all&q=cafe")).map((h) => h.id)).toEqual([grace.id]);
    expect((await search(alex, "status=all&q=Lovelace")).map((h) => h.id)).toEqual([ada.id]);
    expect((await search(alex, "status=all&q=grace%40navy.example")).map((h) => h.id)).toEqual([grace.id]);
    // The bot's answers are searched too; another org's never.
    expect((await search(alex, "status=all&q=INV-2042")).map((h) => h.id)).toEqual([ada.id]);
    expect((await search(olga, "status=all&q=INV-2042")).map((h) => h.id)).not.toContain(ada.id);
    expect((await search(alex, "status=all&q=answers")).length).toBeGreaterThanOrEqual(3);
  });

  it("a query is only words: FTS syntax, quotes and junk neither fail nor widen it", async () => {
    for (const q of ['"', "invoice OR password", "NEAR(invoice password)", "invoice*", "-invoice", "ada:invoice", "^invoice", "((", "' OR 1=1 --", "\u0000", "🙂", "*", "   "]) {
      const res = await alex.get(`/api/staff/conversations?status=all&q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
    }
    // "OR" is a word to find, not an operator: nothing has all three words.
    expect(await search(alex, `status=all&q=${encodeURIComponent("invoice OR password")}`)).toEqual([]);
    expect((await alex.get(`/api/staff/conversations?q=${"x".repeat(201)}`)).status).toBe(400);
  });

  it("combines with the filter bar: status, site, assignee, label", async () => {
    expect((await search(alex, "status=all&site=find-anon&q=password")).map((h) => h.id)).toEqual([anon.id]);
    expect(await search(alex, "status=all&site=find&q=password")).toEqual([]);
    expect(await search(alex, "status=waiting&q=invoice")).toEqual([]);
    await sb.fetch(`/api/conversations/${ada.id}/handoff`, { method: "POST", headers: { authorization: `Bearer ${ada.token}` } });
    expect((await search(alex, "status=waiting&q=invoice")).map((h) => h.id)).toEqual([ada.id]);
    expect((await search(alex, "status=waiting&assignee=none&q=invoice")).map((h) => h.id)).toEqual([ada.id]);
    await alex.post(`/api/staff/conversations/${ada.id}/claim`);
    expect((await search(alex, "status=all&assignee=me&q=invoice")).map((h) => h.id)).toEqual([ada.id]);
    expect(await search(sam, "status=all&assignee=me&q=invoice")).toEqual([]);
    expect((await search(sam, `status=all&assignee=${alex.staff.id}&q=invoice`)).map((h) => h.id)).toEqual([ada.id]);
    // A staff reply is searchable at once.
    await alex.post(`/api/staff/conversations/${ada.id}/reply`, { text: "Refund issued for the duplicate zebracharge" });
    expect((await search(sam, "status=all&q=zebracharge")).map((h) => h.id)).toEqual([ada.id]);
    // Internal notes are not (they never leave the conversation).
    await alex.post(`/api/staff/conversations/${ada.id}/notes`, { text: "secret giraffenote" });
    expect(await search(sam, "status=all&q=giraffenote")).toEqual([]);
  });

  it("tells verified, unverified and anonymous visitors apart in the rows", async () => {
    const unverified = await start("find-anon", { visitorId: "vis_unver_5678", identity: { userId: "u-x", name: "Claimed Name", email: "claimed@example.com" } });
    const rows = await search(alex, "status=all");
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(ada.id)).toMatchObject({ visitorName: "Ada Lovelace", identityVerified: true });
    expect(byId.get(anon.id)).toMatchObject({ visitorName: null, identityVerified: false, visitorId: "vis_anon_1234" });
    expect(byId.get(unverified.id)).toMatchObject({ visitorName: "Claimed Name", identityVerified: false });
  });
});

describe("labels", () => {
  it("the org's labels go on conversations (stored with the conversation and in the index); filters find them", async () => {
    for (const body of [{ name: "refund", color: "red" }, { name: "VIP Customer" }]) {
      expect((await sb.admin("/api/admin/orgs/find/labels", { method: "POST", body: JSON.stringify(body) })).status).toBe(201);
    }
    expect((await sb.admin("/api/admin/orgs/find/labels", { method: "POST", body: JSON.stringify({ name: "refund" }) })).status).toBe(409);
    expect((await sb.admin("/api/admin/orgs/find/labels", { method: "POST", body: JSON.stringify({ name: "<b>x</b>" }) })).status).toBe(400);
    expect(await (await sam.get("/api/staff/labels")).json()).toEqual({ labels: [{ name: "refund", color: "red" }, { name: "vip customer", color: "gray" }] });
    expect(await (await olga.get("/api/staff/labels")).json()).toEqual({ labels: [] });
    const conv = await start("find");
    const set = await put(sam, `/api/staff/conversations/${conv.id}/labels`, { labels: ["refund", "VIP customer", "refund"] });
    expect(await set.json()).toEqual({ labels: ["refund", "vip customer"] });
    const unknown = await put(sam, `/api/staff/conversations/${conv.id}/labels`, { labels: ["refund", "made-up"] });
    expect(unknown.status).toBe(400);
    expect((await put(sam, `/api/staff/conversations/${conv.id}/labels`, { labels: Array.from({ length: 11 }, (_, i) => `l${i}`) })).status).toBe(400);
    expect((await search(sam, "status=all&label=refund")).map((h) => h.id)).toEqual([conv.id]);
    expect((await search(sam, `status=all&label=${encodeURIComponent("vip customer")}`)).map((h) => h.id)).toEqual([conv.id]);
    const detail = (await (await sam.get(`/api/staff/conversations/${conv.id}`)).json()) as { conversation: { labels: string[] } };
    expect(detail.conversation.labels).toEqual(["refund", "vip customer"]);
    // A label removed from the org stays on past conversations; nobody can add it again.
    expect((await sb.admin(`/api/admin/orgs/find/labels/${encodeURIComponent("vip customer")}`, { method: "DELETE" })).status).toBe(200);
    expect((await search(sam, "status=all&label=refund"))[0]?.labels).toEqual(["refund", "vip customer"]);
    expect((await put(sam, `/api/staff/conversations/${conv.id}/labels`, { labels: ["vip customer"] })).status).toBe(400);
  });
});

describe("canned replies", () => {
  it("staff add and use them; only the author, owners and admins change them; shortcuts are unique per org", async () => {
    const made = await sam.post("/api/staff/canned-replies", { shortcut: "Refund", title: "Refund on its way", text: "Your refund is on its way: 3–5 working days." });
    expect(made.status).toBe(201);
    const reply = (await made.json()) as { id: string; shortcut: string; createdBy: string };
    expect(reply).toMatchObject({ shortcut: "refund", createdBy: sam.staff.id });
    expect((await alex.post("/api/staff/canned-replies", { shortcut: "refund", title: "x", text: "y" })).status).toBe(409);
    for (const bad of [{ shortcut: "has space", title: "x", text: "y" }, { shortcut: "ok", title: "", text: "y" }, { shortcut: "ok", title: "x", text: " " }, { shortcut: "x".repeat(33), title: "x", text: "y" }]) {
      expect((await alex.post("/api/staff/canned-replies", bad)).status, JSON.stringify(bad)).toBe(400);
    }
    // Alex (an agent) did not write it; Owen (an owner) may change it; Sam may delete his own.
    expect((await put(alex, `/api/staff/canned-replies/${reply.id}`, { shortcut: "refund", title: "Mine now", text: "z" })).status).toBe(403);
    expect((await del(alex, `/api/staff/canned-replies/${reply.id}`)).status).toBe(403);
    const changed = await put(owen, `/api/staff/canned-replies/${reply.id}`, { shortcut: "refund", title: "Refund sent", text: "Your refund was sent today." });
    expect(await changed.json()).toMatchObject({ title: "Refund sent" });
    const list = (await (await alex.get("/api/staff/canned-replies")).json()) as { cannedReplies: { shortcut: string; text: string }[] };
    expect(list.cannedReplies).toEqual([expect.objectContaining({ shortcut: "refund", text: "Your refund was sent today." })]);
    // Another org sees none of them and cannot touch them.
    expect(await (await olga.get("/api/staff/canned-replies")).json()).toEqual({ cannedReplies: [] });
    expect((await put(olga, `/api/staff/canned-replies/${reply.id}`, { shortcut: "x", title: "x", text: "x" })).status).toBe(404);
    expect((await del(olga, `/api/staff/canned-replies/${reply.id}`)).status).toBe(404);
    expect((await sb.admin(`/api/admin/orgs/other/canned-replies/${reply.id}`, { method: "DELETE" })).status).toBe(404);
    // The admin API manages the same list.
    const admin = await sb.admin("/api/admin/orgs/find/canned-replies", { method: "POST", body: JSON.stringify({ shortcut: "hello", title: "Greeting", text: "Hi! How can I help?" }) });
    expect(admin.status).toBe(201);
    const adminReply = (await admin.json()) as { id: string };
    expect((await sb.admin(`/api/admin/orgs/find/canned-replies/${adminReply.id}`, { method: "PUT", body: JSON.stringify({ shortcut: "refund", title: "x", text: "y" }) })).status).toBe(409);
    expect((await del(sam, `/api/staff/canned-replies/${reply.id}`)).status).toBe(200);
    expect((await sb.admin("/api/admin/orgs/find/canned-replies").then((r) => r.json())) as unknown).toEqual({ cannedReplies: [expect.objectContaining({ shortcut: "hello" })] });
    // An agent's session has no admin API.
    expect((await sam.get("/api/admin/orgs/find/canned-replies")).status).toBe(403);
  });
});

describe("the visitor's profile and history", () => {
  it("past conversations by verified user id, else email (an unverified identity says it matched by email), else the browser", async () => {
    const id = { userId: "u-hist", name: "Hedy", email: "hedy@example.com", signature: sign("u-hist", "hedy@example.com") };
    const first = await start("find", { identity: id, pageUrl: "https://shop.example/pricing" });
    await send(sb, first, "first question");
    const second = await start("find", { identity: id, pageUrl: "https://shop.example/account" });
    // Someone claiming Hedy's email without a signature, on the site without a secret.
    const claimed = await start("find-anon", { identity: { userId: "u-fake", email: "hedy@example.com" } });
    const browser1 = await start("find-anon", { visitorId: "vis_browser_42" });
    const browser2 = await start("find-anon", { visitorId: "vis_browser_42" });

    const history = async (conv: { id: string }) => (await (await alex.get(`/api/staff/conversations/${conv.id}/history`)).json()) as { matchedBy: string | null; conversations: { id: string }[] };
    expect(await history(second)).toEqual({ matchedBy: "user", conversations: [expect.objectContaining({ id: first.id })] });
    const byEmail = await history(claimed);
    expect(byEmail.matchedBy).toBe("email");
    expect(byEmail.conversations.map((c) => c.id).sort()).toEqual([first.id, second.id].sort());
    expect(await history(browser2)).toEqual({ matchedBy: "visitor", conversations: [expect.objectContaining({ id: browser1.id })] });
    const nobody = await start("find-anon");
    expect(await history(nobody)).toEqual({ matchedBy: null, conversations: [] });

    const detail = (await (await alex.get(`/api/staff/conversations/${second.id}`)).json()) as { conversation: Record<string, unknown> };
    expect(detail.conversation).toMatchObject({
      visitorName: "Hedy",
      visitorEmail: "hedy@example.com",
      userId: "u-hist",
      identityVerified: true,
      pageUrl: "https://shop.example/account",
      pages: [{ url: "https://shop.example/account", at: expect.any(String) }],
    });
    expect((await olga.get(`/api/staff/conversations/${second.id}/history`)).status).toBe(404);
    expect((await alex.get("/api/staff/conversations/c_0000000000000000000000/history")).status).toBe(404);
  });
});

describe("routing by the handoff", () => {
  it("an agent's handoff_to_human may name the team whose queue the conversation joins", async () => {
    await setupOrg(sb, "routed", [testAgent("router", { tools: ["handoff_to_human"] })]);
    await addStaff(sb, "routed", "ria@routed.example", "Ria");
    const ria = await staffLogin(sb, "ria@routed.example");
    expect((await sb.admin("/api/admin/orgs/routed/teams", { method: "POST", body: JSON.stringify({ id: "billing", name: "Billing", memberIds: [ria.staff.id] }) })).status).toBe(201);
    model.reset();
    model.on(agent("[router]"), { toolCalls: [{ name: "handoff_to_human", arguments: { summary: "Refund over the limit.", team: "billing" } }] }, { text: "Passing you to billing." });
    const conv = await start("routed");
    await send(sb, conv, "refund my $600 please");
    const rows = await search(ria, "status=waiting&team=billing");
    expect(rows.map((r) => r.id)).toEqual([conv.id]);
    expect(rows[0]).toMatchObject({ teamId: "billing", summary: "Refund over the limit." });
  });
});
