/**
 * One thread from bot to person and back, in two (then three) Chromium contexts: a visitor
 * on a host page asks for a person; the staff inbox shows it live; staff claims and
 * replies; the visitor sees the reply live with the staff name; a visitor message during
 * `human` reaches staff and no bot reply appears; a second staff member's claim is
 * refused; resolve; return to bot. A script-injection payload from the visitor is inert in
 * the inbox.
 */
import type { Browser, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { axeViolations, embedPage, type HostPages, SHADOW } from "./helpers/browser";
import { useBrowser, useScriptedSwitchboard } from "./helpers/fixtures";
import { agent } from "./helpers/model-server";
import { addStaff, setupOrg, STAFF_PASSWORD, type Switchboard, testAgent } from "./helpers/switchboard";

const scripted = useScriptedSwitchboard();
const chrome = useBrowser();
const model = scripted.model;
let sb: Switchboard;
let browser: Browser;
let host: HostPages;

beforeAll(async () => {
  ({ sb } = scripted);
  ({ browser, host } = chrome);
  await setupOrg(sb, "help", [testAgent("router")]);
  await addStaff(sb, "help", "alex@help.example", "Alex");
  await addStaff(sb, "help", "sam@help.example", "Sam");
  host.page("/", embedPage(sb.url, "", "", "help"));
});

const w = (page: Page, selector: string) => page.locator(`${SHADOW} ${selector}`);

async function signIn(page: Page, email: string) {
  await page.goto(`${sb.url}/inbox`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(STAFF_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.locator(".ib-top").textContent()).toContain(email);
}

describe("handoff end to end", () => {
  it("visitor → waiting → claimed by Alex → replies both ways → Sam refused → resolved → back to the bot", async () => {
    model.always(agent("[router]"), { text: "Bot here." });
    const visitorContext = await browser.newContext();
    const visitor = await visitorContext.newPage();
    const alexContext = await browser.newContext();
    const inbox = await alexContext.newPage();
    const pageErrors: string[] = [];
    inbox.on("pageerror", (e) => pageErrors.push(e.message));
    await signIn(inbox, "alex@help.example");
    await expect.poll(() => inbox.locator(".ib-live").textContent()).toBe("Live");
    expect(await axeViolations(inbox)).toEqual([]);

    // The visitor talks to the bot, then asks for a person.
    await visitor.goto(`${host.origin}/`);
    await w(visitor, ".sb-launcher").click();
    await w(visitor, "textarea").fill('hello <img src=x onerror="window.pwned=1">');
    await w(visitor, "textarea").press("Enter");
    await expect.poll(() => w(visitor, '.sb-msg[data-role="assistant"]').last().textContent(), { timeout: 10_000 }).toContain("Bot here.");
    await w(visitor, '.sb-header button[aria-label="Talk to a person"]').click();
    // One notice says what happens now (the team is at work: a person, and about when).
    await expect.poll(() => w(visitor, '.sb-msg[data-role="system"]').last().textContent()).toBe("Someone from our team will reply here, usually within 2 minutes.");
    expect(await w(visitor, ".sb-banner").count()).toBe(0);

    // The inbox shows it live, with the waiting time.
    const row = inbox.locator(".ib-row").filter({ hasText: "waiting" }).first();
    await expect.poll(() => row.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await row.locator(".ib-wait").textContent()).toMatch(/waiting/);
    await row.click();
    await expect.poll(() => inbox.locator(".ib-summary").textContent()).toContain("The visitor asked for a person.");
    // The visitor's payload is shown as text in the inbox.
    await expect.poll(() => inbox.locator('.ib-msg[data-role="user"]').first().textContent()).toContain('<img src=x onerror="window.pwned=1">');
    expect(await inbox.locator(".ib-log img").count()).toBe(0);
    expect(await inbox.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();

    // Claim and reply.
    await inbox.getByRole("button", { name: "Claim", exact: true }).click();
    await expect.poll(() => w(visitor, ".sb-banner").first().textContent(), { timeout: 10_000 }).toContain("You're now chatting with Alex");
    await inbox.locator("#ib-draft").fill("Hi, I'm **Alex**. How can I help?");
    await inbox.getByRole("button", { name: "Send reply" }).click();
    const staffReply = w(visitor, '.sb-msg[data-role="human"]').last();
    await expect.poll(() => staffReply.textContent(), { timeout: 10_000 }).toContain("Hi, I'm Alex. How can I help?");
    expect(await staffReply.locator(".sb-author").textContent()).toBe("Alex");

    // The visitor answers: staff sees it, the bot stays silent.
    const botCalls = model.requests.length;
    await w(visitor, "textarea").fill("My invoice is wrong");
    await w(visitor, "textarea").press("Enter");
    await expect.poll(() => inbox.locator('.ib-msg[data-role="user"]').last().textContent(), { timeout: 10_000 }).toContain("My invoice is wrong");
    await visitor.waitForTimeout(300);
    expect(model.requests.length).toBe(botCalls);
    expect(await w(visitor, '.sb-msg[data-role="assistant"]').count()).toBe(1);

    // An internal note stays in the inbox.
    await inbox.getByRole("radio", { name: "Internal note" }).click();
    await inbox.locator("#ib-draft").fill("Check the refund policy first");
    await inbox.getByRole("button", { name: "Add note" }).click();
    await expect.poll(() => inbox.locator('.ib-msg[data-role="note"]').count()).toBe(1);

    // Sam (an agent) may not take it from Alex, who is there.
    const samContext = await browser.newContext();
    const samInbox = await samContext.newPage();
    await signIn(samInbox, "sam@help.example");
    await samInbox.locator(".ib-tabs button").filter({ hasText: "Open" }).click();
    await samInbox.locator(".ib-row").first().click();
    await samInbox.getByRole("button", { name: "Take over", exact: true }).click();
    await expect.poll(() => samInbox.locator(".ib-error").textContent()).toContain("Alex is available and has this conversation");
    await samContext.close();

    // Resolve, then return to the bot.
    await inbox.getByRole("button", { name: "Resolve", exact: true }).click();
    await expect.poll(() => w(visitor, '.sb-msg[data-role="system"]').last().textContent(), { timeout: 10_000 }).toContain("marked this conversation as resolved");
    await expect.poll(() => w(visitor, ".sb-csat").isVisible()).toBe(true);
    await inbox.getByRole("button", { name: "Return to bot" }).click();
    await expect.poll(() => w(visitor, ".sb-msg").last().textContent(), { timeout: 10_000 }).toContain("chatting with our assistant again");
    await w(visitor, "textarea").fill("one more question");
    await w(visitor, "textarea").press("Enter");
    await expect.poll(() => w(visitor, '.sb-msg[data-role="assistant"]').count(), { timeout: 10_000 }).toBe(2);

    // The note never reached the visitor.
    expect(await w(visitor, ".sb-log").textContent()).not.toContain("Check the refund policy");
    expect(pageErrors).toEqual([]);
    await visitorContext.close();
    await alexContext.close();
  });
});

describe("password", () => {
  it("a staff member changes their own password from the inbox; their other sessions end", async () => {
    await addStaff(sb, "help", "pat@help.example", "Pat");
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await signIn(otherPage, "pat@help.example");
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, "pat@help.example");
    await page.getByRole("button", { name: "Account" }).click();
    await page.getByRole("button", { name: "Password" }).click();
    const form = page.getByRole("form", { name: "Change password" });
    await form.getByLabel("Current password").fill(STAFF_PASSWORD);
    await form.getByLabel(/^New password \(/).fill("password123");
    await form.getByLabel("New password again").fill("password123");
    await form.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => form.getByRole("alert").textContent()).toContain("most common passwords");
    await form.getByLabel(/^New password \(/).fill("lantern-fjord-93-quiet");
    await form.getByLabel("New password again").fill("lantern-fjord-93-quiet");
    await form.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => form.getByRole("status").textContent()).toContain("Password changed");
    expect(await axeViolations(page)).toEqual([]);
    // This tab stays signed in; the other session is over; the new password opens the inbox.
    await page.reload();
    await expect.poll(() => page.locator(".ib-top").textContent()).toContain("pat@help.example");
    await otherPage.reload();
    await expect.poll(() => otherPage.getByRole("button", { name: "Sign in" }).isVisible()).toBe(true);
    const login = await sb.fetch("/api/staff/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "pat@help.example", password: "lantern-fjord-93-quiet" }) });
    expect(login.status).toBe(200);
    await other.close();
    await context.close();
  });
});
