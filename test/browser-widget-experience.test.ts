/**
 * The widget as visitors meet it (issue 14), in real Chromium at desktop and phone sizes,
 * with axe-core on every view: the header and launcher, the home view (team, suggestions,
 * past conversations), one handoff notice per case and the email form in view, a disallowed
 * origin, long answers, French and Arabic with the owner's texts, attachments both ways
 * (the inbox too), typing dots that never stick, and the rating question.
 */
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { axeViolations, embedPage, type HostPages, SHADOW } from "./helpers/browser";
import { useBrowser, useScriptedSwitchboard } from "./helpers/fixtures";
import { agent } from "./helpers/model-server";
import { addStaff, setupOrg, STAFF_PASSWORD, staffLogin, type Switchboard, testAgent } from "./helpers/switchboard";

const scripted = useScriptedSwitchboard();
const chrome = useBrowser();
const model = scripted.model;
let sb: Switchboard;
let browser: Browser;
let host: HostPages;

const SIZES: [string, BrowserContextOptions][] = [
  ["desktop", { viewport: { width: 1280, height: 800 } }],
  ["phone", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }],
];
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
const PDF = Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
const LONG = Array.from({ length: 60 }, (_, i) => `Step ${i + 1}: do the next thing carefully.`).join("\n\n");

const router = testAgent("router", { tools: ["handoff_to_human"] });
const TEXTS = {
  fr: { title: "Assistance Lumen Notes", subtitle: "Nous répondons vite", welcome: "Bonjour ! Comment pouvons-nous vous aider ?", suggestions: ["Comment exporter mes notes ?"] },
  ar: { title: "دعم لومن", welcome: "مرحبًا! كيف يمكننا مساعدتك؟" },
};

beforeAll(async () => {
  ({ sb } = scripted);
  ({ browser, host } = chrome);
  const theme = { title: "Lumen Notes support", subtitle: "We usually answer in minutes", welcome: "Hi! How can we help?", suggestions: ["How do I export my notes?", "Is my data encrypted?"] };
  await setupOrg(sb, "lumen", [router], "router", { theme, texts: TEXTS });
  await setupOrg(sb, "lumenar", [router], "router", { theme, texts: TEXTS, locale: "ar" });
  await setupOrg(sb, "closedco", [router], "router", { theme, businessHours: { timezone: "UTC", days: {} } });
  await setupOrg(sb, "autofr", [testAgent("router", { model: { family: "offline" } })], "router", { theme, texts: TEXTS, locale: "fr" });
  await setupOrg(sb, "private", [router], "router", { allowedOrigins: ["https://only.example"] });
  await setupOrg(sb, "filesco", [router], "router", { theme });
  await addStaff(sb, "filesco", "kim@filesco.example", "Kim Lee");
  await addStaff(sb, "lumen", "kim@lumen.example", "Kim Lee");
  await addStaff(sb, "lumen", "ana@lumen.example", "Ana Ruiz");
  for (const site of ["lumen", "lumenar", "closedco", "autofr", "private", "filesco"]) host.page(`/${site}`, embedPage(sb.url, "", "", site));
});

const inWidget = (page: Page, selector: string) => page.locator(`${SHADOW} ${selector}`);
const lastOf = (page: Page, role: string) => inWidget(page, `.sb-msg[data-role="${role}"]`).last();

async function open(page: Page, site: string) {
  await page.goto(`${host.origin}/${site}`);
  await inWidget(page, ".sb-launcher").click();
  await expect.poll(() => inWidget(page, "textarea").isVisible()).toBe(true);
}

async function ask(page: Page, text: string) {
  await inWidget(page, "textarea").fill(text);
  await inWidget(page, "textarea").press("Enter");
}

/** Whether the element is wholly inside the message log's visible area. */
const inView = (page: Page, selector: string) =>
  inWidget(page, selector)
    .last()
    .evaluate((el) => {
      const log = (el.closest(".sb-log") as HTMLElement).getBoundingClientRect();
      const box = el.getBoundingClientRect();
      return box.height > 0 && box.top >= log.top - 1 && box.bottom <= log.bottom + 1;
    });

describe("header and launcher", () => {
  for (const [name, size] of SIZES) {
    it(`the title holds on one line, ✕ is a 44 px target, a person is an icon with a name (${name})`, async () => {
      const context = await browser.newContext(size);
      const page = await context.newPage();
      await open(page, "lumen");
      const title = inWidget(page, ".sb-title");
      expect(await title.textContent()).toBe("Lumen Notes support");
      const lines = await title.evaluate((el) => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)));
      expect(lines).toBe(1);
      const close = await inWidget(page, '.sb-header button[aria-label="Close chat"]').boundingBox();
      expect(close?.width).toBeGreaterThanOrEqual(44);
      expect(close?.height).toBeGreaterThanOrEqual(44);
      const person = inWidget(page, '.sb-header button[aria-label="Talk to a person"]');
      expect(await person.getAttribute("title")).toBe("Talk to a person");
      expect((await person.textContent())?.trim()).toBe("");
      if (name === "desktop") {
        // The launcher is the close control while the panel is open.
        const launcher = inWidget(page, ".sb-launcher");
        expect(await launcher.getAttribute("aria-label")).toBe("Close chat");
        expect(await launcher.getAttribute("aria-expanded")).toBe("true");
        await launcher.click();
        await expect.poll(() => inWidget(page, ".sb-panel").isVisible()).toBe(false);
        expect(await launcher.getAttribute("aria-label")).toBe("Open chat");
      } else {
        expect(await inWidget(page, ".sb-launcher").isVisible()).toBe(false);
        await inWidget(page, '.sb-header button[aria-label="Close chat"]').click();
        await expect.poll(() => inWidget(page, ".sb-panel").isVisible()).toBe(false);
      }
      await context.close();
    });
  }
});

describe("home view", () => {
  for (const [name, size] of SIZES) {
    it(`shows the team and its reply time, suggestions that start a conversation, and past conversations (${name})`, async () => {
      model.always(agent("[router]"), { text: "Use File, then Export." });
      const context = await browser.newContext(size);
      const page = await context.newPage();
      await open(page, "lumen");
      expect(await inWidget(page, ".sb-faces li").allTextContents()).toEqual(["KKim", "AAna"]);
      expect(await inWidget(page, ".sb-team p").textContent()).toBe("Usually replies within 2 minutes");
      expect(await axeViolations(page, "#switchboard-widget")).toEqual([]);
      await inWidget(page, ".sb-chip").filter({ hasText: "How do I export my notes?" }).click();
      await expect.poll(() => lastOf(page, "assistant").getAttribute("data-state"), { timeout: 10_000 }).toBe("sent");
      expect(await lastOf(page, "user").textContent()).toContain("How do I export my notes?");
      expect(await inWidget(page, ".sb-team").count()).toBe(0);

      // A new conversation: home again, with the first one listed.
      await inWidget(page, '.sb-header button[aria-label="New conversation"]').click();
      await expect.poll(() => inWidget(page, ".sb-history button").count()).toBe(1);
      expect(await inWidget(page, ".sb-history button span").textContent()).toBe("Use File, then Export.");
      await ask(page, "and on my phone?");
      await expect.poll(() => inWidget(page, '.sb-msg[data-role="assistant"]').count(), { timeout: 10_000 }).toBe(1);
      await inWidget(page, '.sb-header button[aria-label="New conversation"]').click();
      await expect.poll(() => inWidget(page, ".sb-history button").count()).toBe(2);
      expect(await axeViolations(page, "#switchboard-widget")).toEqual([]);

      // The older one opens again, with its messages, and stays open across a reload.
      await inWidget(page, ".sb-history button").last().click();
      await expect.poll(() => lastOf(page, "user").textContent()).toContain("How do I export my notes?");
      await page.reload();
      await inWidget(page, ".sb-launcher").click();
      await expect.poll(() => lastOf(page, "user").textContent(), { timeout: 10_000 }).toContain("How do I export my notes?");
      await context.close();
    });
  }
});

describe("handoff", () => {
  for (const [name, size] of SIZES) {
    it(`the team at work: one notice of when a person replies, in view, and nothing else (${name})`, async () => {
      model.always(agent("[router]"), { text: LONG });
      const context = await browser.newContext(size);
      const page = await context.newPage();
      await open(page, "lumen");
      await ask(page, "tell me everything");
      await expect.poll(() => lastOf(page, "assistant").getAttribute("data-state"), { timeout: 10_000 }).toBe("sent");
      await inWidget(page, '.sb-header button[aria-label="Talk to a person"]').click();
      await expect.poll(() => lastOf(page, "system").textContent(), { timeout: 10_000 }).toBe("Someone from our team will reply here, usually within 2 minutes.");
      await expect.poll(() => inView(page, '.sb-msg[data-role="system"]'), { timeout: 5_000 }).toBe(true);
      expect(await inWidget(page, '.sb-msg[data-role="system"]').count()).toBe(1);
      expect(await inWidget(page, ".sb-banner").count()).toBe(0);
      expect(await inWidget(page, '.sb-header button[aria-label="Talk to a person"]').count()).toBe(0);
      await context.close();
    });

    it(`nobody there: the email form comes into view; an identified visitor is not asked (${name})`, async () => {
      model.always(agent("[router]"), { text: LONG });
      const context = await browser.newContext(size);
      const page = await context.newPage();
      await open(page, "closedco");
      await ask(page, "a long answer first");
      await expect.poll(() => lastOf(page, "assistant").getAttribute("data-state"), { timeout: 10_000 }).toBe("sent");
      await inWidget(page, '.sb-header button[aria-label="Talk to a person"]').click();
      await expect.poll(() => inWidget(page, ".sb-lead").isVisible(), { timeout: 10_000 }).toBe(true);
      await expect.poll(() => inView(page, ".sb-lead"), { timeout: 5_000 }).toBe(true);
      expect(await inWidget(page, '.sb-msg[data-role="system"]').allTextContents()).toEqual(["Our team is away right now. Leave your email and we'll get back to you."]);
      expect(await inWidget(page, ".sb-banner").count()).toBe(0);
      expect(await axeViolations(page, "#switchboard-widget")).toEqual([]);
      await inWidget(page, "#sb-lead-email").fill("lee@example.com");
      await inWidget(page, ".sb-lead button").click();
      await expect.poll(() => lastOf(page, "system").textContent(), { timeout: 10_000 }).toBe("Thanks! We'll follow up at lee@example.com.");
      expect(await inWidget(page, ".sb-lead").count()).toBe(0);
      await context.close();

      // The site says who the visitor is: no form, the follow-up address instead.
      host.page(
        "/closedco-ident",
        embedPage(sb.url, "", `<script>window.Switchboard=window.Switchboard||function(){(Switchboard.q=Switchboard.q||[]).push(arguments)};Switchboard("identify",{userId:"u-9",name:"Ada",email:"ada@example.com"});</script>`, "closedco"),
      );
      const identified = await browser.newContext(size);
      const known = await identified.newPage();
      await open(known, "closedco-ident");
      await inWidget(known, '.sb-header button[aria-label="Talk to a person"]').click();
      await expect.poll(() => lastOf(known, "system").textContent(), { timeout: 10_000 }).toBe("Our team is away right now. We'll follow up at ada@example.com.");
      expect(await inWidget(known, ".sb-lead").count()).toBe(0);
      await identified.close();
    });
  }
});

describe("a page the site does not allow", () => {
  it("shows visitors nothing and tells the owner, in the console, which origin to allow", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(`${host.origin}/private`);
    await expect.poll(() => errors.find((e) => e.startsWith("Switchboard:")), { timeout: 10_000 }).toContain(`add ${host.origin} to the allowed origins of the site "private"`);
    expect(await page.locator("#switchboard-widget").count()).toBe(0);
    // No CORS error hides why: the refusal was readable.
    expect(errors.some((e) => /CORS/i.test(e))).toBe(false);
    await context.close();
  });
});

describe("long answers", () => {
  for (const [name, size] of SIZES) {
    it(`keep their thumbs in view when they are done (${name})`, async () => {
      model.always(agent("[router]"), { text: LONG.split(" ").map((w) => `${w} `), chunkDelayMs: 2 });
      const context = await browser.newContext(size);
      const page = await context.newPage();
      await open(page, "lumen");
      await ask(page, "the whole procedure please");
      await expect.poll(() => lastOf(page, "assistant").getAttribute("data-state"), { timeout: 20_000 }).toBe("sent");
      await expect.poll(() => inView(page, ".sb-meta"), { timeout: 5_000 }).toBe(true);
      expect(await inWidget(page, ".sb-meta .sb-rate").count()).toBe(2);
      await context.close();
    });
  }
});

describe("languages", () => {
  for (const [name, size] of SIZES) {
    it(`French: the owner's texts and every string in French, the automatic-answer label too (${name})`, async () => {
      const context = await browser.newContext({ ...size, locale: "fr-FR" });
      const page = await context.newPage();
      await open(page, "autofr");
      expect(await inWidget(page, ".sb-title").textContent()).toBe("Assistance Lumen Notes");
      expect(await inWidget(page, ".sb-subtitle").textContent()).toBe("Nous répondons vite");
      expect(await inWidget(page, ".sb-msg.sb-assistant").first().textContent()).toBe("Bonjour ! Comment pouvons-nous vous aider ?");
      expect(await inWidget(page, ".sb-chip").allTextContents()).toEqual(["Comment exporter mes notes ?"]);
      expect(await inWidget(page, "textarea").getAttribute("placeholder")).toBe("Écrivez votre message…");
      expect(await inWidget(page, ".sb-banner").textContent()).toBe("Réponses automatiques tirées de notre centre d'aide, sans modèle d'IA.");
      expect(await inWidget(page, ".sb-header button").evaluateAll((els) => els.map((e) => e.getAttribute("aria-label")))).toEqual(["Parler à une personne", "Fermer la discussion"]);
      if (name === "desktop") expect(await inWidget(page, ".sb-launcher").getAttribute("aria-label")).toBe("Fermer la discussion");
      await ask(page, "bonjour");
      await expect.poll(() => lastOf(page, "assistant").getAttribute("data-state"), { timeout: 10_000 }).toBe("sent");
      expect(await lastOf(page, "assistant").locator(".sb-badge-auto").textContent()).toBe("automatique");
      expect(await axeViolations(page, "#switchboard-widget")).toEqual([]);
      await context.close();
    });

    it(`Arabic: right to left, the owner's texts, and English isolated in its own direction (${name})`, async () => {
      model.always(agent("[router]"), { text: "Your order #1234 shipped (tracking: ABC-9)." });
      const context = await browser.newContext(size);
      const page = await context.newPage();
      await open(page, "lumenar");
      expect(await inWidget(page, ".sb-app").getAttribute("dir")).toBe("rtl");
      expect(await inWidget(page, ".sb-title").textContent()).toBe("دعم لومن");
      expect(await inWidget(page, ".sb-msg.sb-assistant").first().textContent()).toBe("مرحبًا! كيف يمكننا مساعدتك؟");
      expect(await inWidget(page, "textarea").getAttribute("placeholder")).toBe("اكتب رسالتك…");
      await ask(page, "where is my order?");
      await expect.poll(() => lastOf(page, "assistant").getAttribute("data-state"), { timeout: 10_000 }).toBe("sent");
      // An English reply keeps its own direction inside the right-to-left panel, so its
      // punctuation stays where it was written; the visitor's own words too.
      const direction = (role: string) => lastOf(page, role).locator('[dir="auto"]').evaluate((el) => getComputedStyle(el).direction);
      expect(await direction("assistant")).toBe("ltr");
      expect(await direction("user")).toBe("ltr");
      expect(await axeViolations(page, "#switchboard-widget")).toEqual([]);
      await context.close();
    });
  }

  it("a staff member's name is isolated from the Arabic text around it", async () => {
    model.always(agent("[router]"), { text: "Bot." });
    const context = await browser.newContext();
    const page = await context.newPage();
    await open(page, "lumenar");
    await ask(page, "hello");
    await expect.poll(() => lastOf(page, "assistant").getAttribute("data-state"), { timeout: 10_000 }).toBe("sent");
    const conversationId = await page.evaluate(() => (JSON.parse(localStorage.getItem("switchboard:lumenar") ?? "{}") as { conversationId: string }).conversationId);
    await addStaff(sb, "lumenar", "kim@lumenar.example", "Kim Lee");
    const kim = await staffLogin(sb, "kim@lumenar.example");
    expect((await kim.post(`/api/staff/conversations/${conversationId}/reply`, { text: "مرحبا" })).status).toBe(201);
    await expect.poll(() => inWidget(page, ".sb-banner bdi").textContent(), { timeout: 10_000 }).toBe("Kim Lee");
    expect(await lastOf(page, "human").locator(".sb-author bdi").textContent()).toBe("Kim Lee");
    await context.close();
  });
});

describe("attachments", () => {
  it("the visitor's screenshot is previewed in the widget and the inbox; the staff's PDF reaches the visitor", async () => {
    model.always(agent("[router]"), { text: "Bot." });
    const context = await browser.newContext();
    const page = await context.newPage();
    await open(page, "filesco");
    await inWidget(page, "input[type=file]").setInputFiles({ name: "screenshot.png", mimeType: "image/png", buffer: PNG });
    const preview = lastOf(page, "user").locator(".sb-image img");
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBe(1);
    expect(await preview.getAttribute("alt")).toBe("screenshot.png");
    expect(await preview.getAttribute("src")).toMatch(new RegExp(`^${sb.url}/api/files/c_[^/]+/att_[^?]+\\?exp=\\d+&sig=`));
    // The file's name is not said twice, and no bot turn was spent on a file without words.
    expect((await lastOf(page, "user").textContent())?.includes("📎")).toBe(false);
    expect(model.requests).toHaveLength(0);
    await inWidget(page, '.sb-header button[aria-label="Talk to a person"]').click();
    await expect.poll(() => lastOf(page, "system").count(), { timeout: 10_000 }).toBe(1);

    // Staff see the screenshot and send a PDF from the inbox.
    const inbox = await context.newPage();
    await inbox.goto(`${sb.url}/inbox`);
    await inbox.getByLabel("Email").fill("kim@filesco.example");
    await inbox.getByLabel("Password").fill(STAFF_PASSWORD);
    await inbox.getByRole("button", { name: "Sign in" }).click();
    await inbox.locator(".ib-row").first().click();
    const staffPreview = inbox.locator(".ib-file img");
    await expect.poll(() => staffPreview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBe(1);
    await inbox.locator(".ib-composer input[type=file]").setInputFiles({ name: "invoice.pdf", mimeType: "application/pdf", buffer: PDF });
    const file = lastOf(page, "human").locator(".sb-file");
    await expect.poll(() => file.textContent(), { timeout: 10_000 }).toContain("invoice.pdf");
    await expect.poll(() => file.getAttribute("href"), { timeout: 5_000 }).toMatch(new RegExp(`^${sb.url}/api/files/`));
    const download = await fetch((await file.getAttribute("href")) as string);
    expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="invoice.pdf"/);
    expect(await axeViolations(page, "#switchboard-widget")).toEqual([]);
    await context.close();
  });

  it("a file the widget cannot send is refused before it is uploaded, with a message", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await open(page, "lumen");
    const uploads: string[] = [];
    page.on("request", (r) => r.url().includes("/attachments") && uploads.push(r.url()));
    await inWidget(page, "input[type=file]").setInputFiles({ name: "page.html", mimeType: "text/html", buffer: Buffer.from("<script>alert(1)</script>") });
    await expect.poll(() => inWidget(page, ".sb-error").textContent()).toBe("Only images and PDF files up to 10 MB can be attached.");
    expect(uploads).toEqual([]);
    await context.close();
  });
});

describe("typing dots never stick", () => {
  const dots = (page: Page) => inWidget(page, ".sb-thinking").count();

  it("after a stop", async () => {
    model.on(agent("[router]"), { text: Array.from({ length: 40 }, (_, i) => `w${i} `), chunkDelayMs: 80 });
    const context = await browser.newContext();
    const page = await context.newPage();
    await open(page, "lumen");
    await ask(page, "stream");
    await expect.poll(() => inWidget(page, '[data-state="streaming"]').count(), { timeout: 10_000 }).toBe(1);
    await inWidget(page, ".sb-stop").click();
    await expect.poll(() => lastOf(page, "assistant").getAttribute("data-state"), { timeout: 10_000 }).toBe("sent");
    await expect.poll(() => inWidget(page, ".sb-stop").count()).toBe(0);
    expect(await dots(page)).toBe(0);
    await context.close();
  });

  it("after the model fails", async () => {
    model.on(agent("[router]"), { status: 400, error: "scripted failure" });
    const context = await browser.newContext();
    const page = await context.newPage();
    await open(page, "lumen");
    await ask(page, "this will fail");
    await expect.poll(() => lastOf(page, "assistant").textContent(), { timeout: 10_000 }).toContain("I ran into a problem");
    await expect.poll(() => dots(page)).toBe(0);
    expect(await inWidget(page, ".sb-stop").count()).toBe(0);
    await context.close();
  });

  it("after a handoff in the middle of a turn", async () => {
    model.on(agent("[router]"), { text: "Late bot words.", delayMs: 1500 });
    const context = await browser.newContext();
    const page = await context.newPage();
    await open(page, "lumen");
    await ask(page, "slow answer");
    await expect.poll(() => dots(page)).toBe(1);
    await inWidget(page, '.sb-header button[aria-label="Talk to a person"]').click();
    await expect.poll(() => lastOf(page, "system").textContent(), { timeout: 10_000 }).toContain("Someone from our team");
    expect(await dots(page)).toBe(0);
    expect(await inWidget(page, ".sb-stop").count()).toBe(0);
    await context.close();
  });

  it("across a reload in the middle of a turn: back while it works, gone when it is done", async () => {
    model.on(agent("[router]"), { text: "Worth the wait.", delayMs: 2500 });
    const context = await browser.newContext();
    const page = await context.newPage();
    await open(page, "lumen");
    await ask(page, "slow again");
    await expect.poll(() => dots(page)).toBe(1);
    await expect.poll(() => lastOf(page, "user").getAttribute("data-state"), { timeout: 10_000 }).toBe("sent");
    await page.reload();
    await inWidget(page, ".sb-launcher").click();
    // The server says a turn is running: the dots are back before any word arrives.
    await expect.poll(() => dots(page), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => lastOf(page, "assistant").textContent(), { timeout: 10_000 }).toContain("Worth the wait.");
    await expect.poll(() => dots(page), { timeout: 5_000 }).toBe(0);
    await context.close();
  });
});

describe("how was this conversation?", () => {
  async function resolvedConversation(page: Page) {
    model.always(agent("[router]"), { text: "Bot." });
    await open(page, "lumen");
    await ask(page, "I need help");
    await expect.poll(() => lastOf(page, "assistant").getAttribute("data-state"), { timeout: 10_000 }).toBe("sent");
    const conversationId = await page.evaluate(() => (JSON.parse(localStorage.getItem("switchboard:lumen") ?? "{}") as { conversationId: string }).conversationId);
    const kim = await staffLogin(sb, "kim@lumen.example");
    expect((await kim.post(`/api/staff/conversations/${conversationId}/claim`)).status).toBe(200);
    expect((await kim.post(`/api/staff/conversations/${conversationId}/resolve`)).status).toBe(200);
    return conversationId;
  }

  /** The CSAT endpoint is the insights engineer's (not on this branch): a stub records what the widget posts. */
  async function stubCsat(page: Page) {
    const posted: { url: string; body: unknown; auth: string | null }[] = [];
    await page.route("**/api/conversations/*/csat", async (route) => {
      const request = route.request();
      posted.push({ url: request.url(), body: request.postDataJSON(), auth: await request.headerValue("authorization") });
      await route.fulfill({ status: 201, contentType: "application/json", headers: { "access-control-allow-origin": "*" }, body: "{}" });
    });
    return posted;
  }

  for (const [name, size] of SIZES) {
    it(`asks once, when resolved: 1 to 5 and an optional comment (${name})`, async () => {
      const context = await browser.newContext(size);
      const page = await context.newPage();
      const posted = await stubCsat(page);
      const conversationId = await resolvedConversation(page);
      await expect.poll(() => inWidget(page, ".sb-csat").isVisible(), { timeout: 10_000 }).toBe(true);
      await expect.poll(() => inView(page, ".sb-csat"), { timeout: 5_000 }).toBe(true);
      expect(await axeViolations(page, "#switchboard-widget")).toEqual([]);
      await inWidget(page, '.sb-scale button[aria-label="4 – Good"]').click();
      await inWidget(page, "#sb-csat-c").fill("Quick and kind.");
      await inWidget(page, '.sb-csat button[type="submit"]').click();
      await expect.poll(() => inWidget(page, 'p.sb-system[role="status"]').textContent()).toBe("Thanks for your feedback!");
      expect(posted).toHaveLength(1);
      expect(posted[0]?.url).toBe(`${sb.url}/api/conversations/${conversationId}/csat`);
      expect(posted[0]?.body).toEqual({ rating: 4, comment: "Quick and kind." });
      expect(posted[0]?.auth).toMatch(/^Bearer v1\.lumen\./);
      await page.reload();
      await inWidget(page, ".sb-launcher").click();
      await expect.poll(() => inWidget(page, '.sb-msg[data-role="system"]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await inWidget(page, ".sb-csat").count()).toBe(0);
      await context.close();
    });
  }

  it("dismissed, it posts nothing and does not come back", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const posted = await stubCsat(page);
    await resolvedConversation(page);
    await expect.poll(() => inWidget(page, ".sb-csat").isVisible(), { timeout: 10_000 }).toBe(true);
    await inWidget(page, '.sb-csat button[aria-label="Dismiss"]').click();
    await expect.poll(() => inWidget(page, ".sb-csat").count()).toBe(0);
    await page.reload();
    await inWidget(page, ".sb-launcher").click();
    await expect.poll(() => inWidget(page, '.sb-msg[data-role="system"]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await inWidget(page, ".sb-csat").count()).toBe(0);
    expect(posted).toEqual([]);
    await context.close();
  });
});
