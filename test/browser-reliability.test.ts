/**
 * The widget's reliability in real Chromium, embedded on a page of another origin, with a
 * TCP proxy between browser and worker so the network can fail for real: stop mid-reply,
 * a dropped connection mid-reply that still delivers the rest, a message typed offline
 * sent exactly once when back, a network that blocks WebSockets (SSE takes over), two tabs
 * in sync, the unread badge, and the command queue that works before the script loads.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { embedPage, type HostPages, SHADOW } from "./helpers/browser";
import { useBrowser, useScriptedSwitchboard } from "./helpers/fixtures";
import { agent } from "./helpers/model-server";
import { setupOrg, type Switchboard, testAgent } from "./helpers/switchboard";
import { TcpProxy } from "./helpers/tcp-proxy";

const scripted = useScriptedSwitchboard();
const chrome = useBrowser();
const model = scripted.model;
let sb: Switchboard;
let browser: Browser;
let host: HostPages;
let proxy: TcpProxy;

beforeAll(async () => {
  ({ sb } = scripted);
  ({ browser, host } = chrome);
  proxy = await new TcpProxy(sb.url).start();
  await setupOrg(sb, "shop", [testAgent("router")]);
  host.page("/", embedPage(proxy.origin, "", "", "shop"));
});
afterAll(async () => {
  await proxy?.stop();
});
beforeEach(() => {
  proxy.offline = false;
  proxy.blockWebSockets = false;
});

const inWidget = (page: Page, selector: string) => page.locator(`${SHADOW} ${selector}`);

async function openWidget(page: Page) {
  await page.goto(`${host.origin}/`);
  await inWidget(page, ".sb-launcher").click();
  await expect.poll(() => inWidget(page, "textarea").isVisible()).toBe(true);
}

async function ask(page: Page, text: string) {
  await inWidget(page, "textarea").fill(text);
  await inWidget(page, "textarea").press("Enter");
}

const lastReply = (page: Page) => inWidget(page, '.sb-assistant[data-role="assistant"]').last();

async function conversationOf(page: Page) {
  const stored = await page.evaluate(() => localStorage.getItem("switchboard:shop"));
  return JSON.parse(stored ?? "null") as { conversationId: string; token: string };
}

async function storedMessages(page: Page) {
  const conv = await conversationOf(page);
  const res = await sb.fetch(`/api/conversations/${conv.conversationId}/messages?after=0`, { headers: { authorization: `Bearer ${conv.token}` } });
  return ((await res.json()) as { messages: { role: string; text: string }[] }).messages;
}

describe("widget reliability", () => {
  it("the stop button ends the reply in progress and aborts the model request", async () => {
    model.on(agent("[router]"), { text: "one two three four five six seven eight nine ten", chunkDelayMs: 250 });
    const context = await browser.newContext();
    const page = await context.newPage();
    await openWidget(page);
    await ask(page, "tell me a long story");
    await expect.poll(() => inWidget(page, '[data-state="streaming"]').textContent(), { timeout: 10_000 }).toContain("two");
    await inWidget(page, ".sb-stop").click();
    await model.until(() => model.requests[0]?.endedAt !== undefined);
    expect(model.requests[0]?.aborted).toBe(true);
    await expect.poll(() => inWidget(page, ".sb-stop").count()).toBe(0);
    const stored = await storedMessages(page);
    expect(stored.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(stored[1]?.text).not.toContain("ten");
    await context.close();
  });

  it("a connection dropped mid-reply reconnects and shows the whole reply once", async () => {
    const words = Array.from({ length: 16 }, (_, i) => `w${i} `);
    model.on(agent("[router]"), { text: words, chunkDelayMs: 120 });
    const context = await browser.newContext();
    const page = await context.newPage();
    await openWidget(page);
    await ask(page, "stream please");
    await expect.poll(() => inWidget(page, '[data-state="streaming"]').textContent(), { timeout: 10_000 }).toContain("w3");
    proxy.dropAll();
    await expect.poll(() => inWidget(page, ".sb-banner").first().textContent()).toContain("Connection lost");
    await expect.poll(() => lastReply(page).getAttribute("data-state"), { timeout: 15_000 }).toBe("sent");
    expect((await lastReply(page).locator('[dir="auto"]').textContent())?.trim()).toBe(words.join("").trim());
    expect(await inWidget(page, '.sb-msg[data-role="assistant"]').count()).toBe(1);
    await context.close();
  });

  it("a message typed while offline is sent exactly once when the network is back", async () => {
    model.always(agent("[router]"), { text: "Got it." });
    const context = await browser.newContext();
    const page = await context.newPage();
    await openWidget(page);
    await ask(page, "first, online");
    await expect.poll(() => lastReply(page).textContent(), { timeout: 10_000 }).toContain("Got it.");
    proxy.offline = true;
    proxy.dropAll();
    await expect.poll(() => inWidget(page, ".sb-banner").first().textContent()).toContain("Connection lost");
    await ask(page, "typed while offline");
    expect(await inWidget(page, '.sb-msg[data-state="sending"]').count()).toBe(1);
    await page.waitForTimeout(1500); // reconnect attempts fail meanwhile
    proxy.offline = false;
    await page.evaluate(() => window.dispatchEvent(new Event("online")));
    await expect.poll(async () => (await storedMessages(page)).length, { timeout: 20_000 }).toBe(4);
    const stored = await storedMessages(page);
    expect(stored.filter((m) => m.text === "typed while offline")).toHaveLength(1);
    await expect.poll(() => inWidget(page, '.sb-msg[data-state="sending"]').count()).toBe(0);
    await context.close();
  });

  it("when a proxy blocks WebSockets, the widget switches to SSE and keeps working", async () => {
    proxy.blockWebSockets = true;
    model.always(agent("[router]"), { text: ["Served ", "over ", "SSE."] });
    const context = await browser.newContext();
    const page = await context.newPage();
    await openWidget(page);
    await ask(page, "hello through the proxy");
    await expect.poll(() => lastReply(page).textContent(), { timeout: 30_000 }).toContain("Served over SSE.");
    await ask(page, "and again");
    await expect.poll(() => inWidget(page, '.sb-msg[data-role="assistant"][data-state="sent"]').count(), { timeout: 15_000 }).toBe(2);
    expect((await storedMessages(page)).map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    await context.close();
  });

  it("two tabs stay in sync; a closed widget counts unread replies until any tab shows them", async () => {
    model.always(agent("[router]"), { text: "Synced reply." });
    const context = await browser.newContext();
    const a = await context.newPage();
    await openWidget(a);
    await ask(a, "from tab A");
    await expect.poll(() => lastReply(a).textContent(), { timeout: 10_000 }).toContain("Synced reply.");
    await inWidget(a, "textarea").press("Escape");
    await expect.poll(() => inWidget(a, ".sb-panel").isVisible()).toBe(false);

    // Tab B resumes the same conversation with its panel closed.
    const b = await context.newPage();
    await b.goto(`${host.origin}/`);
    await expect.poll(() => b.evaluate(() => typeof (window as unknown as { Switchboard?: unknown }).Switchboard)).toBe("function");
    await b.evaluate(() => (window as unknown as { Switchboard: (...a: unknown[]) => void }).Switchboard("on", "ready", () => ((window as unknown as { ready: boolean }).ready = true)));
    await expect.poll(() => b.evaluate(() => (window as unknown as { ready?: boolean }).ready), { timeout: 10_000 }).toBe(true);

    // A message sent from B's page code: the reply lands in both closed widgets as unread.
    await b.evaluate(() => (window as unknown as { Switchboard: (...a: unknown[]) => void }).Switchboard("sendMessage", "sent from tab B"));
    await expect.poll(() => inWidget(a, ".sb-badge").textContent(), { timeout: 10_000 }).toBe("1");
    await expect.poll(() => inWidget(b, ".sb-badge").textContent(), { timeout: 10_000 }).toBe("1");

    // Opening A shows the same conversation and clears the badge in both tabs.
    await inWidget(a, ".sb-launcher").click();
    await expect.poll(() => inWidget(a, ".sb-msg[data-role]").count()).toBe(4);
    await expect.poll(() => inWidget(a, ".sb-badge").isVisible()).toBe(false);
    await expect.poll(() => inWidget(b, ".sb-badge").isVisible(), { timeout: 10_000 }).toBe(false);
    await inWidget(b, ".sb-launcher").click();
    await expect.poll(() => inWidget(b, ".sb-msg[data-role]").count()).toBe(4);
    expect(await inWidget(b, ".sb-msg[data-role]").allTextContents()).toEqual(await inWidget(a, ".sb-msg[data-role]").allTextContents());
    await context.close();
  });

  it("the command queue works before the script loads: on, open, sendMessage", async () => {
    model.always(agent("[router]"), { text: "Queued reply." });
    host.page(
      "/queue",
      embedPage(
        proxy.origin,
        "",
        `<script>
          window.Switchboard = window.Switchboard || function () { (Switchboard.q = Switchboard.q || []).push(arguments); };
          window.events = [];
          Switchboard("on", "ready", function () { events.push("ready"); });
          Switchboard("on", "open", function () { events.push("open"); });
          Switchboard("on", "message", function (m) { events.push("message:" + m.role); });
          Switchboard("open");
          Switchboard("sendMessage", "sent from the queue");
        </script>`,
        "shop",
      ),
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${host.origin}/queue`);
    await expect.poll(() => lastReply(page).textContent(), { timeout: 10_000 }).toContain("Queued reply.");
    const events = await page.evaluate(() => (window as unknown as { events: string[] }).events);
    expect(events).toContain("ready");
    expect(events).toContain("open");
    expect(events).toContain("message:user");
    expect(events).toContain("message:assistant");
    expect(await inWidget(page, ".sb-panel").isVisible()).toBe(true);
    // close / toggle / reset from the page's code.
    await page.evaluate(() => (window as unknown as { Switchboard: (c: string) => void }).Switchboard("close"));
    await expect.poll(() => inWidget(page, ".sb-panel").isVisible()).toBe(false);
    await page.evaluate(() => (window as unknown as { Switchboard: (c: string) => void }).Switchboard("reset"));
    expect(await page.evaluate(() => localStorage.getItem("switchboard:shop"))).toBeNull();
    await page.evaluate(() => (window as unknown as { Switchboard: (c: string) => void }).Switchboard("toggle"));
    await expect.poll(() => inWidget(page, ".sb-msg[data-role]").count()).toBe(0);
    await context.close();
  });
});
