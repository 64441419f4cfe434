/**
 * The inbox as a support team uses it, in Chromium: two agents hand a conversation between
 * them (reassign, presence, take over) while the visitor watches in the widget; a canned
 * reply inserted with its shortcut; labels and the filter bar; search; identified and
 * anonymous visitors told apart; keyboard shortcuts and their help; the details panel
 * beside the transcript; and the whole inbox on a phone. axe on every view.
 */
import { createHmac } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { axeViolations, embedPage, type HostPages, SHADOW } from "./helpers/browser";
import { useBrowser, useScriptedSwitchboard } from "./helpers/fixtures";
import { agent } from "./helpers/model-server";
import { addStaff, LOCAL_ORIGIN, send, setupOrg, STAFF_PASSWORD, type Switchboard, testAgent } from "./helpers/switchboard";

const scripted = useScriptedSwitchboard();
const chrome = useBrowser();
const model = scripted.model;
let sb: Switchboard;
let browser: Browser;
let host: HostPages;
const SECRET = "identity-secret-0123456789";
const DESK = { width: 1280, height: 820 };
const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
  ({ sb } = scripted);
  ({ browser, host } = chrome);
  await setupOrg(sb, "crew", [testAgent("router")]);
  await setupOrg(sb, "crew-app", [], "router", { orgId: "crew", identitySecret: SECRET });
  await addStaff(sb, "crew", "alex@crew.example", "Alex");
  await addStaff(sb, "crew", "sam@crew.example", "Sam");
  const admin = (path: string, body: unknown) => sb.admin(`/api/admin/orgs/crew/${path}`, { method: "POST", body: JSON.stringify(body) });
  await admin("canned-replies", { shortcut: "refund", title: "Refund on its way", text: "Your refund is on its way: 3-5 working days." });
  await admin("canned-replies", { shortcut: "hello", title: "Greeting", text: "Hi! How can I help?" });
  await admin("labels", { name: "refund", color: "red" });
  await admin("labels", { name: "bug", color: "blue" });
  await admin("teams", { id: "billing", name: "Billing", memberIds: ["st_samcrewexample"] });
  host.page("/", embedPage(sb.url, "", "", "crew"));
});

const w = (page: Page, selector: string) => page.locator(`${SHADOW} ${selector}`);

async function signIn(page: Page, email: string) {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${sb.url}/inbox`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(STAFF_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.locator(".ib-live").textContent()).toBe("Live");
  return errors;
}

async function staffPage(email: string, viewport = DESK) {
  const context = await browser.newContext({ viewport, ...(viewport === PHONE ? { isMobile: true, hasTouch: true } : {}) });
  const page = await context.newPage();
  const errors = await signIn(page, email);
  return { context, page, errors };
}

/** A conversation started over the API (as the widget would), optionally handed to a person. */
async function conversation(site: string, body: Record<string, unknown>, text: string, handoff = false) {
  const res = await sb.fetch(`/api/sites/${site}/conversations`, { method: "POST", headers: { origin: LOCAL_ORIGIN, "content-type": "application/json" }, body: JSON.stringify(body) });
  const started = (await res.json()) as { conversationId: string; token: string };
  const conv = { id: started.conversationId, token: started.token };
  await send(sb, conv, text);
  if (handoff) await sb.fetch(`/api/conversations/${conv.id}/handoff`, { method: "POST", headers: { authorization: `Bearer ${conv.token}` } });
  return conv;
}

const row = (page: Page, id: string) => page.locator(`.ib-row[data-id="${id}"]`);

describe("two agents and a visitor", () => {
  it("Alex claims, reassigns to Sam (the visitor is told), Sam answers with a canned reply, goes away, and Alex takes over", async () => {
    model.always(agent("[router]"), { text: "Bot here." });
    const visitorContext = await browser.newContext();
    const visitor = await visitorContext.newPage();
    const alex = await staffPage("alex@crew.example");
    const sam = await staffPage("sam@crew.example");
    expect(await axeViolations(alex.page)).toEqual([]);

    await visitor.goto(`${host.origin}/`);
    await w(visitor, ".sb-launcher").click();
    await w(visitor, "textarea").fill("I was charged twice");
    await w(visitor, "textarea").press("Enter");
    await expect.poll(() => w(visitor, '.sb-msg[data-role="assistant"]').last().textContent(), { timeout: 10_000 }).toContain("Bot here.");
    await w(visitor, '.sb-header button[aria-label="Talk to a person"]').click();

    // Alex claims it.
    const waiting = alex.page.locator(".ib-row").filter({ hasText: "waiting" }).first();
    await waiting.click();
    await alex.page.getByRole("button", { name: "Claim", exact: true }).click();
    await expect.poll(() => w(visitor, ".sb-banner").first().textContent(), { timeout: 10_000 }).toContain("You're now chatting with Alex");

    // Alex hands it to Sam: the visitor is told, Sam's inbox shows it as his, live.
    await alex.page.getByRole("button", { name: "Reassign" }).click();
    const menu = alex.page.getByRole("dialog", { name: "Reassign" });
    await expect.poll(() => menu.textContent()).toContain("Sam");
    expect(await axeViolations(alex.page)).toEqual([]);
    await menu.getByRole("button", { name: /Sam/ }).click();
    await expect.poll(() => w(visitor, ".sb-banner").first().textContent(), { timeout: 10_000 }).toContain("You're now chatting with Sam");
    await expect.poll(() => w(visitor, ".sb-log").textContent()).toContain("Sam joined the conversation.");
    await expect.poll(() => sam.page.locator(".ib-tabs button").filter({ hasText: "Mine" }).textContent()).toContain("1");
    await expect.poll(() => alex.page.locator(".ib-conv-head").textContent()).toContain("Take over");

    // Sam answers with a canned reply: "#ref", Enter inserts it, Ctrl+Enter sends.
    await sam.page.locator(".ib-tabs button").filter({ hasText: "Mine" }).click();
    await sam.page.locator(".ib-row").first().click();
    const box = sam.page.locator("#ib-draft");
    await expect.poll(() => box.getAttribute("placeholder")).toBe("Reply to the visitor (Markdown)…");
    await box.click();
    await box.pressSequentially("Thanks for waiting. #ref");
    const options = sam.page.getByRole("listbox", { name: "Canned replies" }).getByRole("option");
    await expect.poll(() => options.count()).toBe(1);
    expect(await options.first().textContent()).toContain("#refund");
    expect(await box.getAttribute("aria-activedescendant")).toBe("ib-canned-0");
    expect(await axeViolations(sam.page)).toEqual([]);
    await box.press("Enter");
    expect(await box.inputValue()).toBe("Thanks for waiting. Your refund is on its way: 3-5 working days.");
    await box.press("Control+Enter");
    const staffReply = w(visitor, '.sb-msg[data-role="human"]').last();
    await expect.poll(() => staffReply.textContent(), { timeout: 10_000 }).toContain("Your refund is on its way");
    expect(await staffReply.locator(".sb-author").textContent()).toBe("Sam");

    // Sam steps away; now Alex (an agent too) may take it back.
    await sam.page.getByRole("button", { name: "Available" }).click();
    await expect.poll(() => sam.page.locator(".ib-presence").textContent()).toBe("Away");
    await alex.page.getByRole("button", { name: "Take over", exact: true }).click();
    await expect.poll(() => w(visitor, ".sb-banner").first().textContent(), { timeout: 10_000 }).toContain("You're now chatting with Alex");
    await expect.poll(() => sam.page.locator(".ib-tabs button").filter({ hasText: "Mine" }).textContent()).toContain("0");

    // Alex labels it, and the label filter finds it.
    const details = alex.page.getByRole("button", { name: "Details", exact: true });
    if ((await details.getAttribute("aria-pressed")) !== "true") await details.click();
    await alex.page.getByRole("group", { name: "Labels" }).getByRole("button", { name: "refund" }).click();
    await expect.poll(() => alex.page.getByRole("group", { name: "Labels" }).getByRole("button", { name: "refund" }).getAttribute("aria-pressed")).toBe("true");
    await alex.page.getByLabel("Label", { exact: true }).selectOption("refund");
    await expect.poll(() => alex.page.locator(".ib-row").count()).toBe(1);
    expect(await alex.page.locator(".ib-row .ib-label").textContent()).toBe("refund");
    expect(await axeViolations(alex.page)).toEqual([]);

    expect([...alex.errors, ...sam.errors]).toEqual([]);
    for (const c of [visitorContext, alex.context, sam.context]) await c.close();
  }, 90_000);
});

describe("finding and working through the queue", () => {
  it("search marks what matched; verified, unverified and anonymous visitors are told apart; shortcuts drive the queue", async () => {
    model.always(agent("[router]"), { text: "The bot answered." });
    const sig = createHmac("sha256", SECRET).update("u-ada\nada@example.com").digest("hex");
    const ada = await conversation("crew-app", { identity: { userId: "u-ada", name: "Ada Lovelace", email: "ada@example.com", signature: sig } }, "My invoice shows a wrong amount", true);
    const claimed = await conversation("crew", { identity: { userId: "u-x", name: "Claimed Name" } }, "Export to PDF is broken", true);
    const anon = await conversation("crew", { visitorId: "vis_anon_000111" }, "Where is the pricing page?", true);
    const { context, page, errors } = await staffPage("alex@crew.example");
    await page.getByRole("button", { name: /^Waiting/ }).click();

    // Who is who.
    await expect.poll(() => row(page, anon.id).count()).toBe(1);
    expect(await row(page, ada.id).locator(".ib-who").textContent()).toBe("Ada Lovelace");
    expect(await row(page, ada.id).locator(".ib-id").count()).toBe(0);
    expect(await row(page, claimed.id).locator(".ib-id").textContent()).toBe("unverified");
    expect(await row(page, anon.id).locator(".ib-who").textContent()).toMatch(/^Visitor #[0-9a-f]{4}$/);
    expect(await row(page, anon.id).locator(".ib-id").textContent()).toBe("anonymous");

    // Search ("/" focuses it): the passage that matched, marked.
    await page.locator("body").press("/");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("ib-search");
    await page.keyboard.type("invoice");
    await expect.poll(() => page.locator(".ib-row").count()).toBe(1);
    expect(await page.locator(".ib-row mark").first().textContent()).toBe("invoice");
    expect(await row(page, ada.id).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator(".ib-row").count()).toBeGreaterThanOrEqual(3);
    await page.locator("#ib-search").blur();

    // j / k move through the queue and open the conversation.
    const ids = await page.locator(".ib-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));
    await page.locator("body").press("j");
    await expect.poll(() => page.locator(".ib-row.ib-selected").getAttribute("data-id")).toBe(ids[0]);
    await page.locator("body").press("j");
    await expect.poll(() => page.locator(".ib-row.ib-selected").getAttribute("data-id")).toBe(ids[1]);
    await page.locator("body").press("k");
    await expect.poll(() => page.locator(".ib-row.ib-selected").getAttribute("data-id")).toBe(ids[0]);
    await expect.poll(() => page.locator(".ib-conv-head h2").textContent()).toBeTruthy();

    // c claims, r goes to the reply box, Escape leaves it, e resolves.
    await page.locator("body").press("c");
    await expect.poll(() => page.locator(".ib-sub").textContent()).toContain("with Alex");
    await page.locator("body").press("r");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("ib-draft");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).not.toBe("ib-draft");
    await page.locator("body").press("e");
    await expect.poll(() => page.locator(".ib-sub .ib-status").textContent()).toBe("resolved");
    // A resolved conversation does not say replying claims it.
    const placeholder = await page.locator("#ib-draft").getAttribute("placeholder");
    expect(placeholder).toBe("Resolved. Replying reopens it with you…");
    expect(placeholder).not.toContain("claims");

    // ? shows every shortcut; Escape closes it.
    await page.locator("body").press("?");
    const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await expect.poll(() => help.isVisible()).toBe(true);
    for (const text of ["Next conversation", "Claim (or take over)", "Resolve", "Insert a canned reply", "Search conversations"]) expect(await help.textContent()).toContain(text);
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await expect.poll(() => help.count()).toBe(0);

    // # in the queue goes to the reply box with canned replies open.
    await page.locator("body").press("#");
    await expect.poll(() => page.getByRole("listbox", { name: "Canned replies" }).getByRole("option").count()).toBe(2);
    await page.keyboard.press("Escape");

    // The handoff summary goes when the conversation is back with the bot.
    await page.getByRole("button", { name: "All", exact: true }).click();
    await row(page, anon.id).click();
    await expect.poll(() => page.locator(".ib-summary").textContent()).toContain("The visitor asked for a person.");
    await page.getByRole("button", { name: "Return to bot" }).click();
    await expect.poll(() => page.locator(".ib-sub .ib-status").textContent()).toBe("bot");
    expect(await page.locator(".ib-summary").count()).toBe(0);
    expect(await page.locator("#ib-draft").getAttribute("placeholder")).toBe("Replying takes over from the bot…");

    // The visitor's profile: verified identity, the page, the trace beside (not over) the transcript.
    await row(page, ada.id).click();
    await expect.poll(() => page.locator(".ib-conv-head .ib-id").textContent()).toBe("verified");
    const details = page.getByRole("button", { name: "Details", exact: true });
    if ((await details.getAttribute("aria-pressed")) !== "true") await details.click();
    const side = page.getByRole("complementary", { name: "Details" });
    await expect.poll(() => side.textContent()).toContain("ada@example.com");
    const logWidth = async () => (await page.locator(".ib-log").boundingBox())?.width ?? 0;
    const withVisitor = await logWidth();
    await side.getByRole("tab", { name: /Trace/ }).click();
    await expect.poll(() => side.locator(".ib-span").count()).toBeGreaterThan(0);
    expect(await logWidth()).toBe(withVisitor);
    expect(withVisitor).toBeGreaterThan(DESK.width / 2 - 100);
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});

describe("on a phone", () => {
  it("the header fits, the queue takes the screen, a conversation opens full screen with a back button", async () => {
    model.always(agent("[router]"), { text: "Bot reply." });
    const conv = await conversation("crew", { identity: { userId: "u-phone", name: "Phoebe" } }, "Help from my phone please", true);
    // The sign-in form too.
    const anonymous = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const login = await anonymous.newPage();
    await login.goto(`${sb.url}/inbox`);
    await login.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await axeViolations(login)).toEqual([]);
    await anonymous.close();
    const { context, page, errors } = await staffPage("sam@crew.example", PHONE);
    await page.getByRole("button", { name: /^Waiting/ }).click();
    await expect.poll(() => row(page, conv.id).count()).toBe(1);

    // Nothing in the header is cut off; the list is the whole width; no conversation pane.
    const top = await page.locator(".ib-top").boundingBox();
    expect(top?.width).toBeLessThanOrEqual(PHONE.width);
    for (const [name, button] of [
      ["presence", page.locator(".ib-presence")],
      ["shortcuts", page.getByRole("button", { name: "Keyboard shortcuts" })],
      ["account", page.getByRole("button", { name: "Account" })],
    ] as const) {
      const box = await button.boundingBox();
      expect(box, name).not.toBeNull();
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= PHONE.width, name).toBe(true);
    }
    expect((await page.locator(".ib-list").boundingBox())?.width).toBeGreaterThan(PHONE.width - 2);
    expect(await page.locator(".ib-view").isVisible()).toBe(false);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await axeViolations(page)).toEqual([]);

    // Open it: the conversation takes the screen; back returns to the list.
    await row(page, conv.id).click();
    await expect.poll(() => page.locator(".ib-listpane").isVisible()).toBe(false);
    await expect.poll(() => page.getByRole("button", { name: "Back to the list" }).isVisible()).toBe(true);
    expect(await page.locator(".ib-conv-head h2").textContent()).toContain("Phoebe");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await axeViolations(page)).toEqual([]);
    await page.locator("#ib-draft").fill("On it, from my phone.");
    await page.getByRole("button", { name: "Send reply" }).click();
    await expect.poll(() => page.locator('.ib-msg[data-role="human"]').count()).toBe(1);
    await expect.poll(() => page.locator(".ib-sub").textContent()).toContain("with Sam");

    // Details cover the transcript on a phone rather than squeezing it.
    await page.getByRole("button", { name: "Details", exact: true }).click();
    await expect.poll(() => page.getByRole("complementary", { name: "Details" }).isVisible()).toBe(true);
    expect(await page.locator(".ib-log").isVisible()).toBe(false);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Close details" }).click();
    await expect.poll(() => page.locator(".ib-log").isVisible()).toBe(true);

    await page.getByRole("button", { name: "Back to the list" }).click();
    await expect.poll(() => page.locator(".ib-listpane").isVisible()).toBe(true);
    expect(await page.locator(".ib-view").isVisible()).toBe(false);
    // Focus is back in the list (the conversation, now Sam's, has left the Waiting tab).
    await expect.poll(() => page.evaluate(() => !!document.activeElement?.closest(".ib-listpane"))).toBe(true);
    await page.getByRole("button", { name: /^Mine/ }).click();
    await row(page, conv.id).click();
    await page.getByRole("button", { name: "Back to the list" }).click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-id"))).toBe(conv.id);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
