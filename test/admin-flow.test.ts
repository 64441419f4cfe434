/**
 * The whole admin flow over HTTP from outside: create an org and a token, agents with a
 * delegate, knowledge from a sitemap served on loopback, a site with an allowed origin —
 * then chat from that origin and get answers citing the ingested pages. Also: agent
 * versions and rollback, delegation graphs refused with the offending path, knowledge
 * formats, replacement, deletion and size limits, and leads as JSON and CSV.
 */
import { once } from "node:events";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finished } from "./helpers/knowledge";
import { ADMIN_TOKEN, send, startConversation, startSwitchboard, type Switchboard } from "./helpers/switchboard";

let sb: Switchboard;
let pages: Server;
let pagesUrl = "";
const content: Record<string, { type: string; body: string }> = {};
let token = "";

const html = (title: string, body: string) =>
  `<!doctype html><html><head><title>${title}</title><script>var tracking = "SCRIPT-NOISE";</script><style>.x{color:red}</style></head>
   <body><nav>Home | Pricing | NAV-NOISE</nav><main><h1>${title}</h1>${body}</main><footer>© Acme FOOTER-NOISE</footer></body></html>`;

beforeAll(async () => {
  pages = createServer((req, res) => {
    const page = content[req.url ?? ""];
    if (!page) return void res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": page.type }).end(page.body);
  });
  pages.listen(0, "127.0.0.1");
  await once(pages, "listening");
  pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  content["/docs/flux.html"] = {
    type: "text/html; charset=utf-8",
    body: html("Resetting the flux capacitor", "<p>To reset the flux capacitor, hold the <b>Temporal</b> button for 10 seconds &amp; wait for the green light.</p>"),
  };
  content["/docs/warranty.html"] = {
    type: "text/html",
    body: html("Warranty", "<p>Every Acme DeLorean kit has a two year warranty covering the plutonium chamber.</p>"),
  };
  content["/docs/pricing.md"] = { type: "text/markdown", body: "# Enterprise pricing\n\nThe enterprise plan costs $4,200 per year, billed annually, including priority time-travel support." };
  content["/sitemap.xml"] = {
    type: "application/xml",
    body: `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>${"PAGES"}/docs/flux.html</loc></url><url><loc>${"PAGES"}/docs/warranty.html</loc></url></urlset>`,
  };
  content["/sitemap.xml"].body = content["/sitemap.xml"].body.replaceAll("PAGES", pagesUrl);
  content["/big-sitemap.xml"] = {
    type: "application/xml",
    body: `<urlset>${Array.from({ length: 101 }, (_, i) => `<url><loc>${pagesUrl}/p${i}</loc></url>`).join("")}</urlset>`,
  };
  sb = await startSwitchboard({ allowPrivate: [pagesUrl] });
});
afterAll(async () => {
  await sb?.close();
  pages?.closeAllConnections();
  pages?.close();
});

const api = (method: string, path: string, body?: unknown, bearer = token) =>
  sb.fetch(path, { method, headers: { authorization: `Bearer ${bearer}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });

async function json<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

describe("the admin flow", () => {
  it("org and token, agents with a delegate, a sitemap, a site — then a chat that cites the ingested pages", async () => {
    await json(await api("POST", "/api/admin/orgs", { id: "acme", name: "Acme" }, ADMIN_TOKEN), 201);
    const issued = await json<{ token: string }>(await api("POST", "/api/admin/tokens", { name: "acme owner", orgId: "acme", scopes: ["*"] }, ADMIN_TOKEN), 201);
    expect(issued.token).toMatch(/^sbat_/);
    token = issued.token;

    await json(await api("POST", "/api/admin/orgs/acme/collections", { id: "docs", name: "Docs" }), 201);
    // A sitemap is read in the background: 202 with its job, whose documents are the pages.
    const added = await json<{ job: { id: string } }>(await api("POST", "/api/admin/orgs/acme/collections/docs/sources", { kind: "sitemap", url: `${pagesUrl}/sitemap.xml` }), 202);
    const ingested = await finished(sb, "acme", added.job.id);
    expect(ingested.errors).toEqual([]);
    expect(ingested.documents.map((d) => d.title).sort()).toEqual(["Resetting the flux capacitor", "Warranty"]);
    const pricing = await json<{ documents: { title: string }[] }>(await api("POST", "/api/admin/orgs/acme/collections/pricing/documents", { url: `${pagesUrl}/docs/pricing.md` }), 201);
    expect(pricing.documents[0]?.title).toBe("Enterprise pricing");

    await json(await api("POST", "/api/admin/orgs/acme/agents", {
      id: "sales",
      name: "Sales",
      description: "Prices, plans and quotes for Acme products.",
      keywords: ["price", "cost", "plan", "enterprise"],
      tools: ["search_knowledge"],
      knowledge: ["pricing"],
      model: { provider: "offline" },
    }), 201);
    await json(await api("POST", "/api/admin/orgs/acme/agents", {
      id: "front",
      name: "Acme helper",
      description: "Front desk",
      tools: ["search_knowledge", "handoff_to_human"],
      knowledge: ["docs"],
      delegates: ["sales"],
      model: { provider: "offline" },
    }), 201);
    const site = await json<{ allowedOrigins: string[] }>(await api("POST", "/api/admin/orgs/acme/sites", { key: "acme-web", name: "Acme web", entryAgent: "front", allowedOrigins: ["https://www.acme.example"] }), 201);
    expect(site.allowedOrigins).toEqual(["https://www.acme.example"]);

    // A visitor on the allowed origin gets answers citing the ingested pages.
    const conv = await startConversation(sb, "acme-web", "https://www.acme.example");
    const flux = await send(sb, conv, "How do I reset the flux capacitor?");
    expect(flux.reply?.text).toContain("Temporal");
    expect(flux.reply?.sources?.[0]).toEqual({ id: expect.any(String), title: "Resetting the flux capacitor", url: `${pagesUrl}/docs/flux.html` });
    // Page chrome and scripts were left out of the index.
    for (const noise of ["SCRIPT-NOISE", "NAV-NOISE", "FOOTER-NOISE"]) {
      const r = await send(sb, conv, noise);
      expect(r.reply?.text).not.toContain(noise);
      expect(r.reply?.sources ?? []).toEqual([]);
    }
    const price = await send(sb, conv, "What does the enterprise plan cost?");
    expect(price.reply?.text).toContain("$4,200");
    expect(price.reply?.sources?.[0]).toMatchObject({ title: "Enterprise pricing", url: `${pagesUrl}/docs/pricing.md` });
    expect(price.events.some((e) => e.type === "activity" && (e.data as { target?: string }).target === "sales")).toBe(true);

    // Another origin cannot start a conversation on this site.
    const refused = await sb.fetch("/api/sites/acme-web/conversations", { method: "POST", headers: { origin: "https://evil.example" }, body: "{}" });
    expect(refused.status).toBe(403);

    // The conversation is listed and readable, with its trace.
    const list = await json<{ conversations: { id: string; messages: number }[] }>(await api("GET", "/api/admin/orgs/acme/conversations"), 200);
    expect(list.conversations.map((c) => c.id)).toContain(conv.id);
    const detail = await json<{ messages: unknown[] }>(await api("GET", `/api/admin/orgs/acme/conversations/${conv.id}`), 200);
    expect(detail.messages.length).toBeGreaterThanOrEqual(10);
    const trace = await json<{ spans: number }>(await api("GET", `/api/admin/conversations/${conv.id}/trace`), 200);
    expect(trace.spans).toBeGreaterThan(10);
  });

  it("re-ingesting a source replaces it; deleting a document removes it from answers", async () => {
    content["/docs/flux.html"] = { type: "text/html", body: html("Resetting the flux capacitor", "<p>New procedure: press the Chrono dial twice.</p>") };
    const rerun = await json<{ job: { id: string } }>(await api("POST", "/api/admin/orgs/acme/collections/docs/sources", { kind: "sitemap", url: `${pagesUrl}/sitemap.xml` }), 202);
    const again = await finished(sb, "acme", rerun.job.id);
    expect(again.documents.map((d) => [d.title, d.change]).sort()).toEqual([
      ["Resetting the flux capacitor", "updated"],
      ["Warranty", "unchanged"],
    ]);
    const docs = await json<{ documents: { id: string; title: string }[] }>(await api("GET", "/api/admin/orgs/acme/collections/docs/documents"), 200);
    expect(docs.documents).toHaveLength(2);
    const conv = await startConversation(sb, "acme-web", "https://www.acme.example");
    const answer = await send(sb, conv, "How do I reset the flux capacitor?");
    expect(answer.reply?.text).toContain("Chrono dial");
    expect(answer.reply?.text).not.toContain("Temporal");

    const flux = docs.documents.find((d) => d.title === "Resetting the flux capacitor");
    await json(await api("DELETE", `/api/admin/orgs/acme/collections/docs/documents/${flux?.id}`), 200);
    const gone = await send(sb, conv, "How do I reset the flux capacitor with the chrono dial?");
    expect(gone.reply?.text).not.toContain("Chrono dial");
    expect((await api("DELETE", `/api/admin/orgs/acme/collections/docs/documents/${flux?.id}`)).status).toBe(404);
  });

  it("ingests text, Markdown and HTML bodies, and refuses what is too big or not fetchable", async () => {
    const text = await json<{ documents: { title: string; chunks: number }[] }>(
      await api("POST", "/api/admin/orgs/acme/collections/misc/documents", { format: "text", content: "Office hours are 9 to 5.\n\n".repeat(200), title: "Hours" }),
      201,
    );
    expect(text.documents[0]?.chunks).toBeGreaterThan(3);
    const md = await json<{ documents: { title: string }[] }>(await api("POST", "/api/admin/orgs/acme/collections/misc/documents", { format: "markdown", content: "# Returns\n\nReturn within 30 days." }), 201);
    expect(md.documents[0]?.title).toBe("Returns");
    const h = await json<{ documents: { title: string }[] }>(await api("POST", "/api/admin/orgs/acme/collections/misc/documents", { format: "html", content: "<title>Care</title><p>Wipe with a dry cloth.</p>" }), 201);
    expect(h.documents[0]?.title).toBe("Care");

    const tooBig = await api("POST", "/api/admin/orgs/acme/collections/misc/documents", { format: "text", content: "x".repeat(1024 * 1024 + 1) });
    expect(tooBig.status).toBe(413);
    // Sitemaps moved to …/sources (they run in the background); the old shape says so.
    const moved = await api("POST", "/api/admin/orgs/acme/collections/misc/documents", { sitemap: `${pagesUrl}/big-sitemap.xml` });
    expect(moved.status).toBe(400);
    expect(((await moved.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "use_sources", message: expect.stringContaining("/api/admin/orgs/acme/collections/misc/sources") });
    expect((await api("POST", "/api/admin/orgs/acme/collections/misc/documents", { url: "ftp://files.example/x" })).status).toBe(400);
    // A page that cannot be fetched is the caller's to fix: 422, not a 5xx.
    expect((await api("POST", "/api/admin/orgs/acme/collections/misc/documents", { url: `${pagesUrl}/missing` })).status).toBe(422);
    expect((await api("POST", "/api/admin/orgs/acme/collections/misc/documents", { format: "pdf", content: "x" })).status).toBe(400);
    // A collection id that cannot be one is no collection.
    expect((await api("POST", "/api/admin/orgs/acme/collections/Bad Name/documents", { format: "text", content: "x" })).status).toBe(404);
  });
});

describe("agents", () => {
  it("keeps every version and rolls back", async () => {
    const base = { name: "Writer", description: "Writes", model: { provider: "offline" } };
    await json(await api("POST", "/api/admin/orgs/acme/agents", { id: "writer", ...base, instructions: "v1" }), 201);
    await json(await api("PUT", "/api/admin/orgs/acme/agents/writer", { ...base, instructions: "v2" }), 200);
    const versions = await json<{ versions: { version: number; instructions: string }[] }>(await api("GET", "/api/admin/orgs/acme/agents/writer/versions"), 200);
    expect(versions.versions.map((v) => [v.version, v.instructions])).toEqual([[1, "v1"], [2, "v2"]]);
    const rolled = await json<{ version: number; instructions: string }>(await api("POST", "/api/admin/orgs/acme/agents/writer/rollback", { version: 1 }), 200);
    expect(rolled).toMatchObject({ version: 3, instructions: "v1" });
    expect((await api("POST", "/api/admin/orgs/acme/agents", { id: "writer", ...base })).status).toBe(409);
    expect((await api("PUT", "/api/admin/orgs/acme/agents/writer", { ...base, timeoutMs: 5 })).status).toBe(400);
  });

  it("refuses delegation graphs that break the contract, naming the path", async () => {
    const agent = (id: string, delegates: string[] = []) => ({ id, name: id, description: id, delegates, model: { provider: "offline" } });
    const unknown = await json<{ error: { code: string; message: string } }>(await api("POST", "/api/admin/orgs/acme/agents", agent("g1", ["ghost"])), 400);
    expect(unknown.error).toMatchObject({ code: "invalid_agent_graph", message: expect.stringContaining('g1 → ghost: no agent "ghost"') });

    await json(await api("POST", "/api/admin/orgs/acme/agents", agent("ca")), 201);
    await json(await api("POST", "/api/admin/orgs/acme/agents", agent("cb", ["ca"])), 201);
    const cycle = await json<{ error: { message: string } }>(await api("PUT", "/api/admin/orgs/acme/agents/ca", agent("ca", ["cb"])), 400);
    expect(cycle.error.message).toMatch(/delegation cycle: (ca → cb → ca|cb → ca → cb)/);

    await json(await api("POST", "/api/admin/orgs/acme/agents", agent("d4")), 201);
    await json(await api("POST", "/api/admin/orgs/acme/agents", agent("d3", ["d4"])), 201);
    await json(await api("POST", "/api/admin/orgs/acme/agents", agent("d2", ["d3"])), 201);
    await json(await api("POST", "/api/admin/orgs/acme/agents", agent("d1", ["d2"])), 201);
    const deep = await json<{ error: { message: string } }>(await api("POST", "/api/admin/orgs/acme/agents", agent("d0", ["d1"])), 400);
    expect(deep.error.message).toContain("d0 → d1 → d2 → d3 → d4 is 4 hops; the limit is 3");

    // In use: an agent others delegate to (or a site's entry) cannot be deleted.
    const inUse = await json<{ error: { message: string } }>(await api("DELETE", "/api/admin/orgs/acme/agents/d4"), 409);
    expect(inUse.error.message).toContain("agent d3");
    expect((await api("DELETE", "/api/admin/orgs/acme/agents/front")).status).toBe(409);
    await json(await api("DELETE", "/api/admin/orgs/acme/agents/d1"), 200);
    expect((await api("GET", "/api/admin/orgs/acme/agents/d1")).status).toBe(404);
  });
});

describe("custom domains", () => {
  it("a request whose Host is a site's custom domain gets that site's full-page assistant at /", async () => {
    // Custom domains are the platform's to give: the org's own token may not set one.
    const site = { name: "Acme web", entryAgent: "front", allowedOrigins: ["https://www.acme.example"], customDomains: ["help.acme.example"] };
    expect((await api("PUT", "/api/admin/orgs/acme/sites/acme-web", site)).status).toBe(403);
    await json(await api("PUT", "/api/admin/orgs/acme/sites/acme-web", site, ADMIN_TOKEN), 200);
    const get = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const { port } = new URL(sb.url);
        const req = request({ host: "127.0.0.1", port, path: "/", headers: { host } }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end();
      });
    const custom = await get("help.acme.example");
    expect(custom.status).toBe(200);
    expect(custom.body).toContain('data-site-key="acme-web"');
    expect(custom.body).toContain('data-mode="page"');
    const plain = await get(new URL(sb.url).host);
    expect(plain.body).toContain('data-site-key="demo"');
    // The custom domain is an allowed origin for the site.
    const start = await sb.fetch("/api/sites/acme-web/conversations", { method: "POST", headers: { origin: "https://help.acme.example" }, body: "{}" });
    expect(start.status).toBe(201);
    // A second site cannot take the domain.
    await json(await api("POST", "/api/admin/orgs/acme/agents", { id: "second-front", name: "Second", description: "x", model: { provider: "offline" } }), 201);
    const taken = await api("POST", "/api/admin/orgs/acme/sites", { key: "acme-two", name: "Two", entryAgent: "second-front", customDomains: ["help.acme.example"] }, ADMIN_TOKEN);
    expect(taken.status).toBe(409);
  });
});

describe("leads", () => {
  it("the pre-chat form and capture flows store leads; list and CSV export, safe for spreadsheets", async () => {
    await json(await api("PUT", "/api/admin/orgs/acme/sites/acme-web", { name: "Acme web", entryAgent: "front", allowedOrigins: ["https://www.acme.example"], leadForm: "pre-chat" }), 200);
    const config = await (await sb.fetch("/api/sites/acme-web/config", { headers: { origin: "https://www.acme.example" } })).json();
    expect(config).toMatchObject({ leadForm: "pre-chat" });
    const conv = await startConversation(sb, "acme-web", "https://www.acme.example");
    const lead = await sb.fetch(`/api/conversations/${conv.id}/lead`, {
      method: "POST",
      headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json", origin: "https://www.acme.example" },
      body: JSON.stringify({ name: '=HYPERLINK("http://evil.example","click")', email: "doc@acme.example", note: 'said "hi", then left' }),
    });
    expect(lead.status).toBe(201);
    const list = await json<{ leads: { email: string; source: string; conversationId: string }[] }>(await api("GET", "/api/admin/orgs/acme/leads"), 200);
    expect(list.leads[0]).toMatchObject({ email: "doc@acme.example", source: "pre-chat", conversationId: conv.id });
    const csv = await api("GET", "/api/admin/orgs/acme/leads.csv");
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("createdAt,name,email,note,source,siteKey,conversationId");
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(lines[1]).toContain('"said ""hi"", then left"');
  });
});
