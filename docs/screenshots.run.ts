/**
 * `npm run screenshots`: the pictures in the README (docs/*.png), taken in Chromium from
 * the seeded demo with the offline provider, so anyone can reproduce them.
 */
import { join } from "node:path";
import { afterAll, beforeAll, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium, SHADOW } from "../test/helpers/browser";
import { ROOT, STAFF_PASSWORD, startSwitchboard, type Switchboard } from "../test/helpers/switchboard";

let sb: Switchboard;
let browser: Browser;
beforeAll(async () => {
  [sb, browser] = await Promise.all([startSwitchboard({ seed: true }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await sb?.close();
});

async function converse(page: Page, root: string, questions: string[]) {
  for (const q of questions) {
    const before = await page.locator(`${root} .sb-msg[data-role="assistant"][data-state="sent"]`).count();
    await page.locator(`${root} textarea`).fill(q);
    await page.locator(`${root} textarea`).press("Enter");
    await page.waitForFunction(
      ([sel, n]) => document.querySelector(sel as string)?.shadowRoot?.querySelectorAll('.sb-msg[data-role="assistant"][data-state="sent"]').length === (n as number) + 1,
      [root, before],
    );
  }
  await page.waitForTimeout(300);
}

it("the home view: the team, suggested questions", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  await page.goto(`${sb.url}/`);
  await page.locator(`${SHADOW} .sb-launcher`).click();
  await page.locator(`${SHADOW} .sb-chip`).first().waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ROOT, "docs", "widget-home.png") });
  await page.close();
});

it("Arabic, right to left, with the owner's texts", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: "ar" });
  const page = await context.newPage();
  await page.goto(`${sb.url}/`);
  await page.locator(`${SHADOW} .sb-launcher`).click();
  await converse(page, SHADOW, ["How do I export my notes?"]);
  await page.screenshot({ path: join(ROOT, "docs", "widget-arabic.png") });
  await context.close();
});

it("desktop widget on the demo page", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  await page.goto(`${sb.url}/`);
  await page.locator(`${SHADOW} .sb-launcher`).click();
  await converse(page, SHADOW, ["I was charged twice on invoice INV-1001"]);
  await page.screenshot({ path: join(ROOT, "docs", "widget-desktop.png") });
  await page.close();
});

it("mobile widget", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await context.newPage();
  await page.goto(`${sb.url}/`);
  await page.locator(`${SHADOW} .sb-launcher`).click();
  await converse(page, SHADOW, ["the app crashes when I log in"]);
  await page.screenshot({ path: join(ROOT, "docs", "widget-mobile.png") });
  await context.close();
});

it("full-page assistant", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  await page.goto(`${sb.url}/chat/demo`);
  await converse(page, "#switchboard-page", ["How do I export my notes?"]);
  await page.screenshot({ path: join(ROOT, "docs", "chat-page.png") });
  await page.close();
});

it("staff inbox", async () => {
  const visitor = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  await visitor.goto(`${sb.url}/`);
  await visitor.locator(`${SHADOW} .sb-launcher`).click();
  await converse(visitor, SHADOW, ["I was charged twice on invoice INV-1001", "can I talk to a person please?"]);
  const signIn = async (page: Page) => {
    await page.goto(`${sb.url}/inbox`);
    await page.getByLabel("Email").fill("alex@lumen.example");
    await page.getByLabel("Password").fill(STAFF_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator(".ib-row").first().waitFor();
  };
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  await signIn(page);
  await page.locator(".ib-row").first().click();
  await page.getByRole("button", { name: "Claim", exact: true }).click();
  await page.locator(".ib-sub").filter({ hasText: "with Alex" }).waitFor();
  // A canned reply by its shortcut, then a label.
  await page.locator("#ib-draft").click();
  await page.locator("#ib-draft").pressSequentially("Hi, I'm Alex from billing. #refu");
  await page.getByRole("listbox", { name: "Canned replies" }).getByRole("option").first().waitFor();
  await page.locator("#ib-draft").press("Enter");
  await page.getByRole("button", { name: "Send reply" }).click();
  await page.waitForFunction(() => document.querySelectorAll('.ib-msg[data-role="human"]').length === 1);
  await page.getByRole("group", { name: "Labels" }).getByRole("button", { name: "billing" }).click();
  await page.locator('.ib-row .ib-label').first().waitFor();
  await page.locator("#ib-search").focus();
  await page.locator("#ib-search").blur();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ROOT, "docs", "inbox.png") });

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const mobile = await phone.newPage();
  await signIn(mobile);
  await mobile.getByRole("button", { name: /^All/ }).click();
  await mobile.waitForTimeout(300);
  await mobile.screenshot({ path: join(ROOT, "docs", "inbox-mobile-list.png") });
  await mobile.locator(".ib-row").first().click();
  await mobile.waitForFunction(() => document.querySelectorAll('.ib-msg[data-role="human"]').length === 1);
  await mobile.waitForTimeout(300);
  await mobile.screenshot({ path: join(ROOT, "docs", "inbox-mobile.png") });
  await phone.close();
  await visitor.close();
  await page.close();
});

async function consoleSignIn(page: Page) {
  await page.goto(`${sb.url}/admin`);
  await page.getByLabel("Email").fill("alex@lumen.example");
  await page.getByLabel("Password").fill(STAFF_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForSelector(".ad-checklist");
}

it("console: a site with the live preview", async () => {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  await consoleSignIn(page);
  await page.goto(`${sb.url}/admin/orgs/demo/sites/demo`);
  await page.getByLabel("Colour", { exact: true }).fill("#0f766e");
  await page.getByLabel("Title", { exact: true }).fill("Lumen Notes help");
  await page.frameLocator("iframe.ad-preview-frame").locator(`${SHADOW} .sb-title`).filter({ hasText: "Lumen Notes help" }).waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ROOT, "docs", "console-site.png") });
  await page.close();
});

it("console: agents and the playground", async () => {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  await consoleSignIn(page);
  await page.goto(`${sb.url}/admin/orgs/demo/agents`);
  await page.waitForSelector(".ad-graph svg");
  await page.screenshot({ path: join(ROOT, "docs", "console-agents.png") });
  await page.goto(`${sb.url}/admin/orgs/demo/playground`);
  await page.getByLabel("Message").fill("I was charged twice on invoice INV-1001");
  await page.keyboard.press("Enter");
  await page.waitForSelector('.ad-msg[data-role="assistant"]');
  await page.waitForSelector('.ad-tree [data-kind="delegation"]');
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ROOT, "docs", "console-playground.png") });
  await page.close();
});

it("console: the first-run checklist at phone width", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await context.newPage();
  await consoleSignIn(page);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ROOT, "docs", "console-mobile.png") });
  await context.close();
});
