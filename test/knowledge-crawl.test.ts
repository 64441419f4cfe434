/**
 * Resource libraries kept fresh, from outside: a crawl of a local site's /docs/ section
 * (served on loopback, opened for this suite) that honours robots.txt — our token's group,
 * its Allow/Disallow rules and Crawl-delay — stays on its origin and inside its patterns,
 * depth and page caps, skips `nofollow` links and `noindex` pages, and reads a linked PDF.
 * Then the hourly scheduled handler runs (dispatched by the test, at a time a week later):
 * unchanged pages cost a 304, a changed page is re-indexed with what changed, a page that
 * answers 404 or is no longer linked is removed — and the chat answers from the new text.
 * A video page's captions and a sitemap are sources too.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestJob, KnowledgeSource } from "../shared/knowledge";
import { documents, finished, knowledgeOrg } from "./helpers/knowledge";
import { eventually, send, startConversation, startSwitchboard, type Switchboard } from "./helpers/switchboard";
import { makePdf } from "./workers/content-fixtures";

interface Hit {
  path: string;
  at: number;
  status: number;
  headers: IncomingHttpHeaders;
}

const pages = new Map<string, { type: string; body: string | Uint8Array; lastModified?: string }>();
const hits: Hit[] = [];
let server: Server;
/** What robots.txt answers when not 200 (a site whose robots.txt is down). */
let robotsStatus = 200;
let site = "";
let sb: Switchboard;
const ORG = "crawler";

const page = (title: string, body: string, head = "") =>
  `<!doctype html><html lang="en"><head><title>${title}</title>${head}</head><body><nav><a href="/docs/">Docs</a> NAV-NOISE</nav><main><h1>${title}</h1>${body}</main><footer>FOOTER-NOISE</footer></body></html>`;

function publish(path: string, body: string | Uint8Array, type = "text/html; charset=utf-8") {
  pages.set(path, { type, body, lastModified: new Date().toUTCString() });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const entry = pages.get(path);
    if (path === "/robots.txt" && robotsStatus !== 200) return void res.writeHead(robotsStatus).end("unavailable");
    const record = (status: number) => hits.push({ path, at: Date.now(), status, headers: req.headers });
    if (!entry) {
      record(404);
      return void res.writeHead(404, { "content-type": "text/plain" }).end("not here");
    }
    const etag = `"${createHash("sha256").update(entry.body).digest("hex").slice(0, 16)}"`;
    if (req.headers["if-none-match"] === etag) {
      record(304);
      return void res.writeHead(304, { etag }).end();
    }
    record(200);
    res.writeHead(200, { "content-type": entry.type, etag, ...(entry.lastModified ? { "last-modified": entry.lastModified } : {}) }).end(entry.body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  publish(
    "/robots.txt",
    [
      "User-agent: *",
      "Disallow: /",
      "",
      "# Our crawler may read the docs, but not drafts (one draft is published) or private pages.",
      "User-agent: SwitchboardBot",
      "Disallow: /docs/private/",
      "Disallow: /docs/drafts/",
      "Allow: /docs/drafts/published",
      "Crawl-delay: 0.3",
      "",
      `Sitemap: ${"SITE"}/sitemap.xml`,
    ].join("\n"),
    "text/plain",
  );
  publish(
    "/docs/",
    page(
      "Lumen docs",
      `<p>Welcome to the Lumen documentation.</p>
       <ul>
         <li><a href="getting-started.html">Getting started</a></li>
         <li><a href="/docs/billing.html#refunds">Billing</a></li>
         <li><a href="pricing-old.html">Old pricing</a></li>
         <li><a href="private/salaries.html">Private</a></li>
         <li><a href="drafts/wip.html">Draft</a> <a href="drafts/published.html">Published draft</a></li>
         <li><a href="archive/2019.html">Archive</a></li>
         <li><a href="chain/1.html">A long chain</a></li>
         <li><a href="hidden.html">Not for the index</a></li>
         <li><a href="sponsored.html" rel="nofollow sponsored">Sponsored</a></li>
         <li><a href="manual.pdf">The manual (PDF)</a></li>
         <li><a href="/blog/post.html">Blog</a> <a href="https://elsewhere.example/docs/">Elsewhere</a> <a href="mailto:help@lumen.example">Mail</a></li>
       </ul>`,
    ),
  );
  publish("/docs/getting-started.html", page("Getting started", "<p>Install the Lumen app from the store and sign in with your email address.</p>"));
  publish("/docs/billing.html", page("Billing", "<h2 id='refunds'>Refunds</h2><p>Refunds are issued within 14 days of a cancellation request.</p><h2>Invoices</h2><p>Invoices are emailed on the first of each month.</p>"));
  publish("/docs/pricing-old.html", page("Old pricing", "<p>The legacy Starter plan cost 3 dollars per month.</p>"));
  publish("/docs/private/salaries.html", page("Salaries", "<p>Secret salary bands.</p>"));
  publish("/docs/drafts/wip.html", page("Work in progress", "<p>Unfinished draft about quantum sync.</p>"));
  publish("/docs/drafts/published.html", page("Offline mode", "<p>Offline mode keeps your last 500 notes available without a connection.</p>"));
  publish("/docs/archive/2019.html", page("2019 archive", "<p>Old news.</p>"));
  publish("/docs/chain/1.html", page("Chain one", `<p>First link of a chain.</p><a href="2.html">next</a>`));
  publish("/docs/chain/2.html", page("Chain two", `<p>Second link of a chain.</p><a href="3.html">next</a>`));
  publish("/docs/chain/3.html", page("Chain three", `<p>Third link: too deep for this crawl.</p>`));
  publish("/docs/hidden.html", page("Hidden page", `<p>Not to be indexed.</p><a href="found-via-hidden.html">onwards</a>`, `<meta name="robots" content="noindex">`));
  publish("/docs/found-via-hidden.html", page("Reached through a noindex page", "<p>Keyboard shortcuts: press K to open the command bar.</p>"));
  publish("/docs/sponsored.html", page("Sponsored", "<p>An advert.</p>"));
  publish("/blog/post.html", page("Blog post", "<p>Outside the docs section.</p>"));
  publish(
    "/docs/manual.pdf",
    await makePdf([{ heading: "Contents", lines: ["Overview of the manual."] }, { heading: "Batteries", lines: ["The stylus battery lasts about ninety hours of writing."] }], { title: "Lumen hardware manual" }),
    "application/pdf",
  );
  pages.set("/robots.txt", { ...pages.get("/robots.txt")!, body: String(pages.get("/robots.txt")!.body).replace("SITE", site) });

  sb = await startSwitchboard({ allowPrivate: [site], vars: { CRAWL_DELAY_MS: "100" } });
  await knowledgeOrg(sb, ORG, ["site", "videos", "mapped"]);
});
afterAll(async () => {
  await sb?.close();
  server?.closeAllConnections();
  server?.close();
});

const api = (method: string, path: string, body?: unknown) => sb.admin(`/api/admin/orgs/${ORG}${path}`, { method, ...(body ? { body: JSON.stringify(body) } : {}) });

async function ask(question: string) {
  const conv = await startConversation(sb, ORG);
  return (await send(sb, conv, question)).reply!;
}

/** Runs the worker's scheduled handler (the hourly Cron Trigger) as of `at`. */
async function tick(at: Date) {
  const worker = await sb.mf.getWorker("switchboard");
  await worker.scheduled({ scheduledTime: at, cron: "0 * * * *" });
}

const DAY = 24 * 60 * 60 * 1000;
let crawl: { source: KnowledgeSource; job: IngestJob };
let firstCrawl: IngestJob;

describe("a crawl of a site section", () => {
  it("honours robots.txt, scope, depth, nofollow and noindex, reads the linked PDF, and waits between requests", async () => {
    const res = await api("POST", "/collections/site/sources", { kind: "crawl", url: `${site}/docs/`, refreshDays: 7, crawl: { exclude: ["*/archive/*"], maxDepth: 2, maxPages: 30 } });
    expect(res.status).toBe(202);
    crawl = (await res.json()) as typeof crawl;
    expect(crawl.source).toMatchObject({ kind: "crawl", url: `${site}/docs/`, refreshDays: 7, effectiveRefreshDays: 7, options: { exclude: ["*/archive/*"], maxDepth: 2, maxPages: 30 } });
    expect(crawl.job).toMatchObject({ kind: "crawl", sourceId: crawl.source.id });
    firstCrawl = await finished(sb, ORG, crawl.job.id);
    expect(firstCrawl.status).toBe("done");
    expect(firstCrawl.errors).toEqual([]);

    const docs = await documents(sb, ORG, "site");
    expect(docs.map((d) => d.title).sort()).toEqual(
      ["Billing", "Chain one", "Chain two", "Getting started", "Lumen docs", "Lumen hardware manual", "Offline mode", "Old pricing", "Reached through a noindex page"].sort(),
    );
    expect(docs.every((d) => d.sourceId === crawl.source.id && d.fetchedAt && d.format)).toBe(true);
    const asked = new Set(hits.map((h) => h.path));
    // Disallowed by our group, out of the section, excluded, too deep, nofollow, another origin: never requested.
    for (const path of ["/docs/private/salaries.html", "/docs/drafts/wip.html", "/blog/post.html", "/docs/archive/2019.html", "/docs/chain/3.html", "/docs/sponsored.html"]) {
      expect(asked.has(path), path).toBe(false);
    }
    // Our group is the one that applies (the `*` group disallows everything).
    expect(asked.has("/docs/drafts/published.html")).toBe(true);
    // A noindex page is read for its links but not stored.
    expect(asked.has("/docs/hidden.html")).toBe(true);
    expect(hits.filter((h) => h.path !== "/robots.txt").every((h) => /SwitchboardBot\/1\.0/.test(String(h.headers["user-agent"])))).toBe(true);
    // Crawl-delay 0.3 s between requests (a lower bound, whatever the load; arrival times jitter a little).
    const times = hits.filter((h) => h.path.startsWith("/docs/")).map((h) => h.at);
    expect(times.length).toBeGreaterThan(8);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual((times.length - 1) * 250);

    const billing = await ask("How long do refunds take after a cancellation?");
    expect(billing.text).toContain("14 days");
    expect(billing.sources?.[0]).toMatchObject({ title: "Billing", url: `${site}/docs/billing.html` });
    const stylus = await ask("How long does the stylus battery last?");
    expect(stylus.text).toContain("Lumen hardware manual, page 2");
    expect(stylus.sources?.[0]).toMatchObject({ url: `${site}/docs/manual.pdf#page=2`, cite: "page 2" });
  });

  it("a week later the scheduled refresh re-fetches it: 304s for what did not change, the changed page re-indexed, removed pages removed", async () => {
    const before = (await documents(sb, ORG, "site")).find((d) => d.title === "Billing")!;
    publish("/docs/billing.html", page("Billing", "<h2 id='refunds'>Refunds</h2><p>Refunds are issued within 30 days of a cancellation request.</p><h2>Invoices</h2><p>Invoices are emailed on the first of each month.</p>"));
    pages.delete("/docs/getting-started.html");
    publish("/docs/", String(pages.get("/docs/")!.body).replace(`<li><a href="pricing-old.html">Old pricing</a></li>`, ""));
    hits.length = 0;

    // Not due yet: an hour later nothing starts.
    await tick(new Date(Date.now() + 60 * 60 * 1000));
    const none = (await (await api("GET", "/ingest-jobs?collection=site")).json()) as { jobs: IngestJob[] };
    expect(none.jobs.filter((j) => j.kind === "refresh")).toEqual([]);

    await tick(new Date(Date.now() + 8 * DAY));
    const job = await eventually(async () => {
      const list = (await (await api("GET", "/ingest-jobs?collection=site")).json()) as { jobs: IngestJob[] };
      return list.jobs.find((j) => j.kind === "refresh");
    }, "the scheduled refresh job");
    expect(job.input).toMatchObject({ url: `${site}/docs/` });
    const refreshed = await finished(sb, ORG, job.id);
    expect(refreshed.status).toBe("done");
    const change = Object.fromEntries(refreshed.documents.map((d) => [d.title, d.change]));
    expect(change).toMatchObject({ Billing: "updated", "Getting started": "removed", "Old pricing": "removed", "Lumen docs": "updated", "Chain one": "unchanged", "Offline mode": "unchanged", "Lumen hardware manual": "unchanged" });

    // Unchanged pages were asked conditionally and answered 304, without a body.
    const conditional = hits.filter((h) => h.headers["if-none-match"]);
    expect(conditional.map((h) => h.path)).toEqual(expect.arrayContaining(["/docs/chain/1.html", "/docs/drafts/published.html", "/docs/manual.pdf"]));
    expect(hits.find((h) => h.path === "/docs/chain/1.html")?.status).toBe(304);
    // The page gone from the site answered 404; the one no longer linked was not even asked for.
    expect(hits.find((h) => h.path === "/docs/getting-started.html")?.status).toBe(404);
    expect(hits.some((h) => h.path === "/docs/pricing-old.html")).toBe(false);

    const docs = await documents(sb, ORG, "site");
    expect(docs.map((d) => d.title)).not.toContain("Getting started");
    expect(docs.map((d) => d.title)).not.toContain("Old pricing");
    const after = docs.find((d) => d.title === "Billing")!;
    expect(after.id).toBe(before.id);
    expect(after.changeSummary).toBe("1 passage added, 1 passage removed");
    expect(after.changedAt! > before.changedAt!).toBe(true);
    expect(after.fetchedAt! > before.fetchedAt!).toBe(true);
    const chain = docs.find((d) => d.title === "Chain one")!;
    expect(chain.fetchedAt! > chain.changedAt!).toBe(true);

    const answer = await ask("How long do refunds take after a cancellation?");
    expect(answer.text).toContain("30 days");
    expect(answer.text).not.toContain("14 days");
    expect((await ask("How much did the legacy Starter plan cost?")).text).not.toContain("3 dollars");

    // The source shows when it last ran; the same tick again finds nothing due.
    const sources = (await (await api("GET", "/collections/site/sources")).json()) as { sources: KnowledgeSource[] };
    expect(sources.sources[0]).toMatchObject({ id: crawl.source.id, lastJobId: job.id, documents: docs.length });
    await tick(new Date(Date.now() + 8 * DAY));
    const jobs = (await (await api("GET", "/ingest-jobs?collection=site")).json()) as { jobs: IngestJob[] };
    expect(jobs.jobs.filter((j) => j.kind === "refresh")).toHaveLength(1);
  });

  it("a collection's interval applies to sources without their own; a manual refresh runs now; deleting the source deletes its documents", async () => {
    const patched = await api("PATCH", `/collections/site/sources/${crawl.source.id}`, { refreshDays: null });
    expect(((await patched.json()) as KnowledgeSource).effectiveRefreshDays).toBeNull();
    const collection = await api("PATCH", "/collections/site", { refreshDays: 1 });
    expect(await collection.json()).toMatchObject({ id: "site", refreshDays: 1 });
    const listed = (await (await api("GET", "/collections/site/sources")).json()) as { sources: KnowledgeSource[] };
    expect(listed.sources[0]).toMatchObject({ refreshDays: null, effectiveRefreshDays: 1 });

    const manual = await api("POST", `/collections/site/sources/${crawl.source.id}/refresh`);
    expect(manual.status).toBe(202);
    const job = await finished(sb, ORG, ((await manual.json()) as { job: IngestJob }).job.id);
    expect(job.status).toBe("done");
    expect(job.documents.every((d) => d.change === "unchanged")).toBe(true);

    const removed = await api("DELETE", `/collections/site/sources/${crawl.source.id}`);
    expect(await removed.json()).toMatchObject({ deleted: true, documents: 7 });
    expect(await documents(sb, ORG, "site")).toEqual([]);
    expect((await api("DELETE", `/collections/site/sources/${crawl.source.id}`)).status).toBe(404);
  });

  it("a crawl whose robots.txt cannot be read, or that robots.txt forbids, does not crawl", async () => {
    const robots = pages.get("/robots.txt")!;
    hits.length = 0;
    robotsStatus = 503;
    try {
      const res = await api("POST", "/collections/blocked/sources", { kind: "crawl", url: `${site}/docs/` });
      const job = await finished(sb, ORG, ((await res.json()) as { job: IngestJob }).job.id);
      expect(job).toMatchObject({ status: "failed", error: { code: "robots_unavailable" } });
    } finally {
      robotsStatus = 200;
    }
    publish("/robots.txt", "User-agent: SwitchboardBot\nDisallow: /docs/\n", "text/plain");
    const res = await api("POST", "/collections/blocked/sources", { kind: "crawl", url: `${site}/docs/getting-started.html` });
    const job = await finished(sb, ORG, ((await res.json()) as { job: IngestJob }).job.id);
    expect(job).toMatchObject({ status: "failed", error: { code: "robots_disallowed" } });
    expect(hits.filter((h) => h.path !== "/robots.txt")).toEqual([]);
    pages.set("/robots.txt", robots);
    // A robots.txt that is missing allows everything.
    pages.delete("/robots.txt");
    const open = await api("POST", "/collections/open/sources", { kind: "crawl", url: `${site}/docs/chain/1.html`, crawl: { maxDepth: 1 } });
    const crawled = await finished(sb, ORG, ((await open.json()) as { job: IngestJob }).job.id);
    expect(crawled.documents.map((d) => d.title)).toEqual(["Chain one", "Chain two"]);
    pages.set("/robots.txt", robots);
  });
});

describe("video pages and sitemaps", () => {
  it("a video page's captions: an answer that cites the moment and links the page at #t=93", async () => {
    const cues = ["WEBVTT", "", "00:00:01.000 --> 00:00:04.000", "Welcome to the sync tour.", "", "00:01:33.000 --> 00:01:37.000", "To pause sync, open Settings and switch off Background sync."];
    publish("/videos/sync.vtt", cues.join("\n"), "text/vtt");
    publish("/videos/sync.html", page("Sync tour", `<video src="/videos/sync.mp4"><track kind="captions" src="/videos/sync.vtt" srclang="en" default></video>`));
    const res = await api("POST", "/collections/videos/sources", { kind: "video", url: `${site}/videos/sync.html` });
    const job = await finished(sb, ORG, ((await res.json()) as { job: IngestJob }).job.id);
    expect(job).toMatchObject({ status: "done", documents: [expect.objectContaining({ title: "Sync tour", url: `${site}/videos/sync.html` })] });
    const reply = await ask("How do I pause background sync?");
    expect(reply.text).toContain("Sync tour, 1:33");
    expect(reply.sources?.[0]).toMatchObject({ url: `${site}/videos/sync.html#t=93`, cite: "1:33" });
  });

  it("a sitemap: its pages, then on refresh the page it no longer lists is removed", async () => {
    publish("/sitemap.xml", `<?xml version="1.0"?><urlset><url><loc>${site}/docs/billing.html</loc></url><url><loc>${site}/docs/chain/1.html</loc></url></urlset>`, "application/xml");
    const res = await api("POST", "/collections/mapped/sources", { kind: "sitemap", url: `${site}/sitemap.xml`, refreshDays: 1 });
    const first = await finished(sb, ORG, ((await res.json()) as { job: IngestJob }).job.id);
    expect(first.documents.map((d) => d.title).sort()).toEqual(["Billing", "Chain one"]);
    publish("/sitemap.xml", `<?xml version="1.0"?><urlset><url><loc>${site}/docs/billing.html</loc></url></urlset>`, "application/xml");
    const again = await api("POST", "/collections/mapped/sources", { kind: "sitemap", url: `${site}/sitemap.xml` });
    const second = await finished(sb, ORG, ((await again.json()) as { job: IngestJob }).job.id);
    expect(second.kind).toBe("refresh");
    expect(second.documents.map((d) => [d.title, d.change])).toEqual([
      ["Billing", "unchanged"],
      ["Chain one", "removed"],
    ]);
    expect((await documents(sb, ORG, "mapped")).map((d) => d.title)).toEqual(["Billing"]);
  });
});
