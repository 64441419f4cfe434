/**
 * The console at /admin in real Chromium, tried as a new site owner would (issue 12's
 * checks): sign in with the demo owner's login, create a second company's site from
 * nothing, brand it and watch the real widget's preview change before saving, add
 * knowledge from files (chosen and dropped) and from a URL, search it as the agents do,
 * create a router with a specialist and try the draft in the playground with its trace,
 * publish, copy the snippet onto a page of another origin and chat there, roll the agent
 * back, change a colour on a site with write-only secrets and find them intact, invite a
 * colleague, see an `agent`-role account refused — and the key flows again at phone width
 * (390×844) from sign-up. axe reports no serious or critical violation on any page.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, type HostPages, hostPages, launchChromium, SHADOW } from "./helpers/browser";
import { agent, ScriptedModel } from "./helpers/model-server";
import { ADMIN_TOKEN, STAFF_PASSWORD, startSwitchboard, type Switchboard } from "./helpers/switchboard";

const model = new ScriptedModel();
let sb: Switchboard;
let browser: Browser;
let host: HostPages;
let owner: BrowserContext;
let page: Page;
const violations: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  [host, browser] = await Promise.all([hostPages(), launchChromium(), model.start()]);
  // The host-page server is another origin: knowledge is fetched from it and the webhook posts to it.
  sb = await startSwitchboard({ seed: true, allowPrivate: [host.origin], vars: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: model.url, OPEN_SIGNUP: "1" } });
  host.page(
    "/acme/launch-faq.html",
    `<!doctype html><html lang="en"><head><title>Launch FAQ</title></head><body><nav>Home · Shop</nav><main><h1>Launch FAQ</h1><p>Our rockets launch from the Mojave pad every Tuesday at dawn. Spectators are welcome behind the fence.</p></main></body></html>`,
  );
  host.page("/hook", "ok");
  owner = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await owner.grantPermissions(["clipboard-read", "clipboard-write"], { origin: sb.url });
  page = await owner.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sb?.close();
  await host?.close();
  await model.stop();
});

/** axe on the page as it is now, remembered under `where`. */
async function axe(p: Page, where: string) {
  for (const v of await axeViolations(p)) violations.push(`${where}: ${v}`);
}

const heading = (p: Page) => p.locator("h1").first();
const go = async (p: Page, path: string, title: string | RegExp) => {
  await p.goto(`${sb.url}${path}`);
  await expect.poll(() => heading(p).textContent(), { timeout: 15_000 }).toMatch(title);
};
const navTo = async (p: Page, label: string, title: string | RegExp) => {
  await p.getByRole("navigation", { name: "Console" }).getByRole("link", { name: label, exact: true }).click();
  await expect.poll(() => heading(p).textContent(), { timeout: 15_000 }).toMatch(title);
};
const notice = (p: Page) => p.locator(".ad-notice");
const preview = (p: Page) => p.frameLocator("iframe.ad-preview-frame");
const stored = async (key: string) => (await sb.kv.get(`site:${key}`, "json")) as Record<string, any>;

async function signIn(p: Page, email: string, password: string) {
  await p.goto(`${sb.url}/admin`);
  await p.getByLabel("Email").fill(email);
  await p.getByLabel("Password").fill(password);
  await p.getByRole("button", { name: "Sign in" }).click();
}

/** A file dropped on an element, the way a browser delivers one from the desktop. */
async function dropFile(p: Page, selector: string, name: string, type: string, content: string) {
  const dataTransfer = await p.evaluateHandle(
    ([n, t, c]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([c as string], n as string, { type: t as string }));
      return dt;
    },
    [name, type, content],
  );
  await p.dispatchEvent(selector, "dragover", { dataTransfer });
  await p.dispatchEvent(selector, "drop", { dataTransfer });
}

describe("a new site owner, at desktop width", () => {
  it("signs in with the demo owner's login and sees the first-run checklist", { timeout: 120_000 }, async () => {
    await page.goto(`${sb.url}/admin`);
    await expect.poll(() => heading(page).textContent(), { timeout: 15_000 }).toBe("Sign in");
    await axe(page, "sign-in");
    await signIn(page, "alex@lumen.example", STAFF_PASSWORD);
    await expect.poll(() => heading(page).textContent(), { timeout: 15_000 }).toBe("Home");
    await expect.poll(() => page.locator(".ad-checklist .ad-step").count()).toBe(5);
    expect(await page.locator('[data-step="site"]').getAttribute("class")).toContain("ad-done");
    await axe(page, "home");
  });

  it("creates a second company's site from nothing (with its own assistant and collection)", { timeout: 120_000 }, async () => {
    await navTo(page, "Sites", "Sites");
    await axe(page, "sites");
    await page.getByRole("link", { name: "New site" }).click();
    await expect.poll(() => heading(page).textContent()).toBe("New site");
    await page.getByLabel("Site name").fill("Acme Rockets");
    expect(await page.getByLabel("Site key").inputValue()).toBe("acme-rockets");
    await page.getByLabel("Your website's address").fill(host.origin);
    await axe(page, "new site");
    // A bad key shows the server's message on the field and creates nothing.
    await page.getByLabel("Site key").fill("demo");
    await page.getByRole("button", { name: "Create site" }).click();
    await expect.poll(() => page.locator(".ad-field-error, .ad-error").first().textContent()).toMatch(/taken/);
    await page.getByLabel("Site key").fill("acme-rockets");
    await page.getByRole("button", { name: "Create site" }).click();
    await expect.poll(() => heading(page).textContent(), { timeout: 15_000 }).toBe("Acme Rockets");
    const site = await stored("acme-rockets");
    expect(site).toMatchObject({ orgId: "demo", entryAgent: "acme-rockets-assistant", allowedOrigins: [host.origin] });
    const assistant = (await (await sb.admin("/api/admin/orgs/demo/agents/acme-rockets-assistant")).json()) as { knowledge: string[] };
    expect(assistant.knowledge).toEqual(["acme-rockets-help"]);
  });

  it("brands it and watches the real widget's preview change before saving", { timeout: 120_000 }, async () => {
    const frame = preview(page);
    await expect.poll(() => frame.locator(`${SHADOW} .sb-title`).textContent(), { timeout: 15_000 }).toBe("Acme Rockets");
    // The preview frame has loaded everything it asks for (its config, the app, its strings)
    // before the owner starts typing: a late answer must not be what the test measures.
    await page.waitForLoadState("networkidle");
    await page.getByLabel("Title", { exact: true }).fill("Acme Rockets help");
    expect(await page.getByLabel("Title", { exact: true }).inputValue()).toBe("Acme Rockets help");
    await page.getByLabel("Colour", { exact: true }).fill("#e11d48");
    await page.getByLabel("Welcome message").fill("Ready for launch? Ask away.");
    // The preview shows it at once; nothing is saved yet.
    await expect.poll(() => frame.locator(`${SHADOW} .sb-title`).textContent()).toBe("Acme Rockets help");
    await expect.poll(() => frame.locator(SHADOW).evaluate((el) => (el as HTMLElement).style.getPropertyValue("--sb-primary"))).toBe("#e11d48");
    await expect.poll(() => frame.locator(`${SHADOW} .sb-welcome, ${SHADOW} .sb-log`).first().textContent()).toContain("Ready for launch?");
    expect((await stored("acme-rockets")).theme.title).toBe("Acme Rockets");
    await page.getByLabel("Assistant tone").selectOption("playful");
    await axe(page, "site: brand");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => page.locator(".ad-savebar").textContent()).toContain("All changes saved");
    const site = await stored("acme-rockets");
    expect(site.theme).toMatchObject({ title: "Acme Rockets help", primaryColor: "#e11d48", welcome: "Ready for launch? Ask away." });
    expect(site.tone).toBe("playful");

    // Texts for French visitors, and the preview as one.
    await page.getByRole("tab", { name: "Texts" }).click();
    await page.getByLabel("Add a language").fill("fr");
    await page.getByRole("button", { name: "Add language" }).click();
    await page.getByLabel("Title (fr)", { exact: true }).fill("Aide Acme");
    await axe(page, "site: texts");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(async () => (await stored("acme-rockets")).texts).toEqual({ fr: { title: "Aide Acme" } });

    // Keyboard: the tabs move with the arrow keys.
    await page.getByRole("tab", { name: "Texts" }).focus();
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => page.getByRole("tab", { name: "Behaviour" }).getAttribute("aria-selected")).toBe("true");
    await axe(page, "site: behaviour");
  });

  it("adds knowledge from files (chosen and dropped) and from a URL, and searches it as the agents do", { timeout: 120_000 }, async () => {
    await navTo(page, "Knowledge", "Knowledge");
    await axe(page, "knowledge");
    await page.locator(".ad-cards").getByRole("link", { name: "Acme Rockets help", exact: true }).click();
    await expect.poll(() => heading(page).textContent()).toBe("Acme Rockets help");
    await expect.poll(() => page.locator(".ad-empty").first().textContent()).toContain("No document");
    await page.locator("#ad-file-input").setInputFiles({
      name: "refund-policy.md",
      mimeType: "text/markdown",
      buffer: Buffer.from("# Refund policy\n\nA scrubbed launch is refunded in full within 10 days. Weather delays are not refunds: we rebook you."),
    });
    await expect.poll(() => page.locator('.ad-files li[data-status="done"]').count(), { timeout: 15_000 }).toBe(1);
    await dropFile(page, ".ad-drop", "payload-limits.txt", "text/plain", "Each passenger may bring 5 kg of personal payload in the cabin.");
    await expect.poll(() => page.locator('.ad-files li[data-status="done"]').count(), { timeout: 15_000 }).toBe(2);
    // A PDF goes to the ingestion service, whose progress (or absence) is said plainly.
    await page.locator("#ad-file-input").setInputFiles({ name: "manual.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF") });
    await expect.poll(() => page.locator(".ad-files li").filter({ hasText: "manual.pdf" }).textContent(), { timeout: 15_000 }).toMatch(/cannot read \.pdf files yet|queued|running|done|failed/);
    await axe(page, "collection: files");

    await page.getByRole("tab", { name: "Web page" }).click();
    await page.getByLabel("Page URL").fill(`${host.origin}/acme/launch-faq.html`);
    await page.getByRole("button", { name: "Fetch page" }).click();
    await expect.poll(() => page.locator(".ad-ok").textContent(), { timeout: 15_000 }).toContain("1 page added");
    await expect.poll(() => page.locator('table[data-table="documents"] tbody tr').count()).toBe(3);
    expect(await page.locator('table[data-table="documents"]').textContent()).toContain("Launch FAQ");

    await page.getByLabel("A visitor's question").fill("when do rockets launch?");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect.poll(() => page.locator(".ad-hits li").first().textContent()).toContain("Launch FAQ");
    await axe(page, "collection: search");

    // A document: its chunks and who reads it.
    await page.locator(".ad-hits li").first().getByRole("link", { name: "Launch FAQ" }).click();
    await expect.poll(() => heading(page).textContent()).toBe("Launch FAQ");
    expect(await page.locator(".ad-chunks").textContent()).toContain("Mojave pad");
    expect(await page.locator(".ad-facts").textContent()).toContain("Acme Rockets Assistant");
    await axe(page, "document");
  });

  it("creates a router with a specialist and tries the draft in the playground, with the trace", { timeout: 120_000 }, async () => {
    await navTo(page, "Agents", "Agents");
    await page.getByRole("link", { name: "New agent" }).click();
    await expect.poll(() => heading(page).textContent()).toBe("New agent");
    await page.getByLabel("Name").fill("Acme Billing");
    await page.getByLabel("What it does").fill("Refunds, invoices and payments for Acme Rockets.");
    await page.getByLabel("Instructions").fill("You are [acme-billing]. Answer billing questions.");
    await axe(page, "new agent");
    await page.getByRole("button", { name: "Create agent" }).click();
    await expect.poll(() => heading(page).textContent(), { timeout: 15_000 }).toBe("Acme Billing");

    await go(page, "/admin/orgs/demo/agents/acme-rockets-assistant", "Acme Rockets Assistant");
    await page.getByLabel("Instructions").fill("You are [acme-router]. Send billing questions to acme-billing.");
    await page.getByRole("group", { name: "Delegates to" }).getByLabel("Acme Billing (acme-billing)").check();
    await axe(page, "agent");
    // A bad value: the server's message lands on its field.
    await page.getByLabel("Model family").selectOption("anthropic");
    await page.getByLabel("Model name").fill("");
    await page.getByRole("button", { name: "Save draft" }).click();
    await expect.poll(() => page.locator(".ad-field-error").first().textContent()).toContain("the anthropic family needs a model name");
    await page.getByLabel("Model family").selectOption("openai");
    await page.getByRole("button", { name: "Save draft" }).click();
    await expect.poll(() => notice(page).textContent()).toContain("Draft saved");
    // Visitors still get v1.
    expect(((await (await sb.admin("/api/admin/orgs/demo/agents/acme-rockets-assistant")).json()) as { version: number; delegates: string[] }).delegates).toEqual([]);

    model.on(agent("[acme-router]"), { toolCalls: [{ id: "pg1", name: "delegate", arguments: { agent: "acme-billing", prompt: "Is a scrubbed launch refunded?" } }] }, { text: "Yes: a scrubbed launch is refunded in full." });
    model.on(agent("[acme-billing]"), { text: "Refunded in full within 10 days." });
    await page.getByRole("link", { name: "Try in playground" }).click();
    await expect.poll(() => heading(page).textContent()).toBe("Playground");
    expect(await page.getByLabel("Site").inputValue()).toBe("acme-rockets");
    await page.getByLabel("Message").fill("Do I get my money back if the launch is scrubbed?");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator('.ad-msg[data-role="assistant"]').last().textContent(), { timeout: 20_000 }).toContain("refunded in full");
    // The trace: a delegation, and both agents with their tokens.
    await expect.poll(() => page.locator('.ad-tree [data-kind="delegation"]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.locator('.ad-trace tr[data-agent="acme-billing"]').count()).toBe(1);
    expect(await page.locator('.ad-trace tr[data-agent="acme-rockets-assistant"]').count()).toBe(1);
    await axe(page, "playground");
  });

  it("publishes, copies the snippet onto a page of another origin and chats there", { timeout: 120_000 }, async () => {
    await go(page, "/admin/orgs/demo/agents/acme-rockets-assistant", "Acme Rockets Assistant");
    await page.getByRole("button", { name: "Publish" }).click();
    await expect.poll(() => notice(page).textContent()).toContain("Published");
    const published = (await (await sb.admin("/api/admin/orgs/demo/agents/acme-rockets-assistant")).json()) as { version: number; delegates: string[] };
    expect(published).toMatchObject({ version: 2, delegates: ["acme-billing"] });
    // The picture shows the new delegation.
    await navTo(page, "Agents", "Agents");
    await expect.poll(() => page.locator('[data-edge="acme-rockets-assistant>acme-billing"]').count()).toBe(1);
    await axe(page, "agents");

    await go(page, "/admin/orgs/demo/sites/acme-rockets?tab=embed", "Acme Rockets");
    await axe(page, "site: embed");
    await page.getByRole("button", { name: "Copy snippet" }).click();
    const snippet = await page.evaluate(() => navigator.clipboard.readText());
    expect(snippet).toBe(`<script src="${sb.url}/widget.js" data-site-key="acme-rockets" async></script>`);
    expect(await page.locator("#ad-snippet").textContent()).toBe(snippet);
    host.page("/acme", `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme Rockets</title></head><body><main><h1>Acme Rockets</h1></main>${snippet}</body></html>`);

    model.on(agent("[acme-router]"), { text: "Launches are every Tuesday at dawn." });
    const visitorContext = await browser.newContext();
    const visitor = await visitorContext.newPage();
    await visitor.goto(`${host.origin}/acme`);
    await visitor.locator(`${SHADOW} .sb-launcher`).click();
    await expect.poll(() => visitor.locator(`${SHADOW} .sb-title`).textContent()).toBe("Acme Rockets help");
    await visitor.locator(`${SHADOW} textarea`).fill("When do you launch?");
    await visitor.locator(`${SHADOW} textarea`).press("Enter");
    await expect.poll(() => visitor.locator(`${SHADOW} .sb-msg[data-role="assistant"]`).last().textContent(), { timeout: 20_000 }).toContain("every Tuesday");
    await visitorContext.close();

    // It is in the conversations, with its transcript and trace.
    await navTo(page, "Conversations", "Conversations");
    await page.getByLabel("Site").selectOption("acme-rockets");
    await expect.poll(() => page.locator("table.ad-table tbody tr").count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const today = new Date().toISOString().slice(0, 10);
    await page.getByLabel("From").fill(today);
    await expect.poll(() => page.locator("table.ad-table tbody tr").filter({ hasText: "Tuesday" }).count()).toBe(1);
    await axe(page, "conversations");
    await page.locator("table.ad-table tbody tr").filter({ hasText: "Tuesday" }).getByRole("link").click();
    await expect.poll(() => page.locator('.ad-msg[data-role="user"]').first().textContent(), { timeout: 15_000 }).toContain("When do you launch?");
    await expect.poll(() => page.locator(".ad-tree .ad-span").count()).toBeGreaterThan(0);
    await axe(page, "conversation");
  });

  it("rolls the agent back with the diff in view", { timeout: 120_000 }, async () => {
    await go(page, "/admin/orgs/demo/agents/acme-rockets-assistant?tab=versions", "Acme Rockets Assistant");
    await expect.poll(() => page.locator(".ad-diff-added").count()).toBeGreaterThan(0);
    expect(await page.locator(".ad-diff").textContent()).toContain("[acme-router]");
    await axe(page, "agent: versions");
    await page.getByRole("button", { name: "Roll back to v1" }).click();
    await expect.poll(() => notice(page).textContent()).toContain("Rolled back");
    const current = (await (await sb.admin("/api/admin/orgs/demo/agents/acme-rockets-assistant")).json()) as { version: number; delegates: string[]; instructions: string };
    expect(current.version).toBe(3);
    expect(current.delegates).toEqual([]);
    expect(current.instructions).not.toContain("[acme-router]");
  });

  it("changes a colour on a site that has write-only secrets, and finds them intact", { timeout: 120_000 }, async () => {
    await go(page, "/admin/orgs/demo/sites/acme-rockets?tab=embed", "Acme Rockets");
    await page.getByRole("button", { name: "Generate" }).click();
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => page.locator(".ad-savebar").textContent()).toContain("All changes saved");
    await page.getByRole("tab", { name: "Webhook" }).click();
    await page.getByLabel("Send events to a webhook").check();
    await page.getByLabel("Webhook URL").fill(`${host.origin}/hook`);
    await page.getByRole("button", { name: "Generate" }).click();
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => page.locator(".ad-savebar").textContent()).toContain("All changes saved");
    const withSecrets = await stored("acme-rockets");
    expect(withSecrets.identitySecret).toMatch(/^[0-9a-f]{48}$/);
    expect(withSecrets.webhook).toMatchObject({ url: `${host.origin}/hook`, secret: expect.stringMatching(/^[0-9a-f]{48}$/) });
    // The test event, and its delivery listed with its status.
    await page.getByRole("button", { name: "Send test event" }).click();
    await expect.poll(() => page.locator('tr[data-status="delivered"]').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await axe(page, "site: webhook");

    await page.getByRole("tab", { name: "Brand" }).click();
    await page.getByLabel("Colour", { exact: true }).fill("#0ea5e9");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => page.locator(".ad-savebar").textContent()).toContain("All changes saved");
    const after = await stored("acme-rockets");
    expect(after.theme.primaryColor).toBe("#0ea5e9");
    expect(after.identitySecret).toBe(withSecrets.identitySecret);
    expect(after.webhook).toEqual(withSecrets.webhook);
  });

  it("budgets, secrets, leads and people: the rest of the console", { timeout: 120_000 }, async () => {
    await navTo(page, "Budgets", "Budgets");
    await page.getByLabel("Token limit").fill("500000");
    await page.getByRole("button", { name: "Add rule" }).click();
    await expect.poll(() => page.locator('.ad-budgets [role="meter"]').count()).toBe(1);
    await axe(page, "budgets");

    await navTo(page, "Secrets", "Secrets");
    await page.getByLabel("Name").fill("ACME_API_KEY");
    await page.getByLabel("Value").fill("acme-secret-value-123");
    await page.getByRole("button", { name: "Save secret" }).click();
    await expect.poll(() => page.locator("table.ad-table").textContent()).toContain("ACME_API_KEY");
    expect(await page.content()).not.toContain("acme-secret-value-123");
    await axe(page, "secrets");

    await navTo(page, "Leads", "Leads");
    await axe(page, "leads");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
    expect(download.suggestedFilename()).toBe("leads-demo.csv");

    await navTo(page, "People", "People");
    await page.getByLabel("Role").selectOption("admin");
    await page.getByRole("button", { name: "Create invitation link" }).click();
    const link = (await page.locator("#ad-invite-link").textContent()) ?? "";
    expect(link).toMatch(new RegExp(`^${sb.url}/admin/invite#sbi_`));
    await axe(page, "people");
    const invitee = await browser.newContext();
    const joining = await invitee.newPage();
    await joining.goto(link);
    await expect.poll(() => joining.locator("main").textContent(), { timeout: 15_000 }).toContain("as an admin");
    await axe(joining, "invite");
    await joining.getByLabel("Your name").fill("Robin");
    await joining.getByLabel("Email").fill("robin@lumen.example");
    await joining.getByLabel("Password").fill("a-long-passphrase-of-mine");
    await joining.getByRole("button", { name: "Join" }).click();
    await expect.poll(() => heading(joining).textContent(), { timeout: 15_000 }).toBe("Home");
    // An admin: no secrets in the navigation.
    expect(await joining.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Secrets" }).count()).toBe(0);
    // The link works once.
    const again = await browser.newContext();
    const second = await again.newPage();
    await second.goto(link);
    await expect.poll(() => second.locator(".ad-error").textContent(), { timeout: 15_000 }).toContain("not valid");
    await Promise.all([invitee.close(), again.close()]);

    await page.getByRole("link", { name: "Alex" }).click();
    await expect.poll(() => heading(page).textContent()).toBe("Account");
    await axe(page, "account");
  });

  it("an agent-role account is refused the console, with the way to the inbox", { timeout: 120_000 }, async () => {
    const context = await browser.newContext();
    const sam = await context.newPage();
    await signIn(sam, "sam@lumen.example", STAFF_PASSWORD);
    await expect.poll(() => heading(sam).textContent(), { timeout: 15_000 }).toBe("The console is for owners and admins");
    expect(await sam.getByRole("link", { name: "Open the inbox" }).getAttribute("href")).toBe("/inbox");
    await axe(sam, "agent refused");
    // Deep links too.
    await sam.goto(`${sb.url}/admin/orgs/demo/secrets`);
    await expect.poll(() => heading(sam).textContent(), { timeout: 15_000 }).toBe("The console is for owners and admins");
    await context.close();
  });
});

describe("the same flows at phone width (390×844)", () => {
  it("signs a new company up, creates and brands its site, adds knowledge and tries it", { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const phone = await context.newPage();
    phone.on("pageerror", (e) => pageErrors.push(e.message));
    const fits = () => phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
    await phone.goto(`${sb.url}/admin`);
    await phone.getByRole("link", { name: "Create an account for your company" }).click();
    await expect.poll(() => heading(phone).textContent()).toBe("Create an account");
    await axe(phone, "phone: sign-up");
    await phone.getByLabel("Company").fill("Bolt Bikes");
    await phone.getByLabel("Your name").fill("Bea");
    await phone.getByLabel("Email").fill("bea@bolt.example");
    await phone.getByLabel("Password").fill("password123");
    await phone.getByRole("button", { name: "Create account" }).click();
    // The server's own words, on the field.
    await expect.poll(() => phone.locator(".ad-field-error").first().textContent()).toMatch(/password/i);
    await phone.getByLabel("Password").fill("long-phrase-for-bikes");
    await phone.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => heading(phone).textContent(), { timeout: 15_000 }).toBe("Home");
    await expect.poll(() => phone.locator(".ad-step.ad-done").count()).toBe(0);
    expect(await fits()).toBe(true);
    await axe(phone, "phone: home");

    await phone.locator('[data-step="site"]').getByRole("link", { name: "Create a site" }).click();
    await expect.poll(() => heading(phone).textContent()).toBe("New site");
    await phone.getByLabel("Site name").fill("Bolt Bikes");
    await phone.getByLabel("Your website's address").fill(host.origin);
    await phone.getByRole("button", { name: "Create site" }).click();
    await expect.poll(() => heading(phone).textContent(), { timeout: 15_000 }).toBe("Bolt Bikes");
    await phone.getByLabel("Title", { exact: true }).fill("Bolt Bikes service");
    await expect.poll(() => preview(phone).locator(`${SHADOW} .sb-title`).textContent(), { timeout: 15_000 }).toBe("Bolt Bikes service");
    await phone.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => phone.locator(".ad-savebar").textContent()).toContain("All changes saved");
    expect(await fits()).toBe(true);
    await axe(phone, "phone: site");
    // The snippet and the signing one-liners scroll inside their boxes, not the page.
    await phone.getByRole("tab", { name: "Embed" }).click();
    await expect.poll(() => phone.locator("#ad-snippet").textContent()).toContain('data-site-key="bolt-bikes"');
    expect(await fits()).toBe(true);

    // The menu folds away at this width.
    await phone.getByRole("button", { name: "Menu" }).click();
    await navTo(phone, "Knowledge", "Knowledge");
    await phone.locator(".ad-cards").getByRole("link", { name: "Bolt Bikes help", exact: true }).click();
    await expect.poll(() => heading(phone).textContent()).toBe("Bolt Bikes help");
    await phone.getByRole("tab", { name: "Paste text" }).click();
    await phone.getByLabel("Title", { exact: true }).fill("Opening hours");
    await phone.getByLabel("Text", { exact: true }).fill("# Opening hours\n\nThe workshop is open Monday to Saturday, 8 am to 6 pm.");
    await phone.getByRole("button", { name: "Add document" }).click();
    await expect.poll(() => phone.locator("table.ad-table").textContent(), { timeout: 15_000 }).toContain("Opening hours");
    expect(await fits()).toBe(true);
    await axe(phone, "phone: collection");

    model.on(agent("Bolt Bikes's website"), { text: "The workshop is open Monday to Saturday." });
    await phone.getByRole("button", { name: "Menu" }).click();
    await navTo(phone, "Playground", "Playground");
    await phone.getByLabel("Message").fill("When are you open?");
    await phone.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => phone.locator('.ad-msg[data-role="assistant"]').last().textContent(), { timeout: 20_000 }).toContain("Monday to Saturday");
    await expect.poll(() => phone.locator(".ad-tree .ad-span").count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await fits()).toBe(true);
    await axe(phone, "phone: playground");

    // Only its own org: the demo's pages are not found.
    await phone.goto(`${sb.url}/admin/orgs/demo/sites`);
    await expect.poll(() => heading(phone).textContent(), { timeout: 15_000 }).toBe("Not found");
    await context.close();
  });
});

describe("a platform operator", () => {
  it("signs in with ADMIN_TOKEN, kept in this tab only, and switches between orgs by keyboard", { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const op = await context.newPage();
    await op.goto(`${sb.url}/admin`);
    await op.getByText("Platform operator? Use an admin token").click();
    await op.getByLabel("Admin token").fill("not-the-token-at-all");
    await op.getByRole("button", { name: "Use token" }).click();
    await expect.poll(() => op.locator(".ad-error").textContent()).toContain("not valid");
    await op.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await op.getByRole("button", { name: "Use token" }).click();
    await expect.poll(() => heading(op).textContent(), { timeout: 15_000 }).toBe("Home");
    expect(await op.evaluate(() => ({ session: Object.keys(sessionStorage), local: Object.keys(localStorage), cookie: document.cookie }))).toEqual({
      session: ["switchboard.adminToken"],
      local: [],
      cookie: "",
    });
    // Every org is there (the demo's and the one signed up at phone width): the org picker, by keyboard.
    const picker = op.getByLabel("Org", { exact: true });
    expect(await picker.locator("option").count()).toBeGreaterThan(1);
    await picker.focus();
    await op.keyboard.press("End");
    await expect.poll(() => op.url()).not.toBe(`${sb.url}/admin/orgs/demo`);
    await expect.poll(() => heading(op).textContent()).toBe("Home");
    await axe(op, "operator: another org");
    // Signing out forgets the token.
    await op.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => heading(op).textContent()).toBe("Sign in");
    expect(await op.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    await context.close();
  });
});

describe("what every page showed", () => {
  it("axe found no serious or critical violation, and no page threw", () => {
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

