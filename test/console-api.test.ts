/**
 * The admin API the console is built on (issue 12), from outside, as any script would call
 * it: a site's partial update that keeps write-only secrets, the webhook's test event and
 * deliveries, agent drafts and the playground that runs them (with the site's tone in the
 * answering agent's prompt), an HTTP tool tried once through the engine's path, a
 * collection searched as the agents search it and a document's chunks, invitations with a
 * one-time link, sign-up, the conversation list's date range, and the console's pages.
 */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agent, ScriptedModel } from "./helpers/model-server";
import {
  eventually,
  send,
  setupOrg,
  STAFF_PASSWORD,
  staffLogin,
  startConversation,
  startSwitchboard,
  type Switchboard,
  testAgent,
  trace,
  flatten,
  waitForTurnFacts,
} from "./helpers/switchboard";

const model = new ScriptedModel();
let sb: Switchboard;
let hooks: Server;
let hookUrl = "";
const received: { headers: IncomingHttpHeaders; body: string; url: string }[] = [];
const TOOL_SECRET = "tool-secret-value-5150xyz";

beforeAll(async () => {
  // A loopback endpoint: the webhook receiver and an HTTP tool's API.
  hooks = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += String(chunk);
    received.push({ headers: req.headers, body, url: req.url ?? "" });
    if (req.url?.startsWith("/echo")) return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ saw: req.headers["x-key"], url: req.url }));
    res.writeHead(200).end("ok");
  });
  hooks.listen(0, "127.0.0.1");
  await once(hooks, "listening");
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
  await model.start();
  sb = await startSwitchboard({ seed: true, allowPrivate: [hookUrl], vars: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: model.url, OPEN_SIGNUP: "1" } });
});

afterAll(async () => {
  await sb?.close();
  await model.stop();
  hooks?.closeAllConnections();
  hooks?.close();
});

const json = (body: unknown) => ({ body: JSON.stringify(body) });
const patch = (org: string, key: string, body: unknown, headers: Record<string, string> = {}) => sb.admin(`/api/admin/orgs/${org}/sites/${key}`, { method: "PATCH", ...json(body), headers });
const stored = async (key: string) => (await sb.kv.get(`site:${key}`, "json")) as Record<string, any>;

describe("PATCH a site: only what changed", () => {
  const IDENTITY = "identity-secret-0123456789abcdef";
  const HOOK_SECRET = "webhook-secret-0123456789abcdef";

  beforeAll(async () => {
    await setupOrg(sb, "patchy", [testAgent("router"), testAgent("other")], "router", {
      identitySecret: IDENTITY,
      webhook: { url: `${hookUrl}/hook`, secret: HOOK_SECRET },
      theme: { title: "Patchy help", primaryColor: "#123456", logoUrl: "https://cdn.example/logo.png" },
      texts: { fr: { title: "Aide Patchy" } },
      businessHours: { timezone: "Europe/Paris", days: { "1": ["09:00", "17:00"], "2": ["09:00", "17:00"] } },
    });
  });

  it("a colour change keeps every other field, write-only secrets included", async () => {
    const res = await patch("patchy", "patchy", { theme: { primaryColor: "#abcdef" } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(body.theme).toMatchObject({ primaryColor: "#abcdef", title: "Patchy help", logoUrl: "https://cdn.example/logo.png" });
    expect(body.identitySecret).toBe("••••");
    const site = await stored("patchy");
    expect(site.identitySecret).toBe(IDENTITY);
    expect(site.webhook).toEqual({ url: `${hookUrl}/hook`, secret: HOOK_SECRET });
    expect(site.texts).toEqual({ fr: { title: "Aide Patchy" } });
  });

  it("a form that sends back what it read (•••• for the secrets) keeps them", async () => {
    const read = (await (await sb.admin("/api/admin/orgs/patchy/sites/patchy")).json()) as Record<string, any>;
    expect(read.webhook.secret).toBe("••••");
    const { key: _k, orgId: _o, ...rest } = read;
    const res = await patch("patchy", "patchy", { ...rest, theme: { ...read.theme, primaryColor: "#00ff00" } });
    expect(res.status).toBe(200);
    const site = await stored("patchy");
    expect(site.theme.primaryColor).toBe("#00ff00");
    expect(site.identitySecret).toBe(IDENTITY);
    expect(site.webhook.secret).toBe(HOOK_SECRET);
  });

  it("objects merge, null removes, business hours are replaced whole", async () => {
    expect((await patch("patchy", "patchy", { texts: { fr: { welcome: "Bonjour !" }, ar: { title: "مساعدة" } } })).status).toBe(200);
    expect((await stored("patchy")).texts).toEqual({ fr: { title: "Aide Patchy", welcome: "Bonjour !" }, ar: { title: "مساعدة" } });
    expect((await patch("patchy", "patchy", { texts: { ar: null }, theme: { logoUrl: null } })).status).toBe(200);
    let site = await stored("patchy");
    expect(site.texts).toEqual({ fr: { title: "Aide Patchy", welcome: "Bonjour !" } });
    expect(site.theme.logoUrl).toBeUndefined();
    expect((await patch("patchy", "patchy", { businessHours: { timezone: "UTC", days: { "3": ["10:00", "12:00"] } } })).status).toBe(200);
    expect((await stored("patchy")).businessHours).toEqual({ timezone: "UTC", days: { "3": ["10:00", "12:00"] } });
    // A secret is changed only when given, and removed only by null.
    expect((await patch("patchy", "patchy", { webhook: { url: `${hookUrl}/hook2` } })).status).toBe(200);
    expect((await stored("patchy")).webhook).toEqual({ url: `${hookUrl}/hook2`, secret: HOOK_SECRET });
    expect((await patch("patchy", "patchy", { identitySecret: "a-brand-new-identity-secret-42" })).status).toBe(200);
    expect((await stored("patchy")).identitySecret).toBe("a-brand-new-identity-secret-42");
    expect((await patch("patchy", "patchy", { identitySecret: null })).status).toBe(200);
    site = await stored("patchy");
    expect(site.identitySecret).toBeUndefined();
    expect(site.webhook.secret).toBe(HOOK_SECRET);
  });

  it("refuses bad input with the path, and changes nothing", async () => {
    const before = JSON.stringify(await stored("patchy"));
    const cases: [unknown, number, string][] = [
      [{ theme: { primaryColor: "red" } }, 400, "theme.primaryColor"],
      [{ key: "elsewhere" }, 400, "key"],
      [{ orgId: "demo" }, 400, "orgId"],
      [{ entryAgent: "ghost" }, 400, "entryAgent"],
      [{ webhook: { url: "http://169.254.169.254/latest" } }, 400, "webhook.url"],
      [{ identitySecret: "short" }, 400, "identitySecret"],
      [{ webhook: null, identitySecret: "x".repeat(300) }, 400, "identitySecret"],
      [{ allowedOrigins: ["not an origin"] }, 400, "allowedOrigins"],
      [{ customDomains: ["help.patchy.example"] }, 403, "custom domains"],
    ];
    for (const [body, status, mention] of cases) {
      const res = await patch("patchy", "patchy", body, status === 403 ? { authorization: `Bearer ${await orgToken("patchy")}` } : {});
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain(mention);
    }
    expect(JSON.stringify(await stored("patchy"))).toBe(before);
    // Another org's site, or another org's credentials: not found.
    expect((await patch("demo", "patchy", { name: "x" })).status).toBe(404);
    expect((await patch("patchy", "patchy", { name: "x" }, { authorization: `Bearer ${await orgToken("demo")}` })).status).toBe(404);
  });
});

const tokens = new Map<string, string>();
async function orgToken(org: string): Promise<string> {
  if (!tokens.has(org)) {
    await sb.db.prepare("INSERT OR IGNORE INTO orgs (id, name) VALUES (?, ?)").bind(org, org).run();
    const res = await sb.admin("/api/admin/tokens", { method: "POST", ...json({ name: `t-${org}`, orgId: org, scopes: ["*"] }) });
    tokens.set(org, ((await res.json()) as { token: string }).token);
  }
  return tokens.get(org) as string;
}

describe("the webhook's test event and deliveries", () => {
  it("queues a signed webhook.test event and lists its delivery with the status", async () => {
    await setupOrg(sb, "hooked", [testAgent("router")], "router", { webhook: { url: `${hookUrl}/hooked`, secret: "hooked-secret-0123456789" } });
    const res = await sb.admin("/api/admin/orgs/hooked/sites/hooked/webhook/test", { method: "POST" });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const delivery = await eventually(async () => {
      const list = (await (await sb.admin("/api/admin/orgs/hooked/sites/hooked/webhook/deliveries")).json()) as { deliveries: { id: string; status: string; type: string; createdAt: string }[] };
      return list.deliveries.find((d) => d.id === id && d.status === "delivered");
    }, "the test delivery");
    expect(delivery).toMatchObject({ type: "webhook.test", attempts: 1, lastError: null });
    expect(Date.parse(delivery.createdAt)).toBeGreaterThan(0);
    const hit = received.find((r) => r.url === "/hooked");
    expect(hit?.headers["x-switchboard-event"]).toBe("webhook.test");
    expect(hit?.headers["x-switchboard-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(hit?.body ?? "{}")).toMatchObject({ id, type: "webhook.test", data: { siteKey: "hooked" } });
  });

  it("a site without a webhook: 409, and nothing is queued", async () => {
    await setupOrg(sb, "nohook", [testAgent("router")]);
    const res = await sb.admin("/api/admin/orgs/nohook/sites/nohook/webhook/test", { method: "POST" });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("no_webhook");
    expect(await (await sb.admin("/api/admin/orgs/nohook/sites/nohook/webhook/deliveries")).json()).toEqual({ deliveries: [] });
  });
});

describe("agent drafts and the playground", () => {
  beforeAll(async () => {
    await setupOrg(sb, "drafty", [testAgent("router", { delegates: ["spec"] }), testAgent("spec")], "router", { tone: "concise" });
  });
  const draft = (id: string, body: unknown) => sb.admin(`/api/admin/orgs/drafty/agents/${id}/draft`, { method: "PUT", ...json(body) });

  it("the playground runs drafts (the router's and its specialist's); visitors get the published versions", async () => {
    expect((await draft("router", { ...testAgent("router"), instructions: "You are [router-draft].", delegates: ["spec"] })).status).toBe(200);
    expect((await draft("spec", { ...testAgent("spec"), instructions: "You are [spec-draft]." })).status).toBe(200);
    // Still v1 for everyone else.
    expect(((await (await sb.admin("/api/admin/orgs/drafty/agents/router")).json()) as { instructions: string; version: number }).instructions).toBe("You are [router].");

    model.on(agent("[router-draft]"), { toolCalls: [{ id: "d1", name: "delegate", arguments: { agent: "spec", prompt: "help" } }] }, { text: "Draft answer." });
    model.on(agent("[spec-draft]"), { text: "Spec draft says hi." });
    const started = await sb.admin("/api/admin/orgs/drafty/playground/conversations", { method: "POST", ...json({ siteKey: "drafty" }) });
    expect(started.status).toBe(201);
    const pg = (await started.json()) as { conversationId: string; token: string; entryAgent: string };
    expect(pg.entryAgent).toBe("router");
    const { reply } = await send(sb, { id: pg.conversationId, token: pg.token }, "Hello");
    expect(reply?.text).toBe("Draft answer.");
    expect(model.requests.some(agent("[spec-draft]"))).toBe(true);
    // The trace shows the draft specialist ran.
    expect(flatten(await trace(sb, pg.conversationId)).some((s) => s.kind === "run" && s.agentId === "spec")).toBe(true);

    // A visitor's conversation: the published router.
    model.on(agent("[router]"), { text: "Published answer." });
    const visitor = await startConversation(sb, "drafty");
    expect((await send(sb, visitor, "Hello")).reply?.text).toBe("Published answer.");
    // The visitor's turn is recorded; the playground's is not.
    await waitForTurnFacts(sb, visitor.id, 1);
    const facts = await sb.db.prepare("SELECT COUNT(*) AS n FROM turn_facts WHERE conversation_id = ?").bind(pg.conversationId).first<{ n: number }>();
    expect(facts?.n).toBe(0);
  });

  it("the site's tone is a line of the answering agent's prompt, not of a specialist's", async () => {
    const root = model.requests.filter(agent("[router"));
    expect(root.length).toBeGreaterThan(0);
    for (const r of root) expect(r.system).toContain("Tone for this site: concise");
    for (const r of model.requests.filter(agent("[spec-draft]"))) expect(r.system).not.toContain("Tone for this site");
  });

  it("publishing writes the draft as the next version and drops it", async () => {
    const res = await sb.admin("/api/admin/orgs/drafty/agents/router/publish", { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ version: 2, instructions: "You are [router-draft]." });
    expect(await (await sb.admin("/api/admin/orgs/drafty/agents/router/draft")).json()).toEqual({ draft: null });
    expect((await sb.admin("/api/admin/orgs/drafty/agents/router/publish", { method: "POST" })).status).toBe(409);
    const drafts = (await (await sb.admin("/api/admin/orgs/drafty/agent-drafts")).json()) as { drafts: { config: { id: string } }[] };
    expect(drafts.drafts.map((d) => d.config.id)).toEqual(["spec"]);
    expect((await sb.admin("/api/admin/orgs/drafty/agents/spec/draft", { method: "DELETE" })).status).toBe(200);
    expect((await sb.admin("/api/admin/orgs/drafty/agents/spec/draft", { method: "DELETE" })).status).toBe(404);
  });

  it("a draft is validated like a version: schema, URLs and the graph as the drafts make it", async () => {
    const unknown = await draft("spec", { ...testAgent("spec"), delegates: ["ghost"] });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: "invalid_agent_graph" } });
    // spec → router is a cycle once the router's draft (router → spec) counts.
    const cycle = await draft("spec", { ...testAgent("spec"), delegates: ["router"] });
    expect(cycle.status).toBe(400);
    expect(((await cycle.json()) as { error: { message: string } }).error.message).toContain("cycle");
    const bad = await draft("spec", { ...testAgent("spec"), model: { name: "m", temperature: 7 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("model.temperature");
    expect((await draft("nobody", testAgent("nobody"))).status).toBe(404);
    expect(await (await sb.admin("/api/admin/orgs/drafty/agents/spec/draft")).json()).toEqual({ draft: null });
    // Another org cannot start a playground on this site.
    const foreign = await sb.fetch("/api/admin/orgs/demo/playground/conversations", { method: "POST", headers: { authorization: `Bearer ${await orgToken("demo")}`, "content-type": "application/json" }, body: JSON.stringify({ siteKey: "drafty" }) });
    expect(foreign.status).toBe(404);
  });
});

describe("trying an HTTP tool", () => {
  it("calls it through the engine's path: org secrets sent, scrubbed from the answer, the outbound guard applied", async () => {
    await sb.putSecret("tooly", "TOOL_KEY", TOOL_SECRET);
    const tool = { name: "lookup", description: "Looks up.", url: `${hookUrl}/echo/{id}`, secretHeaders: { "x-key": "TOOL_KEY" }, parameters: { type: "object", properties: { id: { type: "string" } } } };
    const res = await sb.admin("/api/admin/orgs/tooly/http-tools/try", { method: "POST", ...json({ tool, arguments: { id: "A-7" } }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; result: { saw: string; url: string } };
    expect(body.status).toBe("ok");
    expect(body.result.url).toBe("/echo/A-7");
    expect(received.some((r) => r.headers["x-key"] === TOOL_SECRET)).toBe(true);
    expect(JSON.stringify(body)).not.toContain(TOOL_SECRET);

    const refused = await sb.admin("/api/admin/orgs/tooly/http-tools/try", { method: "POST", ...json({ tool: { ...tool, url: "http://10.0.0.1/x" }, arguments: {} }) });
    expect(await refused.json()).toMatchObject({ status: "error", result: { error: { code: "url_refused" } } });
    const badArgs = await sb.admin("/api/admin/orgs/tooly/http-tools/try", { method: "POST", ...json({ tool, arguments: { id: 42 } }) });
    expect(await badArgs.json()).toMatchObject({ status: "error", result: { error: { code: "invalid_arguments" } } });
  });
});

describe("looking into knowledge", () => {
  it("searches a collection as search_knowledge does, and shows a document's chunks", async () => {
    await sb.db.prepare("INSERT OR IGNORE INTO orgs (id, name) VALUES ('kno', 'Kno')").run();
    await sb.admin("/api/admin/orgs/kno/collections", { method: "POST", ...json({ id: "help" }) });
    const add = async (title: string, content: string) =>
      ((await (await sb.admin("/api/admin/orgs/kno/collections/help/documents", { method: "POST", ...json({ format: "markdown", title, content }) })).json()) as { documents: { id: string }[] }).documents[0]?.id as string;
    const refunds = await add("Refunds", `# Refunds\n\n${"Refunds are paid back to the card within five days. ".repeat(30)}\n\n## Exceptions\n\nGift cards are never refunded.`);
    await add("Shipping", "# Shipping\n\nParcels ship within two days.");
    const found = (await (await sb.admin("/api/admin/orgs/kno/collections/help/search?q=when%20is%20my%20refund%20paid")).json()) as { results: { ref: string; title: string; score: number }[] };
    expect(found.results[0]).toMatchObject({ ref: refunds, title: "Refunds" });
    expect(found.results.map((r) => r.title)).not.toContain("Shipping");
    const chunks = (await (await sb.admin(`/api/admin/orgs/kno/collections/help/documents/${refunds}/chunks`)).json()) as { document: { title: string }; chunks: { position: number; text: string }[] };
    expect(chunks.document.title).toBe("Refunds");
    expect(chunks.chunks.length).toBeGreaterThan(1);
    expect(chunks.chunks.map((c) => c.position)).toEqual([...chunks.chunks.keys()]);
    expect(chunks.chunks.at(-1)?.text).toContain("Gift cards");
    // Wrong collection, another org, an empty question.
    expect((await sb.admin(`/api/admin/orgs/kno/collections/other/documents/${refunds}/chunks`)).status).toBe(404);
    expect((await sb.admin(`/api/admin/orgs/demo/collections/help/documents/${refunds}/chunks`)).status).toBe(404);
    expect((await sb.admin("/api/admin/orgs/kno/collections/nope/search?q=refund")).status).toBe(404);
    expect((await sb.admin("/api/admin/orgs/kno/collections/help/search?q=%20")).status).toBe(400);
  });
});

describe("invitations", () => {
  const invite = async (body: unknown, auth?: string) =>
    sb.fetch("/api/admin/orgs/demo/invitations", { method: "POST", headers: { authorization: `Bearer ${auth ?? (await orgToken("demo"))}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const accept = (body: unknown, origin?: string) => sb.fetch("/api/invitations/accept", { method: "POST", headers: { "content-type": "application/json", ...(origin ? { origin } : {}) }, body: JSON.stringify(body) });

  it("a one-time link: inspected, accepted once (signed in, with the invited role), then dead", async () => {
    const res = await invite({ role: "admin" });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { token: string; url: string; invitation: { id: string; status: string } };
    expect(created.url).toBe(`${sb.url}/admin/invite#${created.token}`);
    expect(created.invitation.status).toBe("pending");
    const info = await sb.fetch("/api/invitations/inspect", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: created.token }) });
    const offer = (await info.json()) as { orgName: string; role: string; email: string | null };
    expect(offer).toMatchObject({ role: "admin", email: null });
    expect(offer.orgName).toContain("Lumen Notes");

    // Weak passwords and a foreign origin change nothing.
    expect((await accept({ token: created.token, name: "Kim", email: "kim@lumen.example", password: "password123" })).status).toBe(400);
    expect((await accept({ token: created.token, name: "Kim", email: "kim@lumen.example", password: "a-good-long-passphrase" }, "https://evil.example")).status).toBe(403);
    expect((await accept({ token: created.token, name: "Kim", password: "a-good-long-passphrase" })).status).toBe(400);

    const ok = await accept({ token: created.token, name: "Kim", email: "kim@lumen.example", password: "a-good-long-passphrase" }, sb.url);
    expect(ok.status).toBe(201);
    const me = (await ok.json()) as { staff: { role: string; orgId: string; email: string }; csrfToken: string };
    expect(me.staff).toMatchObject({ role: "admin", orgId: "demo", email: "kim@lumen.example" });
    const cookie = (ok.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect((await sb.fetch("/api/admin/orgs/demo/sites", { headers: { cookie } })).status).toBe(200);
    // An admin reads no secrets.
    expect((await sb.fetch("/api/admin/orgs/demo/secrets", { headers: { cookie } })).status).toBe(403);

    // Used: the same link again, for someone else.
    expect((await accept({ token: created.token, name: "Eve", email: "eve@lumen.example", password: "another-good-passphrase" })).status).toBe(404);
    const list = (await (await sb.admin("/api/admin/orgs/demo/invitations")).json()) as { invitations: { id: string; status: string }[] };
    expect(list.invitations.find((i) => i.id === created.invitation.id)?.status).toBe("accepted");
    expect((await sb.admin(`/api/admin/orgs/demo/invitations/${created.invitation.id}`, { method: "DELETE" })).status).toBe(409);
  });

  it("revoked and expired links do not work; an email-bound link takes only that email", async () => {
    const revoked = (await (await invite({ role: "agent" })).json()) as { token: string; invitation: { id: string } };
    expect((await sb.admin(`/api/admin/orgs/demo/invitations/${revoked.invitation.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await accept({ token: revoked.token, name: "R", email: "r@lumen.example", password: "a-good-long-passphrase" })).status).toBe(404);

    const expired = (await (await invite({ role: "agent" })).json()) as { token: string; invitation: { id: string } };
    await sb.db.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?").bind(new Date(Date.now() - 1000).toISOString(), expired.invitation.id).run();
    expect((await sb.fetch("/api/invitations/inspect", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: expired.token }) })).status).toBe(404);
    expect((await accept({ token: expired.token, name: "X", email: "x@lumen.example", password: "a-good-long-passphrase" })).status).toBe(404);

    const bound = (await (await invite({ role: "agent", email: "lee@lumen.example" })).json()) as { token: string };
    expect((await accept({ token: bound.token, name: "Lee", email: "other@lumen.example", password: "a-good-long-passphrase" })).status).toBe(400);
    const ok = await accept({ token: bound.token, name: "Lee", password: "a-good-long-passphrase" });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { staff: { email: string; role: string } }).staff).toMatchObject({ email: "lee@lumen.example", role: "agent" });
    // An email that already has an account: 409 when inviting.
    expect((await invite({ role: "agent", email: "lee@lumen.example" })).status).toBe(409);
    // Forged tokens: 404 (or 400 for the wrong shape), never a 500.
    expect((await accept({ token: `sbi_${"A".repeat(32)}`, name: "F", email: "f@x.example", password: "a-good-long-passphrase" })).status).toBe(404);
    expect((await accept({ token: "nonsense", name: "F", email: "f@x.example", password: "a-good-long-passphrase" })).status).toBe(400);
  });

  it("nobody invites a role above their own; an agent-role account has no console", async () => {
    const admin = await staffLogin(sb, "kim@lumen.example", "a-good-long-passphrase");
    const asAdmin = (body: unknown) => sb.fetch("/api/admin/orgs/demo/invitations", { method: "POST", headers: { cookie: admin.cookie, "x-csrf-token": admin.csrf, origin: sb.url, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await asAdmin({ role: "owner" })).status).toBe(403);
    expect((await asAdmin({ role: "agent" })).status).toBe(201);
    const sam = await staffLogin(sb, "sam@lumen.example", STAFF_PASSWORD);
    const refused = await sam.get("/api/admin/orgs");
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("support agents");
    expect((await sam.get("/api/admin/orgs/demo/invitations")).status).toBe(403);
  });
});

describe("sign-up", () => {
  it("creates an org and its owner, signed in, who sees only that org", async () => {
    expect(await (await sb.fetch("/api/signup")).json()).toEqual({ open: true });
    const weak = await sb.fetch("/api/signup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ company: "Acme Rockets", name: "Ada", email: "ada@acme.example", password: "acme12345" }) });
    expect(weak.status).toBe(400);
    expect(await sb.db.prepare("SELECT id FROM orgs WHERE name = 'Acme Rockets'").first()).toBeNull();
    const res = await sb.fetch("/api/signup", {
      method: "POST",
      headers: { "content-type": "application/json", origin: sb.url },
      body: JSON.stringify({ company: "Acme Rockets", name: "Ada", email: "ada@acme.example", password: "a-good-long-passphrase" }),
    });
    expect(res.status).toBe(201);
    const me = (await res.json()) as { staff: { orgId: string; role: string } };
    expect(me.staff).toMatchObject({ orgId: "acme-rockets", role: "owner" });
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(await (await sb.fetch("/api/admin/orgs", { headers: { cookie } })).json()).toMatchObject({ orgs: [{ id: "acme-rockets", name: "Acme Rockets" }] });
    expect((await sb.fetch("/api/admin/orgs/demo/sites", { headers: { cookie } })).status).toBe(404);
    // The same company name again: another org.
    const again = await sb.fetch("/api/signup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ company: "Acme Rockets", name: "Bo", email: "bo@acme.example", password: "a-good-long-passphrase" }) });
    expect(((await again.json()) as { staff: { orgId: string } }).staff.orgId).toMatch(/^acme-rockets-[a-z0-9x]+$/);
    expect((await sb.fetch("/api/signup", { method: "POST", headers: { "content-type": "application/json", origin: "https://evil.example" }, body: JSON.stringify({ company: "Evil", name: "E", email: "e@evil.example", password: "a-good-long-passphrase" }) })).status).toBe(403);
  });

  it("is closed unless OPEN_SIGNUP says otherwise", async () => {
    const closed = await startSwitchboard();
    try {
      expect(await (await closed.fetch("/api/signup")).json()).toEqual({ open: false });
      const res = await closed.fetch("/api/signup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ company: "Nope", name: "N", email: "n@nope.example", password: "a-good-long-passphrase" }) });
      expect(res.status).toBe(403);
      expect(await closed.db.prepare("SELECT COUNT(*) AS n FROM orgs").first()).toEqual({ n: 0 });
    } finally {
      await closed.close();
    }
  });
});

describe("the conversation list's date range", () => {
  it("after and before bound when conversations started", async () => {
    await setupOrg(sb, "dated", [testAgent("router")]);
    const conv = await startConversation(sb, "dated");
    const list = async (q: string) => ((await (await sb.admin(`/api/admin/orgs/dated/conversations${q}`)).json()) as { conversations: { id: string }[] }).conversations.map((c) => c.id);
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    expect(await list(`?after=${hourAgo}`)).toEqual([conv.id]);
    expect(await list(`?after=${inAnHour}`)).toEqual([]);
    expect(await list(`?after=${hourAgo}&before=${inAnHour}`)).toEqual([conv.id]);
    expect(await list(`?before=${hourAgo}`)).toEqual([]);
  });
});

describe("the console's pages", () => {
  it("/admin and every path under it serve the console under the strict CSP; the preview may be framed by the console only", async () => {
    for (const path of ["/admin", "/admin/signin", "/admin/orgs/demo/sites/demo"]) {
      const res = await sb.fetch(path);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain('src="/widget/admin.js"');
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    }
    const preview = await sb.fetch("/admin/preview/demo");
    expect(preview.status).toBe(200);
    expect(preview.headers.get("content-security-policy")).toContain("frame-ancestors 'self'");
    expect(await preview.text()).toContain('data-site-key="demo"');
    expect((await sb.fetch("/admin/preview/no-such-site")).status).toBe(404);
    expect((await sb.fetch("/widget/admin.js")).status).toBe(200);
  });
});
