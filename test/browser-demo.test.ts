/**
 * The demo as a newcomer meets it, in real Chromium: the demo page, the launcher, a
 * question answered with a streamed reply and its source, and a reload that keeps the
 * conversation. Then the same widget embedded on a page of another origin.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, embedPage, type HostPages, hostPages, launchChromium } from "./helpers/browser";
import { startSwitchboard, type Switchboard } from "./helpers/switchboard";

let sb: Switchboard;
let browser: Browser;
let host: HostPages;

beforeAll(async () => {
  [sb, browser, host] = await Promise.all([startSwitchboard({ seed: true }), launchChromium(), hostPages()]);
});
afterAll(async () => {
  await browser?.close();
  await host?.close();
  await sb?.close();
});

async function ask(page: Page, text: string) {
  const input = page.locator("#switchboard-widget textarea");
  await input.fill(text);
  await input.press("Enter");
}

describe("demo in Chromium", () => {
  it("opens, answers with a streamed reply and its source, and keeps the conversation across a reload", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${sb.url}/`);
    const launcher = page.locator("#switchboard-widget .sb-launcher");
    await launcher.click();
    await expect.poll(() => page.locator("#switchboard-widget .sb-panel").isVisible()).toBe(true);
    // Focus moved into the panel.
    await expect.poll(() => page.evaluate(() => document.querySelector("#switchboard-widget")?.shadowRoot?.activeElement?.tagName)).toBe("TEXTAREA");

    // Record what the reply looked like while it streamed.
    await page.evaluate(() => {
      const root = document.querySelector("#switchboard-widget")?.shadowRoot as ShadowRoot;
      (window as unknown as { seen: string[] }).seen = [];
      new MutationObserver(() => {
        const streaming = root.querySelector('[data-state="streaming"]');
        if (streaming) (window as unknown as { seen: string[] }).seen.push(streaming.textContent ?? "");
      }).observe(root, { subtree: true, childList: true, characterData: true });
    });
    await ask(page, "How do I export my notes?");
    const reply = page.locator('#switchboard-widget .sb-assistant[data-state="sent"]').last();
    await expect.poll(() => reply.textContent(), { timeout: 10_000 }).toContain("Exporting your notes");
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(new Set(seen).size).toBeGreaterThan(2); // it grew piece by piece
    const source = reply.locator(".sb-sources a").first();
    expect(await source.textContent()).toBe("Exporting your notes");
    expect(await source.getAttribute("href")).toBe(`${sb.url}/help/export-your-notes`);
    expect(await source.getAttribute("rel")).toBe("noopener noreferrer");
    // Honest about being offline.
    expect(await page.locator("#switchboard-widget .sb-badge-auto").count()).toBeGreaterThan(0);

    await page.reload();
    await page.locator("#switchboard-widget .sb-launcher").click();
    const messages = page.locator("#switchboard-widget .sb-msg[data-role]");
    await expect.poll(() => messages.count()).toBe(2);
    expect(await messages.first().textContent()).toContain("How do I export my notes?");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("works embedded on another origin's page, and the full-page assistant works too", async () => {
    host.page("/", embedPage(sb.url));
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${host.origin}/`);
    await page.locator("#switchboard-widget .sb-launcher").click();
    await ask(page, "the app crashes when I log in");
    const reply = page.locator('#switchboard-widget .sb-assistant[data-state="sent"]').last();
    await expect.poll(() => reply.textContent(), { timeout: 10_000 }).toContain("Troubleshooting login problems");

    const full = await context.newPage();
    await full.goto(`${sb.url}/chat/demo`);
    const input = full.locator("#switchboard-page textarea");
    await input.fill("Is my data encrypted?");
    await input.press("Enter");
    await expect
      .poll(() => full.locator('#switchboard-page .sb-assistant[data-state="sent"]').last().textContent(), { timeout: 10_000 })
      .toContain("Security and privacy");
    expect(await axeViolations(full)).toEqual([]);
    await context.close();
  });
});
