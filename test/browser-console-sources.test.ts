/**
 * The console's knowledge sources, jobs and embeddings in real Chromium (issue 15 as the
 * owner sees it). A small site is served on loopback (opened for this suite): the demo owner
 * adds its /docs/ section as a crawl with an exclude pattern and a weekly schedule, follows
 * the job to done, and finds the documents listed with the time each was fetched; a page
 * changes on the server, "Refresh now" says "1 updated, 2 unchanged". A private address is
 * refused with the server's own message under the URL. The embedding index is turned on
 * against a scripted endpoint (the job's progress to every chunk embedded) and off again;
 * an `admin` (no secrets:write) naming a key secret sees the server's 403 where the secret
 * is named. axe at desktop width and at 390 px.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, launchChromium } from "./helpers/browser";
import { type EmbeddingsServer, startEmbeddingsServer } from "./helpers/embeddings-server";
import { addStaff, STAFF_PASSWORD, startSwitchboard, type Switchboard } from "./helpers/switchboard";

const ORG = "demo";
const COLLECTION = "library";
const pages = new Map<string, string>();
const requested = new Set<string>();
let server: Server;
let site = "";
let embeddings: EmbeddingsServer;
let sb: Switchboard;
let browser: Browser;
let page: Page;
const violations: string[] = [];
const pageErrors: string[] = [];

const html = (title: string, body: string) => `<!doctype html><html lang="en"><head><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    requested.add(path);
    const body = pages.get(path);
    if (body === undefined) return void res.writeHead(404, { "content-type": "text/plain" }).end("not here");
    res.writeHead(200, { "content-type": path.endsWith(".txt") ? "text/plain" : "text/html; charset=utf-8" }).end(body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  pages.set("/robots.txt", "User-agent: *\nAllow: /\n");
  pages.set(
    "/docs/",
    html("Orbit docs", `<p>Welcome to the Orbit handbook.</p><ul><li><a href="setup.html">Setup</a></li><li><a href="billing.html">Billing</a></li><li><a href="archive/2019.html">Archive</a></li></ul>`),
  );
  pages.set("/docs/setup.html", html("Setup", "<p>Install Orbit and sign in with your work email.</p>"));
  pages.set("/docs/billing.html", html("Billing", "<p>Refunds are issued within 14 days of a cancellation.</p>"));
  pages.set("/docs/archive/2019.html", html("2019 archive", "<p>Old news nobody needs.</p>"));

  [browser, embeddings] = await Promise.all([launchChromium(), startEmbeddingsServer()]);
  sb = await startSwitchboard({ seed: true, allowPrivate: [site, embeddings.baseURL], vars: { CRAWL_DELAY_MS: "10" } });
  const res = await sb.admin(`/api/admin/orgs/${ORG}/collections`, { method: "POST", body: JSON.stringify({ id: COLLECTION, name: "Orbit library" }) });
  expect(res.status).toBe(201);

  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await signIn(page, "alex@lumen.example");
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sb?.close();
  await embeddings?.close();
  server?.closeAllConnections();
  server?.close();
});

async function signIn(p: Page, email: string) {
  await p.goto(`${sb.url}/admin`);
  await p.getByLabel("Email").fill(email);
  await p.getByLabel("Password").fill(STAFF_PASSWORD);
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.getByRole("heading", { level: 1, name: "Home" }).waitFor({ timeout: 20_000 });
}

async function axe(p: Page, where: string) {
  for (const v of await axeViolations(p)) violations.push(`${where}: ${v}`);
}

const heading = (p: Page) => p.locator("h1").first();
const openCollection = async (p: Page) => {
  await p.goto(`${sb.url}/admin/orgs/${ORG}/knowledge/${COLLECTION}`);
  await expect.poll(() => heading(p).textContent(), { timeout: 20_000 }).toBe("Orbit library");
};
const docRows = (p: Page) => p.locator('table[data-table="documents"] tbody tr');
const source = (p: Page) => p.locator("li.ad-source").first();

describe("sources and jobs in the console, as the demo owner", () => {
  it("empty states say what to do; a crawl with an exclude pattern runs as a job to done, and the documents show when they were fetched", { timeout: 150_000 }, async () => {
    await openCollection(page);
    await page.locator("#sources").getByText("No source yet").waitFor();
    await page.locator("#jobs").getByText("No job yet").waitFor();
    await axe(page, "collection: empty");

    await page.getByRole("tab", { name: "Crawl a site" }).click();
    await page.getByLabel("Start URL").fill(`${site}/docs/`);
    await page.getByLabel("Exclude (one pattern a line)").fill("*/archive/*");
    await page.getByLabel("Link depth").fill("2");
    await page.getByLabel("Page cap").fill("20");
    await page.getByLabel("Refresh", { exact: true }).selectOption({ label: "Weekly" });
    await page.getByRole("button", { name: "Start crawl" }).click();

    // The job is listed and followed until it is done.
    const crawlRow = page.locator('table[data-table="jobs"] tbody tr', { hasText: "Crawl" });
    await crawlRow.first().waitFor({ timeout: 20_000 });
    await page.locator('table[data-table="jobs"] tbody tr[data-status="done"]', { hasText: "Crawl" }).waitFor({ timeout: 90_000 });
    expect(await crawlRow.locator("[data-changes]").textContent()).toBe("3 added");
    expect(await crawlRow.locator("[data-progress]").textContent()).toBe("3 of 3");
    await expect.poll(() => page.locator("[data-started] [role=progressbar]").getAttribute("aria-label")).toMatch(/3 of 3$/);

    // Three documents, each with the time it was fetched; the excluded page was never asked for.
    await expect.poll(() => docRows(page).count(), { timeout: 20_000 }).toBe(3);
    expect((await docRows(page).locator("td:first-child").allTextContents()).sort()).toEqual(["Billing", "Orbit docs", "Setup"]);
    for (const fetched of await docRows(page).locator("[data-fetched]").allTextContents()) expect(fetched).toMatch(/\d/);
    expect(requested.has("/docs/archive/2019.html")).toBe(false);

    // The source: its crawl settings, its schedule, when it was fetched and what its run did.
    await expect.poll(() => source(page).locator("[data-result] [data-changes]").textContent(), { timeout: 20_000 }).toBe("3 added");
    const card = (await source(page).textContent()) ?? "";
    expect(card).toContain(`${site}/docs/`);
    expect(card).toContain("exclude */archive/*");
    expect(card).toContain("depth 2");
    expect(card).toContain("up to 20 pages");
    await expect.poll(() => source(page).locator("[data-fetched]").textContent()).toMatch(/\d/);
    expect(await source(page).getByLabel(/^Schedule of/).inputValue()).toBe("7");
    await axe(page, "collection: crawled");
  });

  it("a page changes on the site: Refresh now follows the job and says 1 updated and what was unchanged", { timeout: 150_000 }, async () => {
    pages.set("/docs/billing.html", html("Billing", "<p>Refunds are issued within 30 days of a cancellation.</p>"));
    const refreshed = page.waitForResponse((r) => r.url().endsWith("/refresh") && r.request().method() === "POST");
    await source(page).getByRole("button", { name: "Refresh now" }).click();
    expect((await refreshed).status()).toBe(202);
    await page.locator('table[data-table="jobs"] tbody tr[data-status="done"]', { hasText: "Refresh" }).waitFor({ timeout: 90_000 });
    await expect.poll(() => source(page).locator("[data-result] [data-changes]").textContent(), { timeout: 20_000 }).toBe("1 updated, 2 unchanged");
    // The changed document says when it changed; the others were fetched again but did not change.
    const billing = docRows(page).filter({ hasText: "Billing" });
    await expect.poll(() => billing.locator("[data-changed]").textContent(), { timeout: 20_000 }).toMatch(/^changed .+: .*passage/);
    expect(await docRows(page).locator("[data-changed]").count()).toBe(1);

    // The schedule is edited in place.
    const saved = page.waitForResponse((r) => /\/sources\/[^/]+$/.test(r.url()) && r.request().method() === "PATCH");
    await source(page).getByLabel(/^Schedule of/).selectOption({ label: "Daily" });
    expect((await saved).status()).toBe(200);
    await expect.poll(() => source(page).locator("dd", { hasText: /^daily$/ }).count()).toBe(1);
  });

  it("a crawled page's own page says when it was fetched, and Fetch again refreshes its crawl rather than adding a page", { timeout: 150_000 }, async () => {
    await docRows(page).filter({ hasText: "Billing" }).getByRole("link").first().click();
    await page.locator(".ad-facts [data-fetched]").waitFor();
    expect(await page.locator(".ad-facts [data-changed]").textContent()).toMatch(/^changed .+: .*passage/);
    const refreshed = page.waitForResponse((r) => r.url().endsWith("/refresh") && r.request().method() === "POST");
    await page.getByRole("button", { name: "Fetch again" }).click();
    expect((await refreshed).status()).toBe(202);
    await page.locator(".ad-notice", { hasText: /^Fetched again: .*3 unchanged/ }).waitFor({ timeout: 90_000 });
    const res = await sb.admin(`/api/admin/orgs/${ORG}/collections/${COLLECTION}/sources`);
    expect(((await res.json()) as { sources: unknown[] }).sources).toHaveLength(1);
    await page.goto(`${sb.url}/admin/orgs/${ORG}/knowledge/${COLLECTION}`);
    await docRows(page).first().waitFor();
  });

  it("a private address is refused with the server's message under the URL, and nothing is added", { timeout: 60_000 }, async () => {
    const direct = await sb.admin(`/api/admin/orgs/${ORG}/collections/${COLLECTION}/sources`, { method: "POST", body: JSON.stringify({ kind: "crawl", url: "http://10.1.2.3/docs/" }) });
    expect(direct.status).toBe(400);
    const { error } = (await direct.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("url_refused");

    await page.getByRole("tab", { name: "Crawl a site" }).click();
    await page.getByLabel("Start URL").fill("http://10.1.2.3/docs/");
    const answered = page.waitForResponse((r) => r.url().endsWith(`/collections/${COLLECTION}/sources`) && r.request().method() === "POST");
    await page.getByRole("button", { name: "Start crawl" }).click();
    expect((await answered).status()).toBe(400);
    const field = page.getByLabel("Start URL");
    await expect.poll(() => field.getAttribute("aria-invalid")).toBe("true");
    const described = (await field.getAttribute("aria-describedby")) ?? "";
    const errorId = described.split(" ").find((id) => id.endsWith("-err"))!;
    expect(await page.locator(`#${errorId}`).textContent()).toBe(error.message);
    expect(await page.locator("li.ad-source").count()).toBe(1);
    await axe(page, "collection: refused");
  });

  it("embeddings: turned on against an endpoint, every chunk embedded by a followed job, then off", { timeout: 120_000 }, async () => {
    await page.goto(`${sb.url}/admin/orgs/${ORG}/knowledge`);
    const section = page.locator("#embeddings");
    await section.locator('[data-embeddings="off"]').waitFor({ timeout: 20_000 });
    await section.getByLabel("Endpoint URL").fill(embeddings.baseURL);
    await section.getByLabel("Model").fill("test-embed");
    await section.getByRole("button", { name: "Turn on embeddings" }).click();
    await section.locator('[data-embeddings="on"]').waitFor({ timeout: 30_000 });
    // The embed job's progress, followed to the end; then the counts say every chunk has a vector.
    await expect.poll(() => section.locator("[role=status] .ad-badge").textContent(), { timeout: 60_000 }).toBe("done");
    // The settings are read again once the job ends: every chunk has its vector.
    const counts = async () => /([\d,]+) of ([\d,]+) chunks? embedded/.exec((await section.locator('[data-embeddings="on"]').textContent()) ?? "")?.slice(1, 3) ?? [];
    const allEmbedded = async () => {
      const [embedded, total] = await counts();
      return Number(total?.replace(/,/g, "")) > 0 && embedded === total;
    };
    await expect.poll(allEmbedded, { timeout: 20_000 }).toBe(true);
    expect(embeddings.requests.length).toBeGreaterThan(1);
    await axe(page, "knowledge: embeddings on");

    await section.getByRole("button", { name: "Turn off and delete vectors" }).click();
    await section.getByRole("button", { name: "Click again to confirm" }).click();
    await section.locator('[data-embeddings="off"]').waitFor({ timeout: 20_000 });
  });
});

describe("an admin without secrets:write, at 390 px", () => {
  it("naming a key secret shows the server's 403 where the secret is named; the sources page works at phone width", { timeout: 120_000 }, async () => {
    await addStaff(sb, ORG, "robin@lumen.example", "Robin");
    await sb.db.prepare("UPDATE staff SET role = 'admin' WHERE email = ?").bind("robin@lumen.example").run();
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
    phone.on("pageerror", (e) => pageErrors.push(e.message));
    await signIn(phone, "robin@lumen.example");

    await phone.goto(`${sb.url}/admin/orgs/${ORG}/knowledge`);
    const section = phone.locator("#embeddings");
    await section.locator('[data-embeddings="off"]').waitFor({ timeout: 20_000 });
    await section.getByLabel("Endpoint URL").fill(embeddings.baseURL);
    await section.getByLabel("Model").fill("test-embed");
    await section.getByLabel("Key secret name").fill("EMBED_KEY");
    const answered = phone.waitForResponse((r) => r.url().endsWith(`/orgs/${ORG}/embeddings`) && r.request().method() === "PUT");
    await section.getByRole("button", { name: "Turn on embeddings" }).click();
    const res = await answered;
    expect(res.status()).toBe(403);
    const { error } = (await res.json()) as { error: { message: string } };
    expect(error.message).toContain("secrets:write");
    const field = section.getByLabel("Key secret name");
    await expect.poll(() => field.getAttribute("aria-invalid")).toBe("true");
    expect(await section.locator(".ad-field-error").allTextContents()).toContain(error.message);
    await axe(phone, "phone: knowledge, refused");

    await openCollection(phone);
    await source(phone).locator("[data-result] [data-changes]").waitFor({ timeout: 20_000 });
    // Nothing sticks out sideways at 390 px (the tables scroll inside their own region).
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await axe(phone, "phone: collection");
    await phone.getByRole("tab", { name: "Crawl a site" }).click();
    await phone.getByLabel("Start URL").waitFor();
    await axe(phone, "phone: crawl form");
  });

  it("a video page is added as a source: its captions become a document that cites the moment", { timeout: 150_000 }, async () => {
    pages.set("/media/tour.vtt", ["WEBVTT", "", "00:01:33.000 --> 00:01:37.000", "To pause sync, open Settings and switch off Background sync."].join("\n"));
    pages.set("/media/tour.html", html("Sync tour", `<video src="/media/tour.mp4"><track kind="captions" src="/media/tour.vtt" srclang="en" default></video>`));
    await openCollection(page);
    await page.getByRole("tab", { name: "Video page" }).click();
    await page.getByLabel("Video page URL").fill(`${site}/media/tour.html`);
    await page.getByRole("button", { name: "Add video page" }).click();
    await page.locator('table[data-table="jobs"] tbody tr[data-status="done"]', { hasText: "Video page" }).waitFor({ timeout: 90_000 });
    await expect.poll(() => docRows(page).filter({ hasText: "Sync tour" }).count(), { timeout: 20_000 }).toBe(1);
    expect(await page.locator("li.ad-source", { hasText: `${site}/media/tour.html` }).locator(".ad-kind").textContent()).toBe("Video page");
    await axe(page, "collection: video page added");
    const chunks = await sb.admin(`/api/admin/orgs/${ORG}/collections/${COLLECTION}/search?q=${encodeURIComponent("pause background sync")}`);
    expect(JSON.stringify(await chunks.json())).toContain("Sync tour");
  });

  it("no serious or critical axe violation and no script error anywhere", () => {
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
