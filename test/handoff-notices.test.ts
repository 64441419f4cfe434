/**
 * What a visitor is told when the conversation goes to a person: one notice for each case —
 * a person will reply and about when; nobody is there now, so leave an email; or, when the
 * site told us the visitor's email, that we will follow up there (no form) — in the
 * visitor's language, after the bot's own words when an agent handed off mid-turn.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredMessage } from "../shared/protocol";
import { LOCAL_ORIGIN, send, setupOrg, startSwitchboard, type Switchboard, testAgent, transcript } from "./helpers/switchboard";
import { WsClient, wsUrl } from "./helpers/ws-client";

let sb: Switchboard;
const CLOSED = { businessHours: { timezone: "UTC", days: {} } };
const router = testAgent("router", { tools: ["handoff_to_human", "search_knowledge"] });

beforeAll(async () => {
  // No model key: the offline provider answers (and hands off when asked for a person).
  sb = await startSwitchboard();
  await setupOrg(sb, "open", [router]);
  await setupOrg(sb, "quick", [router], "router", { handoffTimeoutSec: 30 });
  await setupOrg(sb, "slow", [router], "router", { handoffTimeoutSec: 7200 });
  await setupOrg(sb, "shut", [router], "router", CLOSED);
  await setupOrg(sb, "busy", [router], "router", { handoffTimeoutSec: 1 });
});
afterAll(async () => {
  await sb?.close();
});

async function start(siteKey: string, body: Record<string, unknown> = {}) {
  const res = await sb.fetch(`/api/sites/${siteKey}/conversations`, { method: "POST", headers: { origin: LOCAL_ORIGIN, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  const { conversationId, token } = (await res.json()) as { conversationId: string; token: string };
  return { id: conversationId, token };
}

async function handoff(conv: { id: string; token: string }) {
  const res = await sb.fetch(`/api/conversations/${conv.id}/handoff`, { method: "POST", headers: { authorization: `Bearer ${conv.token}` } });
  expect(res.status).toBe(200);
}

/** Waits for the conversation's notice and returns every system message. */
async function notices(conv: { id: string; token: string }, count = 1): Promise<string[]> {
  const ws = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
  await ws.waitFor("message", (e) => e.data.role === "system");
  ws.close();
  const system = (await transcript(sb, conv)).messages.filter((m) => m.role === "system").map((m) => m.text);
  expect(system).toHaveLength(count);
  return system;
}

describe("the team is at work", () => {
  it("one notice: a person will reply here, and about when (from the site's handoff timeout)", async () => {
    for (const [site, text] of [
      ["open", "Someone from our team will reply here, usually within 2 minutes."],
      ["quick", "Someone from our team will reply here, usually within 1 minute."],
      ["slow", "Someone from our team will reply here, usually within 2 hours."],
    ]) {
      const conv = await start(site as string);
      await handoff(conv);
      expect(await notices(conv)).toEqual([text]);
    }
  });

  it("in the visitor's language", async () => {
    const fr = await start("open", { locale: "fr" });
    await handoff(fr);
    expect(await notices(fr)).toEqual(["Une personne de notre équipe va vous répondre ici, en général sous 2 minutes."]);
    const ar = await start("open", { locale: "ar" });
    await handoff(ar);
    expect(await notices(ar)).toEqual(["سيرد عليك أحد أعضاء فريقنا هنا، عادةً خلال دقيقتان."]);
  });

  it("an agent that hands off mid-turn speaks first, then the notice follows: nothing contradicts it", async () => {
    const conv = await start("open");
    const { reply } = await send(sb, conv, "can I talk to a person please?");
    expect(reply?.text).toBe("I'm passing your conversation to our team.");
    await notices(conv);
    const messages = (await transcript(sb, conv)).messages.map((m) => `${m.role}:${m.text}`);
    expect(messages).toEqual([
      "user:can I talk to a person please?",
      "assistant:I'm passing your conversation to our team.",
      "system:Someone from our team will reply here, usually within 2 minutes.",
    ]);
  });
});

describe("nobody is there", () => {
  it("outside business hours an anonymous visitor is asked for an email, once", async () => {
    const conv = await start("shut");
    const ws = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    await handoff(conv);
    await ws.waitFor("status", (e) => !!e.data.leadRequested);
    ws.close();
    expect(await notices(conv)).toEqual(["Our team is away right now. Leave your email and we'll get back to you."]);
  });

  it("a visitor the site identified with an email is not asked: the email is kept for the follow-up", async () => {
    const conv = await start("shut", { identity: { userId: "u-1", name: "Ada", email: "ada@example.com" } });
    const ws = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    await handoff(conv);
    await ws.waitFor("message", (e) => e.data.role === "system");
    expect(ws.events.some((e) => e.type === "status" && e.data.leadRequested)).toBe(false);
    ws.close();
    expect(await notices(conv)).toEqual(["Our team is away right now. We'll follow up at ada@example.com."]);
    expect(await sb.db.prepare("SELECT email, name, source FROM leads WHERE conversation_id = ?").bind(conv.id).first()).toEqual({ email: "ada@example.com", name: "Ada", source: "handoff" });
    // The email form is not open for this conversation.
    const lead = await sb.fetch(`/api/conversations/${conv.id}/lead`, { method: "POST", headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" }, body: JSON.stringify({ email: "x@example.com" }) });
    expect(lead.status).toBe(409);
  });

  it("in Arabic, the address stays whole inside right-to-left text", async () => {
    const conv = await start("shut", { locale: "ar", identity: { userId: "u-2", email: "ada@example.com" } });
    await handoff(conv);
    expect(await notices(conv)).toEqual(["فريقنا غير متاح الآن. سنتواصل معك على \u2068ada@example.com\u2069."]);
  });

  it("nobody claimed in time: an identified visitor is told we will write, and keeps waiting", async () => {
    const conv = await start("busy", { identity: { userId: "u-3", email: "bo@example.com" } });
    await handoff(conv);
    const ws = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    await ws.waitFor("message", (e) => (e.data as StoredMessage).text.startsWith("Everyone"), 15_000);
    ws.close();
    expect(await notices(conv, 2)).toEqual([
      "Someone from our team will reply here, usually within 1 minute.",
      "Everyone on our team is busy at the moment. Keep waiting here, or we'll follow up at bo@example.com.",
    ]);
    expect(await sb.db.prepare("SELECT email, source FROM leads WHERE conversation_id = ?").bind(conv.id).first()).toEqual({ email: "bo@example.com", source: "handoff" });
  });
});
