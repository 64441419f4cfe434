/**
 * The outbound guard from outside: every URL a tenant gives (knowledge URLs and sitemaps,
 * HTTP tools, webhooks, an agent's model endpoint) is refused when it names a private
 * address in any notation — when it is saved (a 400 naming the rule) and when it is fetched
 * (including after a redirect) — and secret headers never follow a redirect to another
 * origin. Two loopback servers are opened for this suite by ALLOW_PRIVATE_URLS (`open`,
 * `other`); a third (`closed`) is not, and must never see a request.
 */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { finished } from "./helpers/knowledge";
import { agent, ScriptedModel } from "./helpers/model-server";
import { ADMIN_TOKEN, flatten, send, setupOrg, startConversation, startSwitchboard, type Switchboard, testAgent, trace } from "./helpers/switchboard";

interface Hit {
  url: string;
  headers: IncomingHttpHeaders;
}

/** A loopback server that records what reaches it; `/redirect?to=…&status=…` redirects. */
async function recorder(): Promise<{ server: Server; url: string; port: number; hits: Hit[]; waiters: (() => void)[] }> {
  const hits: Hit[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    hits.push({ url: req.url ?? "", headers: req.headers });
    for (const w of waiters.splice(0)) w();
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/redirect") {
      return void res.writeHead(Number(url.searchParams.get("status") ?? 302), { location: url.searchParams.get("to") ?? "/" }).end();
    }
    const chain = url.pathname.match(/^\/chain\/(\d+)$/);
    if (chain) {
      const n = Number(chain[1]);
      if (n > 0) return void res.writeHead(302, { location: `/chain/${n - 1}` }).end();
      return void res.writeHead(200, { "content-type": "text/plain" }).end("end of the chain");
    }
    if (url.pathname === "/page.txt") return void res.writeHead(200, { "content-type": "text/plain" }).end("Opening hours are nine to five.");
    if (url.pathname === "/sitemap.xml") {
      return void res.writeHead(200, { "content-type": "application/xml" }).end(`<urlset>${(url.searchParams.get("pages") ?? "").split(",").map((p) => `<url><loc>${p}</loc></url>`).join("")}</urlset>`);
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, headers: req.headers }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${port}`, port, hits, waiters };
}

let sb: Switchboard;
let open: Awaited<ReturnType<typeof recorder>>;
let other: Awaited<ReturnType<typeof recorder>>;
let closed: Awaited<ReturnType<typeof recorder>>;
const model = new ScriptedModel();
const SECRET = "guarded-secret-value-5f4e3d2c";

/** Every way of writing the closed server's address (loopback, on a port nobody opened). */
const notations = () => {
  const p = closed.port;
  return [
    `http://127.0.0.1:${p}/`,
    `http://localhost:${p}/`,
    `http://LOCALHOST.:${p}/`,
    `http://2130706433:${p}/`,
    `http://0x7f.1:${p}/`,
    `http://0x7f000001:${p}/`,
    `http://0177.0.0.1:${p}/`,
    `http://127.1:${p}/`,
    `http://127.0.0.1.:${p}/`,
    `http://0.0.0.0:${p}/`,
    `http://0:${p}/`,
    `http://[::1]:${p}/`,
    `http://[::ffff:127.0.0.1]:${p}/`,
    `http://[::ffff:7f00:1]:${p}/`,
    `http://[0:0:0:0:0:ffff:127.0.0.1]:${p}/`,
    `http://user@127.0.0.1:${p}/`,
    `http://app.localhost:${p}/`,
  ];
};

const admin = (method: string, path: string, body?: unknown) =>
  sb.fetch(path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });

async function errorOf(res: Response) {
  return { status: res.status, ...((await res.json()) as { error: { code: string; message: string } }).error };
}

/** Waits until `server` has seen `n` requests. */
async function hitsOf(server: typeof open, n: number) {
  while (server.hits.length < n) await new Promise<void>((resolve) => server.waiters.push(resolve));
}

beforeAll(async () => {
  [open, other, closed] = await Promise.all([recorder(), recorder(), recorder()]);
  await model.start();
  sb = await startSwitchboard({ vars: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: model.url, WEBHOOK_RETRY_BASE_MS: "100" }, allowPrivate: [open.url, other.url] });
  await admin("POST", "/api/admin/orgs", { id: "guard", name: "Guard" });
  await sb.putSecret("guard", "API_KEY", SECRET);
});
afterAll(async () => {
  await sb?.close();
  await model.stop();
  for (const s of [open, other, closed]) {
    s?.server.closeAllConnections();
    s?.server.close();
  }
});
beforeEach(() => {
  model.reset();
  for (const s of [open, other, closed]) s.hits.length = 0;
});

describe("when a URL is saved", () => {
  it("refuses a knowledge URL or sitemap in every notation of a private address, naming the rule", async () => {
    for (const url of notations()) {
      for (const [path, body] of [
        ["documents", { url }],
        ["sources", { kind: "sitemap", url }],
        ["sources", { kind: "crawl", url }],
      ] as const) {
        const error = await errorOf(await admin("POST", `/api/admin/orgs/guard/collections/kb/${path}`, body));
        expect(error, url).toMatchObject({ status: 400, code: "url_refused" });
        expect(error.message, url).toMatch(/is (a loopback|the unspecified|an IPv4-mapped address of 127\.0\.0\.1, a loopback)/);
      }
    }
    expect((await errorOf(await admin("POST", "/api/admin/orgs/guard/collections/kb/documents", { url: `http://127.0.0.1:${closed.port}/` }))).message).toBe(
      "127.0.0.1 is a loopback address",
    );
    expect(closed.hits).toEqual([]);
  });

  it("refuses webhook, HTTP tool and model URLs in site and agent configs", async () => {
    const bad = `http://0x7f.1:${closed.port}/hook`;
    await admin("POST", "/api/admin/orgs/guard/agents", { ...testAgent("front"), model: { provider: "offline" } });
    const site = await errorOf(await admin("POST", "/api/admin/orgs/guard/sites", { key: "guard-site", name: "G", entryAgent: "front", webhook: { url: bad, secret: "webhook-secret-0123456789" } }));
    expect(site).toMatchObject({ status: 400, code: "url_refused", message: "webhook.url: 127.0.0.1 is a loopback address" });
    const tool = await errorOf(
      await admin("POST", "/api/admin/orgs/guard/agents", { ...testAgent("tooled"), httpTools: [{ name: "t", description: "t", url: `http://[::ffff:127.0.0.1]:${closed.port}/x` }] }),
    );
    expect(tool).toMatchObject({ status: 400, code: "url_refused" });
    expect(tool.message).toMatch(/^httpTools\.0\.url: \[::ffff:7f00:1\] is an IPv4-mapped address of 127\.0\.0\.1, a loopback address$/);
    const modelUrl = await errorOf(await admin("POST", "/api/admin/orgs/guard/agents", { ...testAgent("selfhosted"), model: { baseURL: `http://169.254.169.254/v1` } }));
    expect(modelUrl).toMatchObject({ status: 400, code: "url_refused", message: "model.baseURL: 169.254.169.254 is a cloud metadata address" });
    // The opened servers can be saved.
    expect((await admin("POST", "/api/admin/orgs/guard/agents", { ...testAgent("fine"), model: { baseURL: `${open.url}/v1` } })).status).toBe(201);
    // Another port of an opened host is not opened.
    expect((await admin("POST", "/api/admin/orgs/guard/agents", { ...testAgent("sneaky"), model: { baseURL: `http://127.0.0.1:${closed.port}/v1` } })).status).toBe(400);
    expect(closed.hits).toEqual([]);
  });
});

describe("when a URL is fetched", () => {
  it("checks every redirect hop: a redirect to a private address is refused and never followed", async () => {
    for (const status of [301, 302, 303, 307, 308]) {
      for (const target of [`http://127.0.0.1:${closed.port}/`, `http://2130706433:${closed.port}/`, `http://[::1]:${closed.port}/`, `http://localhost:${closed.port}/`]) {
        const url = `${open.url}/redirect?status=${status}&to=${encodeURIComponent(target)}`;
        const error = await errorOf(await admin("POST", "/api/admin/orgs/guard/collections/kb/documents", { url }));
        expect(error, `${status} → ${target}`).toMatchObject({ status: 400, code: "url_refused" });
      }
    }
    expect(closed.hits).toEqual([]);
    // A redirect between opened servers is followed, and what it serves is ingested.
    const ok = await admin("POST", "/api/admin/orgs/guard/collections/kb/documents", { url: `${open.url}/redirect?to=${encodeURIComponent(`${other.url}/page.txt`)}` });
    expect(ok.status).toBe(201);
    // The document is named by the URL as given (what a refresh asks for again) and links where it ended up.
    const { id } = ((await ok.json()) as { documents: { id: string }[] }).documents[0]!;
    const listed = (await (await admin("GET", "/api/admin/orgs/guard/collections/kb/documents")).json()) as { documents: { id: string; url: string }[] };
    expect(listed.documents.find((d) => d.id === id)?.url).toBe(`${other.url}/page.txt`);
  });

  it("follows a few hops at most", async () => {
    expect((await admin("POST", "/api/admin/orgs/guard/collections/kb/documents", { url: `${open.url}/chain/5` })).status).toBe(201);
    const error = await errorOf(await admin("POST", "/api/admin/orgs/guard/collections/kb/documents", { url: `${open.url}/chain/6` }));
    expect(error).toMatchObject({ status: 422, code: "fetch_failed" });
    expect(error.message).toContain("more than 5 redirects");
  });

  it("a sitemap's private pages fail one by one; the public ones are ingested", async () => {
    const pages = [`${open.url}/page.txt`, `http://127.0.0.1:${closed.port}/a`, `http://0x7f.1:${closed.port}/b`].join(",");
    const res = await admin("POST", "/api/admin/orgs/guard/collections/sm/sources", { kind: "sitemap", url: `${open.url}/sitemap.xml?pages=${encodeURIComponent(pages)}` });
    expect(res.status).toBe(202);
    const body = await finished(sb, "guard", ((await res.json()) as { job: { id: string } }).job.id);
    expect(body.documents.map((d) => d.source)).toEqual([`${open.url}/page.txt`]);
    expect(body.errors.map((f) => [f.code, f.message])).toEqual([
      ["url_refused", "127.0.0.1 is a loopback address"],
      ["url_refused", "127.0.0.1 is a loopback address"],
    ]);
    expect(closed.hits).toEqual([]);
  });

  it("answers one message for every network failure, so errors are no port scanner", async () => {
    // A port with nothing listening, on an opened host, and a name that does not resolve.
    const dead = createServer();
    dead.listen(0, "127.0.0.1");
    await once(dead, "listening");
    const deadPort = (dead.address() as AddressInfo).port;
    dead.close();
    await once(dead, "close");
    const scanner = await startSwitchboard({ allowPrivate: [`127.0.0.1:${deadPort}`, "no-such-host.invalid"] });
    try {
      await scanner.admin("/api/admin/orgs", { method: "POST", body: JSON.stringify({ id: "scan", name: "Scan" }) });
      const attempt = async (url: string) => {
        const res = await scanner.admin("/api/admin/orgs/scan/collections/kb/documents", { method: "POST", body: JSON.stringify({ url }) });
        const error = await errorOf(res);
        return { status: error.status, code: error.code, message: error.message.replace(url, "URL") };
      };
      const refused = await attempt(`http://127.0.0.1:${deadPort}/`);
      const unresolvable = await attempt("http://no-such-host.invalid/");
      expect(refused).toEqual({ status: 422, code: "fetch_failed", message: "could not fetch URL: no answer" });
      expect(unresolvable).toEqual(refused);
    } finally {
      await scanner.close();
    }
  });
});

describe("HTTP tools, webhooks and model endpoints", () => {
  const tool = (name: string, url: string) => ({
    name,
    description: name,
    parameters: { type: "object", properties: {} },
    url,
    headers: { authorization: "Bearer static-credential" },
    secretHeaders: { "x-api-key": "API_KEY" },
  });

  beforeAll(async () => {
    // Written straight to the config store: the fetch-time check must hold on its own.
    await setupOrg(sb, "guard", [
      testAgent("router", {
        httpTools: [
          tool("same_origin", `${open.url}/redirect?to=${encodeURIComponent("/echo")}`),
          tool("cross_origin", `${open.url}/redirect?status=307&to=${encodeURIComponent(`${other.url}/echo`)}`),
          tool("to_private", `${open.url}/redirect?to=${encodeURIComponent(`http://127.1:${closed.port}/`)}`),
          tool("direct_private", `http://[::ffff:127.0.0.1]:${closed.port}/`),
        ],
      }),
    ]);
  });

  it("secret headers and credentials never follow a redirect to another origin", async () => {
    model.on(agent("[router]"), { toolCalls: [{ name: "same_origin", arguments: {} }, { name: "cross_origin", arguments: {} }] }, { text: "done" });
    const conv = await startConversation(sb, "guard");
    await send(sb, conv, "call both");
    const sameOrigin = open.hits.find((h) => h.url === "/echo");
    expect(sameOrigin?.headers["x-api-key"]).toBe(SECRET);
    const crossed = other.hits.find((h) => h.url === "/echo");
    expect(crossed).toBeDefined();
    expect(crossed?.headers["x-api-key"]).toBeUndefined();
    expect(crossed?.headers.authorization).toBeUndefined();
    expect(crossed?.headers["x-switchboard-conversation"]).toBe(conv.id);
  });

  it("a tool URL or a redirect to a private address is refused as a refusal span, and never reached", async () => {
    model.on(agent("[router]"), { toolCalls: [{ name: "to_private", arguments: {} }, { name: "direct_private", arguments: {} }] }, { text: "done" });
    const conv = await startConversation(sb, "guard");
    await send(sb, conv, "call them");
    const results = (model.requests.at(-1)?.body.messages.filter((m) => m.role === "tool") ?? []).map((m) => JSON.parse(m.content ?? "{}"));
    expect(results).toEqual([
      { error: { code: "url_refused", message: "127.0.0.1 is a loopback address" } },
      { error: { code: "url_refused", message: "[::ffff:7f00:1] is an IPv4-mapped address of 127.0.0.1, a loopback address" } },
    ]);
    const spans = flatten(await trace(sb, conv.id));
    expect(spans.filter((s) => s.kind === "refusal").map((s) => s.name)).toEqual(["url_refused", "url_refused"]);
    expect(closed.hits).toEqual([]);
  });

  it("an agent's own model endpoint on a private address is never called", async () => {
    await sb.putAgent("guard", testAgent("router", { model: { name: "m", baseURL: `http://0177.0.0.1:${closed.port}/v1` } }));
    const conv = await startConversation(sb, "guard");
    const { reply } = await send(sb, conv, "hello");
    expect(reply?.text).toMatch(/ran into a problem/);
    expect(closed.hits).toEqual([]);
    // The same agent on an opened host reaches it, with its key.
    await sb.putAgent("guard", testAgent("router", { model: { name: "m", baseURL: `${open.url}/v1`, apiKeySecret: "API_KEY" } }));
    await send(sb, await startConversation(sb, "guard"), "hello");
    expect(open.hits.find((h) => h.url === "/v1/chat/completions")?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it("a webhook redirected to a private address is not delivered there", async () => {
    const hook = `${open.url}/redirect?status=307&to=${encodeURIComponent(`http://127.0.0.1:${closed.port}/hook`)}`;
    await setupOrg(sb, "hooked", [testAgent("router", { tools: ["handoff_to_human"] })], "router", { webhook: { url: hook, secret: "webhook-secret-0123456789" } });
    const conv = await startConversation(sb, "hooked");
    const res = await sb.fetch(`/api/conversations/${conv.id}/handoff`, { method: "POST", headers: { authorization: `Bearer ${conv.token}` } });
    expect(res.status).toBe(200);
    // The delivery is retried (it failed); by the second attempt the first has run its course.
    await hitsOf(open, 2);
    expect(open.hits.every((h) => h.url.startsWith("/redirect"))).toBe(true);
    expect(closed.hits).toEqual([]);
  });
});
