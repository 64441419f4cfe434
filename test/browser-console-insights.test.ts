/**
 * The console's Insights pages in real Chromium, against the truth of what was driven.
 * Four conversations go through the public visitor API on a site of the seeded (offline)
 * demo — the same export question in two wordings (one voted up), a billing question the
 * billing specialist answers (voted down), and a question the knowledge cannot answer, after
 * which the visitor asks for a person and staff answer — then the demo owner opens the
 * pages: topic counts, the gap with its staff reply, the funnel, a gap turned into a draft
 * with its eval case listed, a CSV link's rows, and the conversation list narrowed by agent
 * and by feedback. axe at desktop width and at 390 px.
 */
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GapDetail, GapsResponse, OutcomesResponse, TopicsResponse } from "../shared/insights";
import { axeViolations, launchChromium } from "./helpers/browser";
import { eventually, LOCAL_ORIGIN, send, STAFF_PASSWORD, staffLogin, startSwitchboard, type Switchboard } from "./helpers/switchboard";

const SITE = "shop";
const STAFF_ANSWER = "We don't ship to Mars yet, only to addresses on Earth.";
let sb: Switchboard;
let browser: Browser;
let page: Page;
const violations: string[] = [];
const pageErrors: string[] = [];
const conv: Record<"exportUp" | "exportAgain" | "billingDown" | "mars", { id: string; token: string }> = {} as never;
/** Outcomes are judged a day later, when "no further help asked within a day" can be told. */
const asOf = new Date(Date.now() + 25 * 3600_000).toISOString();

async function start(): Promise<{ id: string; token: string }> {
  const res = await sb.fetch(`/api/sites/${SITE}/conversations`, { method: "POST", headers: { origin: LOCAL_ORIGIN, "content-type": "application/json" }, body: "{}" });
  expect(res.status).toBe(201);
  const b = (await res.json()) as { conversationId: string; token: string };
  return { id: b.conversationId, token: b.token };
}

async function vote(c: { id: string; token: string }, messageId: string, rating: 1 | -1) {
  const res = await sb.fetch(`/api/conversations/${c.id}/feedback`, {
    method: "POST",
    headers: { authorization: `Bearer ${c.token}`, "content-type": "application/json" },
    body: JSON.stringify({ messageId, rating }),
  });
  expect(res.status).toBe(200);
}

const api = async <T>(path: string): Promise<T> => {
  const res = await sb.admin(`/api/admin/orgs/demo/insights/${path}`);
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
};

async function axe(p: Page, where: string) {
  for (const v of await axeViolations(p)) violations.push(`${where}: ${v}`);
}

const heading = (p: Page) => p.locator("h1").first();
const open = async (p: Page, path: string, title: string | RegExp) => {
  await p.goto(`${sb.url}/admin/orgs/demo${path}`);
  await expect.poll(() => heading(p).textContent(), { timeout: 20_000 }).toMatch(title);
};
const rowOf = (p: Page, table: string, text: string) => p.locator(`table[data-table="${table}"] tbody tr`, { hasText: text });

beforeAll(async () => {
  [browser, sb] = await Promise.all([launchChromium(), startSwitchboard({ seed: true })]);
  // A site of the demo org with no business hours, so a handoff waits for a person at any hour.
  await sb.putSite({ key: SITE, orgId: "demo", name: "Lumen Shop", allowedOrigins: [LOCAL_ORIGIN], entryAgent: "router" });

  conv.exportUp = await start();
  const a = await send(sb, conv.exportUp, "How do I export my notes?");
  await vote(conv.exportUp, a.reply?.id ?? "", 1);
  conv.exportAgain = await start();
  await send(sb, conv.exportAgain, "how can I export my notes");
  conv.billingDown = await start();
  const c = await send(sb, conv.billingDown, "I was charged twice on invoice INV-1001");
  await vote(conv.billingDown, c.reply?.id ?? "", -1);
  conv.mars = await start();
  await send(sb, conv.mars, "Do you ship parcels to Mars?");
  const handoff = await sb.fetch(`/api/conversations/${conv.mars.id}/handoff`, { method: "POST", headers: { authorization: `Bearer ${conv.mars.token}` } });
  expect(handoff.status).toBe(200);
  const sam = await staffLogin(sb, "sam@lumen.example");
  expect((await sam.post(`/api/staff/conversations/${conv.mars.id}/claim`)).status).toBe(200);
  expect((await sam.post(`/api/staff/conversations/${conv.mars.id}/reply`, { text: STAFF_ANSWER })).status).toBe(201);

  // The FACTS queue writes in batches: wait until the insights API has all of it.
  const q = `site=${SITE}`;
  await eventually(async () => {
    const [t, o, g] = await Promise.all([api<TopicsResponse>(`topics?${q}`), api<OutcomesResponse>(`outcomes?${q}&asOf=${asOf}`), api<GapsResponse>(`gaps?${q}`)]);
    return t.totals.questions === 4 && o.total.conversations === 4 && o.total.handedOff === 1 && o.total.answeredConfirmed === 1 && g.gaps.some((x) => x.sampleQuestions.some((s) => s.includes("Mars")));
  }, "the driven conversations in the insights", 90_000);
  // The staff's reply is a fact of its own, possibly in a later batch: wait for it on the gap too.
  await eventually(async () => {
    const g = await api<GapsResponse>(`gaps?${q}`);
    const mars = g.gaps.find((x) => x.sampleQuestions.some((s) => s.includes("Mars")));
    if (!mars) return false;
    const detail = await api<GapDetail>(`gaps/${mars.id}`);
    return detail.turns.some((t) => t.staffReply?.text === STAFF_ANSWER);
  }, "the staff reply on the Mars gap", 90_000);

  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })).newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${sb.url}/admin`);
  await page.getByLabel("Email").fill("alex@lumen.example");
  await page.getByLabel("Password").fill(STAFF_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Home" }).waitFor({ timeout: 20_000 });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await sb?.close();
});

describe("insights in the console, as the demo owner", () => {
  it("topics: the counts driven, a trend line, and a topic's example conversations", { timeout: 120_000 }, async () => {
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Insights", exact: true }).click();
    await expect.poll(() => heading(page).textContent(), { timeout: 20_000 }).toBe("Insights");
    await page.getByLabel("Site").selectOption(SITE);
    await expect.poll(() => page.url()).toContain(`site=${SITE}`);
    // Two wordings of the export question: one topic of 2; 4 questions in all.
    const exportRow = rowOf(page, "topics", "export");
    await expect.poll(() => exportRow.locator('[data-col="questions"]').textContent(), { timeout: 20_000 }).toBe("2");
    await expect.poll(() => page.locator(".ad-figure", { hasText: "Questions" }).locator("dd").textContent()).toMatch(/^4\b/);
    // The bars and the line are images that say their numbers.
    const bars = page.getByRole("img", { name: /^Questions per topic:/ });
    expect(await bars.getAttribute("aria-label")).toMatch(/2[,.]/);
    await expect.poll(() => page.getByRole("img", { name: /^Conversations per day: 4 from/ }).count()).toBe(1);
    await axe(page, "topics");

    await exportRow.getByRole("link").first().click();
    await expect.poll(() => page.locator("#examples a").count(), { timeout: 20_000 }).toBe(2);
    const hrefs = await page.locator("#examples a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    expect(new Set(hrefs)).toEqual(new Set([`/admin/orgs/demo/conversations/${conv.exportUp.id}`, `/admin/orgs/demo/conversations/${conv.exportAgain.id}`]));
    await axe(page, "topic");
    // Renamed by the owner: the list shows the new name.
    await page.getByLabel("Name", { exact: true }).fill("Exporting notes");
    await page.getByRole("button", { name: "Save topic" }).click();
    await expect.poll(() => heading(page).textContent(), { timeout: 20_000 }).toBe("Exporting notes");
  });

  it("a CSV link downloads the table's rows", { timeout: 120_000 }, async () => {
    await open(page, `/insights?site=${SITE}`, "Insights");
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#topics").getByRole("link", { name: /Download CSV/ }).click()]);
    const csv = readFileSync((await download.path()) as string, "utf8").trim().split(/\r\n/);
    expect(csv[0]).toMatch(/^site,topic,name,questions,/);
    const line = csv.find((l) => l.includes("Exporting notes"));
    expect(line?.split(",")[3]).toBe("2");
  });

  it("content gaps: the unanswerable question with its evidence and the staff reply, made into a draft and an eval case", { timeout: 120_000 }, async () => {
    await open(page, `/insights/gaps?site=${SITE}`, "Content gaps");
    const gap = rowOf(page, "gaps", "Mars");
    await expect.poll(() => gap.count(), { timeout: 20_000 }).toBe(1);
    expect(await gap.locator("[data-evidence]").count()).toBeGreaterThan(0);
    await axe(page, "gaps");
    await gap.getByRole("link").first().click();
    await expect.poll(() => heading(page).textContent(), { timeout: 20_000 }).toMatch(/^Gap: /);
    await expect.poll(() => page.locator(".ad-staff-reply").first().textContent(), { timeout: 20_000 }).toContain(STAFF_ANSWER);
    await axe(page, "gap");

    await page.getByRole("button", { name: "Make a draft + eval case" }).click();
    await expect.poll(() => heading(page).textContent(), { timeout: 20_000 }).toMatch(/^Draft: /);
    expect(await page.getByLabel("Text", { exact: true }).inputValue()).toContain(STAFF_ANSWER);
    // The gap's question is in the site's eval set now, marked as this draft's.
    const mine = page.locator('table[data-table="eval-cases"] tr.ad-row-hit');
    await expect.poll(() => mine.count()).toBe(1);
    expect(await mine.textContent()).toContain("Mars");
    await axe(page, "draft");
    await page.getByLabel("Text", { exact: true }).fill(`${STAFF_ANSWER} Orders ship to every country on Earth within a week.`);
    await page.getByRole("button", { name: "Publish" }).click();
    await expect.poll(() => page.getByRole("link", { name: "Open the published document" }).count(), { timeout: 20_000 }).toBe(1);
    const drafts = (await (await sb.admin("/api/admin/orgs/demo/insights/drafts?site=shop")).json()) as { drafts: { status: string; text: string }[] };
    expect(drafts.drafts).toEqual([expect.objectContaining({ status: "published", text: expect.stringContaining("every country on Earth") })]);
  });

  it("outcomes: the funnel and the outcome counts driven", { timeout: 120_000 }, async () => {
    await open(page, `/insights/outcomes?site=${SITE}&asOf=${encodeURIComponent(asOf)}`, "Outcomes & quality");
    const funnel = page.getByRole("img", { name: /^The funnel:/ });
    await expect.poll(() => funnel.count(), { timeout: 20_000 }).toBe(1);
    expect(await page.locator('[data-step="conversations"]').textContent()).toBe("conversations: 4 (100%)");
    // Confirmed (the thumbs-up) and assumed (the second export question): 2 resolved by the bot.
    expect(await page.locator('[data-step="resolved by the bot"]').textContent()).toBe("resolved by the bot: 2 (50%)");
    const all = page.locator('table[data-table="outcomes"] tr[data-agent="All"]');
    expect(await all.locator('[data-col="handed-off"]').textContent()).toBe("1");
    const ended = await page.getByRole("img", { name: /^How conversations ended:/ }).getAttribute("aria-label");
    expect(ended).toContain("Answered (confirmed) 1, Answered (assumed) 1, Handed off 1, Abandoned 1, Failed 0");
    // The answers to read first: the API's worst ones, in its order, each linking to its conversation.
    const worst = (await (await sb.admin(`/api/admin/orgs/demo/insights/answers?site=${SITE}&limit=10`)).json()) as { answers: { question: string; conversationId: string }[] };
    expect(worst.answers.length).toBeGreaterThan(0);
    const rows = page.locator('table[data-table="answers"] tbody tr');
    expect(await rows.count()).toBe(worst.answers.length);
    expect(await rows.locator("th").allTextContents()).toEqual(worst.answers.map((a) => a.question));
    expect(await rows.first().getByRole("link").getAttribute("href")).toBe(`/admin/orgs/demo/conversations/${worst.answers[0]!.conversationId}`);
    await axe(page, "outcomes");
  });

  it("sources and the digest with its settings", { timeout: 120_000 }, async () => {
    await open(page, `/insights/sources?site=${SITE}`, "Source usage");
    await expect.poll(() => page.locator('table[data-table="sources"] tbody tr').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await axe(page, "sources");
    await open(page, `/insights/digest`, "Weekly digest");
    await page.getByLabel("Stale after (days)").fill("30");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect.poll(async () => ((await (await sb.admin("/api/admin/orgs/demo/insights/settings")).json()) as { staleDays: number }).staleDays, { timeout: 20_000 }).toBe(30);
    await axe(page, "digest");
  });

  it("conversations narrowed by agent and by feedback", { timeout: 120_000 }, async () => {
    await open(page, `/conversations?site=${SITE}`, "Conversations");
    const rows = page.locator("table.ad-table tbody tr");
    const ids = async () => (await page.locator("table.ad-table tbody tr a").evaluateAll((as) => as.map((a) => a.getAttribute("href")?.split("/").pop()))).sort();
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(4);
    await page.getByLabel("Agent").selectOption("billing");
    await expect.poll(ids, { timeout: 20_000 }).toEqual([conv.billingDown.id]);
    await page.getByLabel("Agent").selectOption("");
    await page.getByLabel("Feedback").selectOption("up");
    await expect.poll(ids, { timeout: 20_000 }).toEqual([conv.exportUp.id]);
    await page.getByLabel("Feedback").selectOption("none");
    await expect.poll(ids, { timeout: 20_000 }).toEqual([conv.exportAgain.id, conv.mars.id].sort());
    await axe(page, "conversations filtered");
  });
});

describe("at phone width (390×844)", () => {
  it("the insights pages fit, work by keyboard, and pass axe", { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const phone = await context.newPage();
    phone.on("pageerror", (e) => pageErrors.push(e.message));
    await phone.goto(`${sb.url}/admin`);
    await phone.getByLabel("Email").fill("alex@lumen.example");
    await phone.getByLabel("Password").fill(STAFF_PASSWORD);
    await phone.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => heading(phone).textContent(), { timeout: 20_000 }).toBe("Home");
    for (const [path, title] of [
      [`/insights?site=${SITE}`, "Insights"],
      [`/insights/gaps?site=${SITE}`, "Content gaps"],
      [`/insights/outcomes?site=${SITE}&asOf=${encodeURIComponent(asOf)}`, "Outcomes & quality"],
      [`/insights/sources?site=${SITE}`, "Source usage"],
    ] as const) {
      await open(phone, path, title);
      await expect.poll(() => phone.locator(".ad-loading").count(), { timeout: 20_000 }).toBe(0);
      // Nothing wider than the screen but the tables' own scrolling regions.
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await axe(phone, `phone: ${title}`);
    }
    // The section's navigation by keyboard: focus a link, Enter opens it.
    await phone.getByRole("navigation", { name: "Insights" }).getByRole("link", { name: "Content gaps" }).focus();
    await phone.keyboard.press("Enter");
    await expect.poll(() => heading(phone).textContent(), { timeout: 20_000 }).toBe("Content gaps");
    await context.close();
  });

  it("axe found no serious or critical violation, and no page threw", () => {
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
