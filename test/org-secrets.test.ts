/**
 * Org secrets: stored per (org, name), encrypted at rest, bound to their org, managed through
 * the admin API, and reachable by an org's agents only under their own org's names. The
 * cross-org attack of the review (org `demo-billing` naming `API_KEY` and receiving org
 * `demo`'s billing key) is tried in every spelling, with the old environment variables set
 * to prove the environment scheme is gone.
 */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { agent, ScriptedModel } from "./helpers/model-server";
import { ADMIN_TOKEN, BILLING_API_KEY, send, setupOrg, startConversation, startSwitchboard, type Switchboard, testAgent } from "./helpers/switchboard";

let sb: Switchboard;
let api: Server;
let apiUrl = "";
const seen: IncomingHttpHeaders[] = [];
const model = new ScriptedModel();

/** Values planted in the environment under the old SECRET_<ORG>_<NAME> names. */
const PLANTED = {
  SECRET_DEMO_BILLING_API_KEY: "planted-env-demo-billing-api-key",
  SECRET_DEMO_BILLING_BILLING_API_KEY: "planted-env-demo-billing-billing-key",
  SECRET_DEMO_API_KEY: "planted-env-demo-api-key",
  SECRET_VICTIM_TOKEN: "planted-env-victim-token",
};

const admin = (method: string, path: string, body?: unknown, token = ADMIN_TOKEN) =>
  sb.fetch(path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });

const toolResults = () => (model.requests.at(-1)?.body.messages.filter((m) => m.role === "tool") ?? []).map((m) => JSON.parse(m.content ?? "{}"));

/** An agent whose tools send every name it could try for another org's secret. */
function prober(names: string[], url = `${apiUrl}/probe`) {
  return testAgent("router", {
    httpTools: names.map((name, i) => ({ name: `probe_${i}`, description: `sends ${name}`, url, secretHeaders: { "x-probe": name } })),
  });
}

async function probe(orgId: string, names: string[]) {
  model.on(agent("[router]"), { toolCalls: names.map((_, i) => ({ id: `p${i}`, name: `probe_${i}`, arguments: {} })) }, { text: "done" });
  await send(sb, await startConversation(sb, orgId), "probe");
  return toolResults();
}

beforeAll(async () => {
  api = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
  });
  api.listen(0, "127.0.0.1");
  await once(api, "listening");
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  await model.start();
  sb = await startSwitchboard({ seed: true, vars: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: model.url, ...PLANTED }, allowPrivate: [apiUrl] });
  await sb.putSecret("victim", "TOKEN", "victim-org-token-value-1");
});
afterAll(async () => {
  await sb?.close();
  await model.stop();
  api?.closeAllConnections();
  api?.close();
});
beforeEach(() => {
  model.reset();
  seen.length = 0;
});

describe("the secrets API", () => {
  it("stores a value encrypted, lists names and times only, and never gives a value back", async () => {
    const put = await admin("PUT", "/api/admin/orgs/victim/secrets/API_KEY", { value: "victim-api-key-plaintext" });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ name: "API_KEY", updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    const list = await admin("GET", "/api/admin/orgs/victim/secrets");
    const text = await list.text();
    expect(JSON.parse(text)).toEqual({ secrets: [{ name: "API_KEY", updatedAt: expect.any(String) }, { name: "TOKEN", updatedAt: expect.any(String) }] });
    expect(text).not.toContain("plaintext");
    const row = await sb.db.prepare("SELECT * FROM org_secrets WHERE org_id = 'victim' AND name = 'API_KEY'").first<Record<string, string>>();
    const stored = JSON.stringify(row);
    expect(stored).not.toContain("victim-api-key-plaintext");
    expect(stored).not.toContain(Buffer.from("victim-api-key-plaintext").toString("base64").slice(0, 16));
    expect(stored).not.toContain(Buffer.from("victim-api-key-plaintext").toString("base64url").slice(0, 16));
    // The same value twice is two different ciphertexts (a fresh IV each time).
    await admin("PUT", "/api/admin/orgs/victim/secrets/API_KEY", { value: "victim-api-key-plaintext" });
    const again = await sb.db.prepare("SELECT ciphertext FROM org_secrets WHERE org_id = 'victim' AND name = 'API_KEY'").first<{ ciphertext: string }>();
    expect(again?.ciphertext).not.toBe(row?.ciphertext);
  });

  it("checks names, sizes and scopes, and answers a hidden org like an unknown one", async () => {
    expect((await admin("PUT", "/api/admin/orgs/victim/secrets/lowercase", { value: "x" })).status).toBe(404);
    expect((await admin("PUT", `/api/admin/orgs/victim/secrets/${"A".repeat(65)}`, { value: "x" })).status).toBe(404);
    expect((await admin("PUT", "/api/admin/orgs/victim/secrets/EMPTY", { value: "" })).status).toBe(400);
    expect((await admin("PUT", "/api/admin/orgs/victim/secrets/HUGE", { value: "x".repeat(5000) })).status).toBe(413);
    expect((await admin("DELETE", "/api/admin/orgs/victim/secrets/NEVER_SET")).status).toBe(404);

    const issue = async (scopes: string[], orgId: string) =>
      ((await (await admin("POST", "/api/admin/tokens", { name: "t", orgId, scopes })).json()) as { token: string }).token;
    const reader = await issue(["secrets:read"], "victim");
    expect((await admin("GET", "/api/admin/orgs/victim/secrets", undefined, reader)).status).toBe(200);
    expect((await admin("PUT", "/api/admin/orgs/victim/secrets/X_KEY", { value: "v" }, reader)).status).toBe(403);
    const agentsOnly = await issue(["agents:*"], "victim");
    expect((await admin("GET", "/api/admin/orgs/victim/secrets", undefined, agentsOnly)).status).toBe(403);
    await admin("POST", "/api/admin/orgs", { id: "thief", name: "Thief" });
    const thief = await issue(["*"], "thief");
    const hidden = await admin("GET", "/api/admin/orgs/victim/secrets", undefined, thief);
    const unknown = await admin("GET", "/api/admin/orgs/nobody-here/secrets", undefined, thief);
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toEqual(await unknown.json());
    expect((await admin("PUT", "/api/admin/orgs/victim/secrets/TOKEN", { value: "overwritten" }, thief)).status).toBe(404);
    expect((await admin("DELETE", "/api/admin/orgs/victim/secrets/TOKEN", undefined, thief)).status).toBe(404);
  });
});

describe("an org's agents reach only their own org's secrets", () => {
  it("org demo-billing cannot reach org demo's billing key, nor any platform variable, in any spelling", async () => {
    const names = ["API_KEY", "BILLING_API_KEY", "DEMO_BILLING_API_KEY", "SECRET_DEMO_BILLING_API_KEY", "BILLING_BILLING_API_KEY", "ADMIN_TOKEN", "SESSION_SECRET", "SECRETS_KEY", "OPENAI_API_KEY", "DEMO_BILLING_API_KEY"];
    for (const org of ["demo-billing", "demo_billing", "demo-", "demob"]) {
      await setupOrg(sb, org, [prober(names)]);
      const results = await probe(org, names);
      expect(results, org).toHaveLength(names.length);
      for (const r of results) expect(r, org).toMatchObject({ error: { code: "misconfigured" } });
    }
    const received = JSON.stringify(seen);
    for (const value of [BILLING_API_KEY, ADMIN_TOKEN, "sk-test", ...Object.values(PLANTED)]) expect(received).not.toContain(value);
    expect(seen).toHaveLength(0);
  });

  it("another org's visitor cannot read the demo's invoices through the in-process billing API", async () => {
    await setupOrg(sb, "demo-billing", [
      testAgent("router", {
        httpTools: [
          { name: "steal", description: "x", url: "/api/demo/billing/invoices", parameters: { type: "object", properties: { invoice: { type: "string" } } }, secretHeaders: { "x-billing-key": "BILLING_API_KEY" } },
          { name: "guess", description: "x", url: "/api/demo/billing/invoices", parameters: { type: "object", properties: { invoice: { type: "string" } } }, secretHeaders: { "x-billing-key": "GUESS" } },
        ],
      }),
    ]);
    await sb.putSecret("demo-billing", "GUESS", "a-guessed-billing-key");
    model.on(agent("[router]"), { toolCalls: [{ id: "s", name: "steal", arguments: { invoice: "INV-1001" } }, { id: "g", name: "guess", arguments: { invoice: "INV-1001" } }] }, { text: "done" });
    await send(sb, await startConversation(sb, "demo-billing"), "show me INV-1001");
    const [steal, guess] = toolResults();
    expect(steal).toMatchObject({ error: { code: "misconfigured" } });
    expect(guess).toMatchObject({ error: { code: "http_error", status: 401 } });
    expect(JSON.stringify(toolResults())).not.toContain("dana@example.com");
  });

  it("the seeded demo's billing key is its org secret (from DEMO_BILLING_API_KEY), and the billing API checks against it", async () => {
    expect((await sb.fetch("/api/demo/billing/invoices?invoice=INV-1001", { headers: { "x-billing-key": BILLING_API_KEY } })).status).toBe(200);
    expect((await sb.fetch("/api/demo/billing/invoices?invoice=INV-1001", { headers: { "x-billing-key": PLANTED.SECRET_DEMO_BILLING_API_KEY } })).status).toBe(401);
    const names = (await (await admin("GET", "/api/admin/orgs/demo/secrets")).json()) as { secrets: { name: string }[] };
    expect(names.secrets.map((s) => s.name)).toEqual(["BILLING_API_KEY"]);
  });

  it("a ciphertext copied to another org does not decrypt there", async () => {
    await setupOrg(sb, "copycat", [prober(["TOKEN"])]);
    await sb.db
      .prepare("INSERT INTO org_secrets (org_id, name, iv, ciphertext, key_version, updated_at) SELECT 'copycat', name, iv, ciphertext, key_version, updated_at FROM org_secrets WHERE org_id = 'victim' AND name = 'TOKEN'")
      .run();
    const [result] = await probe("copycat", ["TOKEN"]);
    expect(result).toMatchObject({ error: { code: "misconfigured" } });
    expect(JSON.stringify(seen)).not.toContain("victim-org-token-value-1");
    // Renamed inside its own org, it does not decrypt either.
    await sb.db.prepare("INSERT INTO org_secrets (org_id, name, iv, ciphertext, key_version, updated_at) SELECT org_id, 'RENAMED', iv, ciphertext, key_version, updated_at FROM org_secrets WHERE org_id = 'victim' AND name = 'TOKEN'").run();
    await setupOrg(sb, "victim", [prober(["RENAMED", "TOKEN"])]);
    const [renamed, real] = await probe("victim", ["RENAMED", "TOKEN"]);
    expect(renamed).toMatchObject({ error: { code: "misconfigured" } });
    expect(real).toMatchObject({ ok: true });
    expect(seen.map((h) => h["x-probe"])).toEqual(["victim-org-token-value-1"]);
  });

  it("a changed or deleted secret takes effect at once", async () => {
    await setupOrg(sb, "rotating", [prober(["ROTATED"])]);
    await sb.putSecret("rotating", "ROTATED", "first-value-000001");
    await probe("rotating", ["ROTATED"]);
    await sb.putSecret("rotating", "ROTATED", "second-value-000002");
    await probe("rotating", ["ROTATED"]);
    expect(seen.map((h) => h["x-probe"])).toEqual(["first-value-000001", "second-value-000002"]);
    expect((await admin("DELETE", "/api/admin/orgs/rotating/secrets/ROTATED")).status).toBe(200);
    const [gone] = await probe("rotating", ["ROTATED"]);
    expect(gone).toMatchObject({ error: { code: "misconfigured" } });
    expect(seen).toHaveLength(2);
  });
});
