/**
 * The widget as visitors meet it, in real Chromium on a host page of another origin:
 * script injection rendered inert, a host page with a strict CSP, style isolation both
 * ways, a 390×844 phone, keyboard-only use, axe-core, feedback, an RTL locale and signed
 * identity.
 */
import type { Browser, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { axeViolations, embedPage, type HostPages, SHADOW } from "./helpers/browser";
import { useBrowser, useScriptedSwitchboard } from "./helpers/fixtures";
import { agent } from "./helpers/model-server";
import { finished, knowledgeOrg, uploadJob } from "./helpers/knowledge";
import { setupOrg, type Switchboard, testAgent } from "./helpers/switchboard";
import { makePdf } from "./workers/content-fixtures";

const scripted = useScriptedSwitchboard();
const chrome = useBrowser();
const model = scripted.model;
let sb: Switchboard;
let browser: Browser;
let host: HostPages;

beforeAll(async () => {
  ({ sb } = scripted);
  ({ browser, host } = chrome);
  await setupOrg(sb, "shop", [testAgent("router", { tools: ["search_knowledge"] })], "router", {
    theme: { title: "Shop help", primaryColor: "#0f766e", welcome: "Welcome to the shop!" },
  });
  await setupOrg(sb, "souq", [testAgent("router")], "router", { locale: "ar", theme: { title: "مساعدة" } });
  await setupOrg(sb, "ident", [testAgent("router")], "router", { identitySecret: "ident-secret-0123456789abcdef" });
  await setupOrg(sb, "leadsite", [testAgent("router")], "router", { leadForm: "pre-chat" });
  await setupOrg(sb, "deleg", [testAgent("router", { delegates: ["billing"] }), testAgent("billing", { name: "Billing" })]);
  host.page("/", embedPage(sb.url, "", "", "shop"));
});

const inWidget = (page: Page, selector: string) => page.locator(`${SHADOW} ${selector}`);
const lastReply = (page: Page) => inWidget(page, '.sb-msg[data-role="assistant"]').last();

async function openAndAsk(page: Page, url: string, text: string) {
  await page.goto(url);
  await inWidget(page, ".sb-launcher").click();
  await inWidget(page, "textarea").fill(text);
  await inWidget(page, "textarea").press("Enter");
}

describe("safety", () => {
  it("renders script-injection payloads from the visitor and the model as inert text", async () => {
    const payload = `<img src=x onerror="window.pwned='img'"><script>window.pwned='script'</script>`;
    model.on(agent("[router]"), {
      text: `Here: <script>window.pwned='model'</script> <img src=x onerror="window.pwned='model-img'"> [click me](javascript:window.pwned='link') and [docs](https://example.com/docs)`,
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs++;
      void d.dismiss();
    });
    await openAndAsk(page, `${host.origin}/`, payload);
    await expect.poll(() => lastReply(page).getAttribute("data-state"), { timeout: 10_000 }).toBe("sent");
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as unknown as { pwned?: string }).pwned)).toBeUndefined();
    expect(dialogs).toBe(0);
    const counts = await page.evaluate((host) => {
      const root = document.querySelector(host)?.shadowRoot as ShadowRoot;
      return {
        scripts: root.querySelectorAll(".sb-log script").length,
        images: root.querySelectorAll(".sb-log img").length,
        jsLinks: [...root.querySelectorAll(".sb-log a")].filter((a) => (a.getAttribute("href") ?? "").startsWith("javascript")).length,
        links: [...root.querySelectorAll(".sb-log a")].map((a) => [a.getAttribute("href"), a.getAttribute("rel"), a.getAttribute("target")]),
      };
    }, SHADOW);
    expect(counts).toMatchObject({ scripts: 0, images: 0, jsLinks: 0 });
    expect(counts.links).toEqual([["https://example.com/docs", "noopener noreferrer", "_blank"]]);
    // The text is shown as written.
    expect(await inWidget(page, '.sb-msg[data-role="user"]').textContent()).toContain("<script>window.pwned='script'</script>");
    expect(await lastReply(page).textContent()).toContain("click me");
    await context.close();
  });

  it("works on a host page with a strict CSP (no unsafe-inline) without a single violation", async () => {
    const backend = sb.url;
    const ws = backend.replace("http", "ws");
    host.page("/csp", embedPage(backend, "", "", "shop"), {
      "content-security-policy": `default-src 'self'; script-src 'self' ${backend}; style-src 'self'; connect-src 'self' ${backend} ${ws}; img-src 'self' data: ${backend}`,
    });
    model.on(agent("[router]"), { text: "Strict **CSP** is fine." });
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    await page.exposeFunction("reportViolation", (v: string) => violations.push(v));
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) =>
        (window as unknown as { reportViolation: (v: string) => void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    await openAndAsk(page, `${host.origin}/csp`, "hello under CSP");
    await expect.poll(() => lastReply(page).textContent(), { timeout: 10_000 }).toContain("Strict CSP is fine.");
    // Styles applied (constructable stylesheets are not blocked by style-src).
    const background = await inWidget(page, ".sb-launcher").evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).toBe("rgb(15, 118, 110)");
    expect(violations).toEqual([]);
    await context.close();
  });

  it("keeps the host page's CSS out and its own CSS in", async () => {
    const hostCss = `<style>* { font-family: "Comic Sans MS", cursive !important; color: rgb(255, 0, 0) !important; } button { display: none !important; } textarea { font-size: 40px !important; } h1 { margin: 7px; }</style>`;
    host.page("/css", embedPage(sb.url, "", hostCss, "shop"));
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${host.origin}/css`);
    const h1Before = await page.locator("h1").evaluate((el) => { const s = getComputedStyle(el); return [s.fontFamily, s.color, s.margin, s.lineHeight].join("|"); });
    await inWidget(page, ".sb-launcher").click();
    await expect.poll(() => inWidget(page, "textarea").isVisible()).toBe(true);
    const inside = await inWidget(page, "textarea").evaluate((el) => { const s = getComputedStyle(el); return { font: s.fontFamily, size: s.fontSize, color: s.color }; });
    expect(inside.font).not.toContain("Comic Sans");
    expect(inside.size).toBe("16px");
    expect(inside.color).not.toBe("rgb(255, 0, 0)");
    expect(await inWidget(page, ".sb-send").isVisible()).toBe(true);
    const h1After = await page.locator("h1").evaluate((el) => { const s = getComputedStyle(el); return [s.fontFamily, s.color, s.margin, s.lineHeight].join("|"); });
    expect(h1After).toBe(h1Before);
    // Nothing of ours in the page's document: no global styles or elements but the host.
    expect(await page.evaluate(() => document.styleSheets.length)).toBe(1);
    expect(await page.evaluate(() => document.body.children.length)).toBe(3); // main, script, widget host
    await context.close();
  });
});

describe("mobile and accessibility", () => {
  it("fills a 390×844 phone screen, with a 16 px input that iOS will not zoom", async () => {
    model.on(agent("[router]"), { text: "Small screens are fine." });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    await openAndAsk(page, `${host.origin}/`, "on my phone");
    await expect.poll(() => lastReply(page).textContent(), { timeout: 10_000 }).toContain("Small screens are fine.");
    const box = await inWidget(page, ".sb-panel").boundingBox();
    expect(box).toEqual({ x: 0, y: 0, width: 390, height: 844 });
    expect(await inWidget(page, "textarea").evaluate((el) => getComputedStyle(el).fontSize)).toBe("16px");
    // The input is on screen and the launcher does not cover it.
    const input = await inWidget(page, "textarea").boundingBox();
    expect((input?.y ?? 0) + (input?.height ?? 0)).toBeLessThanOrEqual(844);
    expect(await inWidget(page, ".sb-launcher").isVisible()).toBe(false);
    await context.close();
  });

  it("works by keyboard alone: focus moves into the panel and back to the launcher", async () => {
    model.on(agent("[router]"), { text: "Keyboard reply." });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${host.origin}/`);
    await expect.poll(() => page.evaluate(() => !!document.querySelector("#switchboard-widget")?.shadowRoot?.querySelector(".sb-launcher"))).toBe(true);
    const focused = () => page.evaluate(() => {
      const root = document.querySelector("#switchboard-widget")?.shadowRoot;
      const el = root?.activeElement as HTMLElement | null | undefined;
      return el ? `${el.tagName.toLowerCase()}${el.className ? `.${el.className.split(" ")[0]}` : ""}` : null;
    });
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("button.sb-launcher");
    await page.keyboard.press("Enter");
    await expect.poll(focused).toBe("textarea");
    await page.keyboard.type("typed with keys");
    await page.keyboard.press("Enter");
    await expect.poll(() => lastReply(page).textContent(), { timeout: 10_000 }).toContain("Keyboard reply.");
    // Tab reaches the reply's feedback buttons and the header buttons.
    await page.keyboard.press("Shift+Tab");
    expect(await focused()).not.toBeNull();
    await page.keyboard.press("Escape");
    await expect.poll(() => inWidget(page, ".sb-panel").isVisible()).toBe(false);
    expect(await focused()).toBe("button.sb-launcher");
    await context.close();
  });

  it("axe-core finds no serious or critical violations in the open widget", async () => {
    model.on(agent("[router]"), { text: "An answer with a [link](https://example.com) and a list:\n\n- one\n- two" });
    const context = await browser.newContext();
    const page = await context.newPage();
    await openAndAsk(page, `${host.origin}/`, "check accessibility");
    await expect.poll(() => lastReply(page).getAttribute("data-state"), { timeout: 10_000 }).toBe("sent");
    expect(await axeViolations(page, "#switchboard-widget")).toEqual([]);
    // The log is announced to screen readers.
    expect(await inWidget(page, '[role="log"]').getAttribute("aria-live")).toBe("polite");
    await context.close();
  });
});

describe("features", () => {
  it("thumbs up and down are stored per reply, a new vote replacing the old", async () => {
    model.on(agent("[router]"), { text: "Rate me." });
    const context = await browser.newContext();
    const page = await context.newPage();
    await openAndAsk(page, `${host.origin}/`, "rate this");
    await expect.poll(() => lastReply(page).getAttribute("data-state"), { timeout: 10_000 }).toBe("sent");
    await lastReply(page).getByRole("button", { name: "Helpful", exact: true }).click();
    // Votes reach D1 through the FACTS queue, in batches.
    await expect.poll(async () => (await sb.db.prepare("SELECT rating FROM feedback").all<{ rating: number }>()).results.map((r) => r.rating), { timeout: 20_000 }).toEqual([1]);
    await lastReply(page).getByRole("button", { name: "Not helpful" }).click();
    await expect.poll(async () => (await sb.db.prepare("SELECT rating FROM feedback").all<{ rating: number }>()).results.map((r) => r.rating), { timeout: 20_000 }).toEqual([-1]);
    expect(await lastReply(page).getByRole("button", { name: "Not helpful" }).getAttribute("aria-pressed")).toBe("true");
    await context.close();
  });

  it("a site that asks for a pre-chat lead form gets name and email before the first message", async () => {
    host.page("/lead", embedPage(sb.url, "", "", "leadsite"));
    model.always(agent("[router]"), { text: "Thanks for your details." });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${host.origin}/lead`);
    await inWidget(page, ".sb-launcher").click();
    await expect.poll(() => inWidget(page, ".sb-lead").isVisible()).toBe(true);
    expect(await inWidget(page, ".sb-composer").isVisible()).toBe(false);
    await inWidget(page, "#sb-lead-email").fill("not-an-email");
    await inWidget(page, ".sb-lead button").click();
    await expect.poll(() => inWidget(page, '.sb-lead [role="alert"]').isVisible()).toBe(true);
    await inWidget(page, "#sb-lead-name").fill("Rosa");
    await inWidget(page, "#sb-lead-email").fill("rosa@example.com");
    await inWidget(page, ".sb-lead button").click();
    await expect.poll(() => inWidget(page, ".sb-composer").isVisible(), { timeout: 10_000 }).toBe(true);
    const lead = await sb.db.prepare("SELECT name, email, source FROM leads WHERE email = 'rosa@example.com'").first();
    expect(lead).toEqual({ name: "Rosa", email: "rosa@example.com", source: "pre-chat" });
    await inWidget(page, "textarea").fill("now my question");
    await inWidget(page, "textarea").press("Enter");
    await expect.poll(() => lastReply(page).textContent(), { timeout: 10_000 }).toContain("Thanks for your details.");
    await context.close();
  });

  it("shows what the agents are doing while a specialist works", async () => {
    host.page("/deleg", embedPage(sb.url, "", "", "deleg"));
    model.on(agent("[router]"), { toolCalls: [{ name: "delegate", arguments: { agent: "billing", prompt: "check" } }] }, { text: "Billing checked it: all good." });
    model.on(agent("[billing]"), { text: "All good.", delayMs: 1200 });
    const context = await browser.newContext();
    const page = await context.newPage();
    await openAndAsk(page, `${host.origin}/deleg`, "is my invoice fine?");
    await expect.poll(() => inWidget(page, ".sb-activity").first().textContent(), { timeout: 10_000 }).toBe("Checking with Billing…");
    await expect.poll(() => lastReply(page).textContent(), { timeout: 10_000 }).toContain("Billing checked it: all good.");
    expect(await inWidget(page, ".sb-activity").count()).toBe(0);
    await context.close();
  });

  it("a source says where in the document: the PDF's page, the video's moment", async () => {
    await knowledgeOrg(sb, "cites", ["manuals", "videos"]);
    const pdf = await makePdf(
      [
        { heading: "Welcome", lines: ["The Lumen Scanner turns paper notes into searchable pages."] },
        { heading: "Charging", lines: ["Charge the scanner with the USB-C cable for two hours."] },
        { heading: "Pairing", lines: ["Open the app and hold the scanner near your phone to pair it."] },
        { heading: "Replacing the lamp", lines: ["To replace the scanner lamp, remove the four screws on the back plate."] },
      ],
      { title: "Lumen Scanner manual" },
    );
    const cue = (at: number, line: string) => `00:${String(Math.floor(at / 60)).padStart(2, "0")}:${String(at % 60).padStart(2, "0")}.000 --> 00:0${Math.floor((at + 3) / 60)}:${String((at + 3) % 60).padStart(2, "0")}.000\n${line}`;
    const talk = ["WEBVTT - Billing walkthrough", ...[0, 4, 8, 12].map((at) => cue(at, "We look at the editor toolbar and keyboard layout.")), cue(83, "Refunds for the annual plan are paid back within thirty days.")].join("\n\n");
    for (const job of await Promise.all([
      uploadJob(sb, "cites", "manuals", "scanner-manual.pdf", pdf, { url: "https://example.com/docs/scanner-manual.pdf", type: "application/pdf" }),
      uploadJob(sb, "cites", "videos", "billing.vtt", talk, { url: "https://videos.example.com/watch/billing" }),
    ])) {
      expect((await finished(sb, "cites", job.id)).status).toBe("done");
    }
    host.page("/cites", embedPage(sb.url, "", "", "cites"));
    const context = await browser.newContext();
    const page = await context.newPage();
    await openAndAsk(page, `${host.origin}/cites`, "How do I replace the scanner lamp?");
    const source = () => lastReply(page).locator(".sb-sources li").first();
    await expect.poll(() => source().textContent(), { timeout: 10_000 }).toBe("Lumen Scanner manual · p. 4");
    expect(await source().locator("a").getAttribute("href")).toBe("https://example.com/docs/scanner-manual.pdf#page=4");
    await inWidget(page, "textarea").fill("Are refunds for the annual plan paid back?");
    await inWidget(page, "textarea").press("Enter");
    await expect.poll(() => source().textContent(), { timeout: 10_000 }).toBe("Billing walkthrough · at 1:23");
    expect(await source().locator("a").getAttribute("href")).toBe("https://videos.example.com/watch/billing#t=83");
    await context.close();
  });

  it("follows the site's locale: Arabic, right to left", async () => {
    host.page("/ar", embedPage(sb.url, "", "", "souq"));
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${host.origin}/ar`);
    await inWidget(page, ".sb-launcher").click();
    expect(await inWidget(page, ".sb-app").getAttribute("dir")).toBe("rtl");
    expect(await inWidget(page, "textarea").getAttribute("placeholder")).toBe("اكتب رسالتك…");
    expect(await inWidget(page, ".sb-title").textContent()).toBe("مساعدة");
    await context.close();
  });

  it("identify with a signature from the site's backend marks the conversation as verified", async () => {
    const { createHmac } = await import("node:crypto");
    const signature = createHmac("sha256", "ident-secret-0123456789abcdef").update("user-77\nada@example.com").digest("hex");
    model.always(agent("[router]"), { text: "Hello Ada." });
    host.page(
      "/ident",
      embedPage(
        sb.url,
        "",
        `<script>window.Switchboard=window.Switchboard||function(){(Switchboard.q=Switchboard.q||[]).push(arguments)};Switchboard("identify",{userId:"user-77",name:"Ada",email:"ada@example.com",signature:"${signature}"});</script>`,
        "ident",
      ),
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    await openAndAsk(page, `${host.origin}/ident`, "who am I?");
    await expect.poll(() => lastReply(page).textContent(), { timeout: 10_000 }).toContain("Hello Ada.");
    const list = (await (await sb.admin("/api/admin/orgs/ident/conversations?site=ident")).json()) as { conversations: Record<string, unknown>[] };
    expect(list.conversations).toHaveLength(1);
    expect(list.conversations[0]).toMatchObject({ userId: "user-77", visitorName: "Ada", visitorEmail: "ada@example.com", identityVerified: true });
    await context.close();
  });
});
