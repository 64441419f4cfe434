/**
 * Who may do what in the admin API, tried with the wrong credentials: staff roles (owner,
 * admin, agent) through a session, tokens that die with the token that issued them, hidden
 * orgs answering exactly like unknown ones, custom domains only from the platform and never
 * the deployment's own hosts, the audit trail, the security headers, and keys too long or
 * odd to be keys.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, LOCAL_ORIGIN, type StaffClient, staffLogin, startSwitchboard, type Switchboard, testAgent } from "./helpers/switchboard";

let sb: Switchboard;
const PASSWORD = "Tenant-access-pass-77";

const bearer = (token: string, method: string, path: string, body?: unknown) =>
  sb.fetch(path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
const admin = (method: string, path: string, body?: unknown) => bearer(ADMIN_TOKEN, method, path, body);

/** A request with a staff session: writes carry the CSRF token and our Origin unless told otherwise. */
const session = (s: StaffClient, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  sb.fetch(path, {
    method,
    headers: { cookie: s.cookie, ...(method === "GET" ? {} : { "x-csrf-token": s.csrf, origin: sb.url }), ...(body ? { "content-type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });

async function issue(by: string, orgId: string | null, scopes: string[]) {
  const res = await bearer(by, "POST", "/api/admin/tokens", { name: `t-${scopes.join(",")}`, orgId, scopes });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; token: string };
}

let owner: StaffClient;
let boss: StaffClient;
let helper: StaffClient;

beforeAll(async () => {
  sb = await startSwitchboard();
  for (const id of ["acme", "globex"]) {
    await admin("POST", "/api/admin/orgs", { id, name: id });
    await admin("POST", `/api/admin/orgs/${id}/agents`, { ...testAgent("front"), model: { provider: "offline" } });
    await admin("POST", `/api/admin/orgs/${id}/sites`, { key: `${id}-web`, name: id, entryAgent: "front", allowedOrigins: [LOCAL_ORIGIN] });
  }
  for (const [email, role] of [
    ["olive@acme.example", "owner"],
    ["adam@acme.example", "admin"],
    ["ada@acme.example", "agent"],
  ] as const) {
    expect((await admin("POST", "/api/admin/orgs/acme/staff", { email, name: email, password: PASSWORD, role })).status).toBe(201);
  }
  owner = await staffLogin(sb, "olive@acme.example", PASSWORD);
  boss = await staffLogin(sb, "adam@acme.example", PASSWORD);
  helper = await staffLogin(sb, "ada@acme.example", PASSWORD);
});
afterAll(async () => {
  await sb?.close();
});

describe("staff roles on the admin API", () => {
  it("an owner does everything in its org, and nothing in another", async () => {
    expect((await session(owner, "GET", "/api/admin/orgs/acme/agents")).status).toBe(200);
    expect((await session(owner, "PUT", "/api/admin/orgs/acme/secrets/OWNER_KEY", { value: "owner-secret" })).status).toBe(200);
    const token = await session(owner, "POST", "/api/admin/tokens", { name: "from a session", orgId: "acme", scopes: ["agents:read"] });
    expect(token.status).toBe(201);
    const orgs = (await (await session(owner, "GET", "/api/admin/orgs")).json()) as { orgs: { id: string }[] };
    expect(orgs.orgs.map((o) => o.id)).toEqual(["acme"]);
    const hidden = await session(owner, "GET", "/api/admin/orgs/globex/agents");
    const unknown = await session(owner, "GET", "/api/admin/orgs/initech/agents");
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toEqual(await unknown.json());
    expect((await session(owner, "POST", "/api/admin/orgs", { id: "mine", name: "Mine" })).status).toBe(403);
    expect((await session(owner, "POST", "/api/admin/demo/seed")).status).toBe(403);
  });

  it("session writes need the CSRF token and our own Origin", async () => {
    const body = { ...testAgent("csrf-test"), model: { provider: "offline" } };
    expect((await session(owner, "POST", "/api/admin/orgs/acme/agents", body, { "x-csrf-token": "forged" })).status).toBe(403);
    expect((await session(owner, "POST", "/api/admin/orgs/acme/agents", body, { origin: "https://evil.example" })).status).toBe(403);
    const noOrigin = await sb.fetch("/api/admin/orgs/acme/agents", { method: "POST", headers: { cookie: owner.cookie, "x-csrf-token": owner.csrf, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(noOrigin.status).toBe(403);
    expect((await admin("GET", "/api/admin/orgs/acme/agents/csrf-test")).status).toBe(404);
    expect((await session(owner, "POST", "/api/admin/orgs/acme/agents", body)).status).toBe(201);
  });

  it("an admin runs the org but mints no credentials and reads no secrets; an agent has no admin access", async () => {
    expect((await session(boss, "GET", "/api/admin/orgs/acme/sites")).status).toBe(200);
    expect((await session(boss, "POST", "/api/admin/orgs/acme/collections", { id: "kb" })).status).toBe(201);
    expect((await session(boss, "GET", "/api/admin/tokens")).status).toBe(403);
    expect((await session(boss, "POST", "/api/admin/tokens", { name: "x", orgId: "acme", scopes: ["agents:read"] })).status).toBe(403);
    expect((await session(boss, "GET", "/api/admin/orgs/acme/secrets")).status).toBe(403);
    expect((await session(boss, "PUT", "/api/admin/orgs/acme/secrets/X", { value: "x" })).status).toBe(403);
    // No way up: an admin cannot create an owner (who could mint tokens), nor delete one.
    expect((await session(boss, "POST", "/api/admin/orgs/acme/staff", { email: "up@acme.example", name: "Up", password: PASSWORD, role: "owner" })).status).toBe(403);
    expect((await session(boss, "POST", "/api/admin/orgs/acme/staff", { email: "new@acme.example", name: "New", password: PASSWORD, role: "agent" })).status).toBe(201);
    const staff = (await (await session(boss, "GET", "/api/admin/orgs/acme/staff")).json()) as { staff: { id: string; role: string }[] };
    const ownerId = staff.staff.find((s) => s.role === "owner")?.id ?? "";
    expect((await session(boss, "DELETE", `/api/admin/orgs/acme/staff/${ownerId}`)).status).toBe(403);
    // Support agents: the inbox only.
    const agentTry = await session(helper, "GET", "/api/admin/orgs/acme/agents");
    expect(agentTry.status).toBe(403);
    expect((await session(helper, "GET", "/api/staff/me")).status).toBe(200);
    // A token limited to staff:write cannot create an admin either (it would hold more).
    const staffWriter = await issue(ADMIN_TOKEN, "acme", ["staff:write"]);
    expect((await bearer(staffWriter.token, "POST", "/api/admin/orgs/acme/staff", { email: "x@acme.example", name: "X", password: PASSWORD, role: "admin" })).status).toBe(403);
  });
});

describe("token lineage", () => {
  it("revoking a token revokes every token issued under it, at any depth", async () => {
    const parent = await issue(ADMIN_TOKEN, "acme", ["*"]);
    const child = await issue(parent.token, "acme", ["agents:*", "tokens:*"]);
    const grandchild = await issue(child.token, "acme", ["agents:read"]);
    const sibling = await issue(parent.token, "acme", ["agents:read"]);
    const works = async (t: { token: string }) => (await bearer(t.token, "GET", "/api/admin/orgs/acme/agents")).status;
    expect([await works(parent), await works(child), await works(grandchild), await works(sibling)]).toEqual([200, 200, 200, 200]);
    const listed = (await (await admin("GET", "/api/admin/tokens")).json()) as { tokens: { id: string; parentId: string | null }[] };
    expect(listed.tokens.find((t) => t.id === grandchild.id)?.parentId).toBe(child.id);

    // Revoking the middle one takes its descendants, not its parent or siblings.
    const revoked = await admin("DELETE", `/api/admin/tokens/${child.id}`);
    expect(await revoked.json()).toEqual({ deleted: true, revoked: 2 });
    expect([await works(parent), await works(child), await works(grandchild), await works(sibling)]).toEqual([200, 401, 401, 200]);
    expect(await (await admin("DELETE", `/api/admin/tokens/${parent.id}`)).json()).toEqual({ deleted: true, revoked: 2 });
    expect([await works(parent), await works(sibling)]).toEqual([401, 401]);
  });

  it("tokens a staff member issued die with the account", async () => {
    await admin("POST", "/api/admin/orgs/acme/staff", { email: "temp@acme.example", name: "Temp", password: PASSWORD, role: "owner" });
    const temp = await staffLogin(sb, "temp@acme.example", PASSWORD);
    const made = (await (await session(temp, "POST", "/api/admin/tokens", { name: "temp's", orgId: "acme", scopes: ["agents:read", "tokens:write"] })).json()) as { token: string };
    const derived = await issue(made.token, "acme", ["agents:read"]);
    expect((await bearer(derived.token, "GET", "/api/admin/orgs/acme/agents")).status).toBe(200);
    const staff = (await (await admin("GET", "/api/admin/orgs/acme/staff")).json()) as { staff: { id: string; email: string }[] };
    const id = staff.staff.find((s) => s.email === "temp@acme.example")?.id;
    expect((await admin("DELETE", `/api/admin/orgs/acme/staff/${id}`)).status).toBe(200);
    expect((await bearer(made.token, "GET", "/api/admin/orgs/acme/agents")).status).toBe(401);
    expect((await bearer(derived.token, "GET", "/api/admin/orgs/acme/agents")).status).toBe(401);
    expect((await session(temp, "GET", "/api/staff/me")).status).toBe(401);
  });
});

describe("what a caller may not see", () => {
  it("no credentials: 401 first, whether the org, the id or the body exist or not", async () => {
    for (const path of ["/api/admin/orgs/acme/agents", "/api/admin/orgs/no-such/agents", "/api/admin/orgs/BAD ORG/agents", `/api/admin/orgs/${"a".repeat(600)}/sites`]) {
      const res = await sb.fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
      expect(res.status, path).toBe(401);
    }
  });

  it("another org's things answer exactly like things that do not exist", async () => {
    const acme = await issue(ADMIN_TOKEN, "acme", ["*"]);
    const pairs: [string, string][] = [
      ["/api/admin/orgs/globex/sites/globex-web", "/api/admin/orgs/nobody/sites/globex-web"],
      ["/api/admin/orgs/globex/agents/front", "/api/admin/orgs/nobody/agents/front"],
      ["/api/admin/orgs/globex/staff", "/api/admin/orgs/nobody/staff"],
      ["/api/admin/orgs/globex/secrets", "/api/admin/orgs/nobody/secrets"],
      ["/api/admin/orgs/globex/audit", "/api/admin/orgs/nobody/audit"],
    ];
    for (const [hidden, missing] of pairs) {
      const a = await bearer(acme.token, "GET", hidden);
      const b = await bearer(acme.token, "GET", missing);
      expect(a.status, hidden).toBe(b.status);
      expect(await a.text(), hidden).toBe(await b.text());
    }
    const auditA = await bearer(acme.token, "GET", "/api/admin/audit?org=globex");
    const auditB = await bearer(acme.token, "GET", "/api/admin/audit?org=nobody");
    expect(auditA.status).toBe(404);
    expect(await auditA.text()).toBe(await auditB.text());
  });
});

describe("custom domains", () => {
  const put = (token: string, customDomains: string[]) =>
    bearer(token, "PUT", "/api/admin/orgs/acme/sites/acme-web", { name: "acme", entryAgent: "front", allowedOrigins: [LOCAL_ORIGIN], customDomains });

  it("only platform credentials set them; an org's own token and staff cannot", async () => {
    const orgToken = await issue(ADMIN_TOKEN, "acme", ["*"]);
    expect((await put(orgToken.token, ["help.acme.example"])).status).toBe(403);
    expect((await session(owner, "PUT", "/api/admin/orgs/acme/sites/acme-web", { name: "acme", entryAgent: "front", customDomains: ["help.acme.example"] })).status).toBe(403);
    expect((await bearer(orgToken.token, "POST", "/api/admin/orgs/acme/sites", { key: "acme-two", name: "2", entryAgent: "front", customDomains: ["two.acme.example"] })).status).toBe(403);
    const platformToken = await issue(ADMIN_TOKEN, null, ["sites:*"]);
    expect((await put(platformToken.token, ["help.acme.example"])).status).toBe(200);
    // The org may still change everything else; the domain stays.
    const kept = await bearer(orgToken.token, "PUT", "/api/admin/orgs/acme/sites/acme-web", { name: "Acme!", entryAgent: "front", allowedOrigins: [LOCAL_ORIGIN] });
    expect(kept.status).toBe(200);
    expect(((await kept.json()) as { customDomains: string[] }).customDomains).toEqual(["help.acme.example"]);
  });

  it("never the deployment's own host names, addresses or local names", async () => {
    const own = new URL(sb.url).hostname;
    for (const host of [own, "127.0.0.1", "localhost", "app.localhost", "10.0.0.1", "printer.local", "intranet", `${"a".repeat(64)}.example`, `${"a.".repeat(130)}example`]) {
      const res = await admin("PUT", "/api/admin/orgs/acme/sites/acme-web", { name: "acme", entryAgent: "front", customDomains: [host] });
      expect(res.status, host).toBe(400);
    }
  });

  it("PLATFORM_HOSTS names hosts of the deployment that no site may take", async () => {
    const platform = await startSwitchboard({ vars: { PLATFORM_HOSTS: "switchboard.example, chat.example.org" } });
    try {
      await platform.admin("/api/admin/orgs", { method: "POST", body: JSON.stringify({ id: "p", name: "P" }) });
      await platform.admin("/api/admin/orgs/p/agents", { method: "POST", body: JSON.stringify({ ...testAgent("front"), model: { provider: "offline" } }) });
      const site = (customDomains: string[]) => platform.admin("/api/admin/orgs/p/sites", { method: "POST", body: JSON.stringify({ key: "p-site", name: "P", entryAgent: "front", customDomains }) });
      expect((await site(["chat.example.org"])).status).toBe(400);
      expect((await site(["eu.switchboard.example"])).status).toBe(400);
      expect((await site(["help.p.example"])).status).toBe(201);
    } finally {
      await platform.close();
    }
  });
});

describe("the audit trail", () => {
  it("records who wrote what and when — never bodies — readable by the org and the platform", async () => {
    await session(owner, "PUT", "/api/admin/orgs/acme/secrets/AUDITED_KEY", { value: "audited-secret-value" });
    const orgToken = await issue(ADMIN_TOKEN, "acme", ["audit:read"]);
    const res = await bearer(orgToken.token, "GET", "/api/admin/audit");
    expect(res.status).toBe(200);
    const { entries } = (await res.json()) as { entries: { orgId: string; actor: string; actorKind: string; action: string; method: string; path: string; createdAt: string }[] };
    expect(entries[0]).toMatchObject({ orgId: "acme", actor: "ADMIN_TOKEN", actorKind: "platform", action: "createToken", method: "POST", path: "/api/admin/tokens" });
    const secretWrite = entries.find((e) => e.action === "putSecret");
    expect(secretWrite).toMatchObject({ orgId: "acme", actor: "olive@acme.example", actorKind: "staff", method: "PUT", path: "/api/admin/orgs/acme/secrets/AUDITED_KEY", createdAt: expect.stringMatching(/^\d{4}-/) });
    expect(entries.every((e) => e.orgId === "acme")).toBe(true);
    expect(JSON.stringify(entries)).not.toContain("audited-secret-value");
    expect(JSON.stringify(await sb.db.prepare("SELECT * FROM audit_log").all())).not.toContain(PASSWORD);
    // Reads are not writes; failed writes changed nothing.
    expect(entries.some((e) => e.method === "GET")).toBe(false);
    const platform = (await (await admin("GET", "/api/admin/audit?org=globex")).json()) as { entries: { orgId: string; action: string }[] };
    expect(platform.entries.map((e) => e.action)).toEqual(expect.arrayContaining(["createSite", "createAgent", "createOrg"]));
    expect((await bearer((await issue(ADMIN_TOKEN, "acme", ["agents:read"])).token, "GET", "/api/admin/audit")).status).toBe(403);
  });
});

describe("edges", () => {
  const rawGet = (path: string, host: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const { port } = new URL(sb.url);
      const req = request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });

  it("keys and ids too long or odd to be keys are 404, never a 500 from storage", async () => {
    const long = "a".repeat(600);
    for (const path of [
      `/api/sites/${long}/config`,
      `/api/sites/${encodeURIComponent("ü".repeat(300))}/config`,
      `/api/sites/${long}/conversations`,
      `/api/conversations/c_${long}/messages`,
      `/chat/${long}`,
    ]) {
      const res = await sb.fetch(path, { method: path.endsWith("conversations") ? "POST" : "GET", headers: { origin: LOCAL_ORIGIN } });
      expect(res.status, path).toBe(404);
    }
    for (const path of [`/api/admin/orgs/acme/agents/${long}`, `/api/admin/orgs/acme/sites/${long}`, `/api/admin/orgs/acme/collections/${long}/documents`, `/api/admin/tokens/tok_${long}`, `/api/admin/orgs/${long}/agents`]) {
      const res = await admin(path.startsWith("/api/admin/tokens") ? "DELETE" : "GET", path);
      expect(res.status, path).toBe(404);
    }
  });

  it("a Host header that is no host name is 400 before anything is looked up", async () => {
    expect((await rawGet("/", "x".repeat(600))).status).toBe(400);
    expect((await rawGet("/api/sites/acme-web/config", `${"x".repeat(300)}.example`)).status).toBe(400);
    expect((await rawGet("/", "under_score.example")).status).toBe(400);
    expect((await rawGet("/", new URL(sb.url).host)).status).toBe(200);
  });

  it("API answers carry nosniff and a CSP; admin and staff answers are never cached", async () => {
    const health = await sb.fetch("/api/health");
    expect(health.headers.get("x-content-type-options")).toBe("nosniff");
    expect(health.headers.get("content-security-policy")).toContain("default-src 'none'");
    const adminRes = await admin("GET", "/api/admin/orgs");
    expect(adminRes.headers.get("cache-control")).toBe("no-store");
    expect(adminRes.headers.get("x-content-type-options")).toBe("nosniff");
    const refused = await sb.fetch("/api/admin/orgs");
    expect(refused.headers.get("cache-control")).toBe("no-store");
    expect((await session(owner, "GET", "/api/staff/me")).headers.get("cache-control")).toBe("no-store");
    const csv = await admin("GET", "/api/admin/orgs/acme/leads.csv");
    expect(csv.headers.get("cache-control")).toBe("no-store");
    expect(csv.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
