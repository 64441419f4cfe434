/**
 * Human handoff over HTTP and WebSocket: the status machine enforced on the server (the bot
 * is silent while a person is involved), the triggers (visitor, agent tool, policies), the
 * staff API (claim — atomic —, reply, notes, resolve, return to bot), live updates, the
 * email request when nobody answers, webhooks with retries, and the hostile cases.
 */
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ServerEvent } from "../shared/protocol";
import { agent, ScriptedModel } from "./helpers/model-server";
import {
  addStaff,
  flatten,
  send,
  setupOrg,
  staffLogin,
  type StaffClient,
  startConversation,
  startSwitchboard,
  type Switchboard,
  testAgent,
  trace,
  transcript,
} from "./helpers/switchboard";
import { WsClient, wsUrl } from "./helpers/ws-client";

let sb: Switchboard;
const model = new ScriptedModel();
let hooks: Server;
let hookUrl = "";
const received: { headers: IncomingHttpHeaders; body: string; at: number }[] = [];
let failFirst = 0;
let alex: StaffClient;
let sam: StaffClient;

const WEBHOOK_SECRET = "webhook-secret-0123456789";

beforeAll(async () => {
  hooks = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ headers: req.headers, body, at: Date.now() });
      if (failFirst > 0) {
        failFirst--;
        return void res.writeHead(500).end("down");
      }
      res.writeHead(204).end();
    });
  });
  hooks.listen(0, "127.0.0.1");
  await once(hooks, "listening");
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
  await model.start();
  sb = await startSwitchboard({ vars: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: model.url }, allowPrivate: [hookUrl] });
  await setupOrg(sb, "help", [testAgent("router", { tools: ["handoff_to_human"] })], "router", { webhook: { url: hookUrl, secret: WEBHOOK_SECRET } });
  await setupOrg(sb, "other", [testAgent("router")]);
  await addStaff(sb, "help", "alex@help.example", "Alex");
  await addStaff(sb, "help", "sam@help.example", "Sam");
  await addStaff(sb, "other", "olga@other.example", "Olga");
  alex = await staffLogin(sb, "alex@help.example");
  sam = await staffLogin(sb, "sam@help.example");
});
afterAll(async () => {
  await sb?.close();
  await model.stop();
  hooks?.closeAllConnections();
  hooks?.close();
});
beforeEach(() => {
  model.reset();
  received.length = 0;
  failFirst = 0;
});

const handoff = (conv: { id: string; token: string }) =>
  sb.fetch(`/api/conversations/${conv.id}/handoff`, { method: "POST", headers: { authorization: `Bearer ${conv.token}` } });

async function waitForHooks(n: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (received.length < n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} webhook deliveries, got ${received.length}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the status machine", () => {
  it("bot → waiting → human → resolved → bot, with the bot silent while a person is involved", async () => {
    model.always(agent("[router]"), { text: "Bot answer." });
    const conv = await startConversation(sb, "help");
    const visitor = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    await visitor.waitFor("ready");
    await send(sb, conv, "hello bot");
    expect(model.requests).toHaveLength(1);

    // The visitor asks for a person.
    expect(await (await handoff(conv)).json()).toEqual({ status: "waiting" });
    await visitor.waitFor("status", (e) => e.data.status === "waiting");

    // While waiting, visitor messages go to the inbox, and the bot does not answer.
    const waitingSend = await send(sb, conv, "is anyone there?");
    expect(waitingSend.events.at(-1)).toMatchObject({ type: "done", data: { reason: "skipped" } });
    expect(model.requests).toHaveLength(1);

    const list = (await (await alex.get("/api/staff/conversations?status=waiting")).json()) as { conversations: { id: string; unread: number; summary: string }[] };
    const row = list.conversations.find((c) => c.id === conv.id);
    expect(row).toMatchObject({ unread: 1, summary: "The visitor asked for a person." });

    // Claim: visitors see who joined.
    expect((await alex.post(`/api/staff/conversations/${conv.id}/claim`)).status).toBe(200);
    const joined = await visitor.waitFor("status", (e) => e.data.status === "human");
    expect(joined.data.assignee).toBe("Alex");
    await visitor.waitFor("message", (e) => e.data.role === "system" && e.data.text === "Alex joined the conversation.");

    // A second staff member's claim is refused.
    const second = await sam.post(`/api/staff/conversations/${conv.id}/claim`);
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe("already_claimed");

    // The staff reply reaches the visitor live, with the staff name.
    const reply = await alex.post(`/api/staff/conversations/${conv.id}/reply`, { text: "Hi, **Alex** here." });
    expect(reply.status).toBe(201);
    const human = await visitor.waitFor("message", (e) => e.data.role === "human");
    expect(human.data).toMatchObject({ text: "Hi, **Alex** here.", author: "Alex" });

    // A visitor message during `human`: no bot reply.
    await send(sb, conv, "thanks Alex");
    expect(model.requests).toHaveLength(1);

    expect((await alex.post(`/api/staff/conversations/${conv.id}/resolve`)).status).toBe(200);
    await visitor.waitFor("status", (e) => e.data.status === "resolved");

    expect((await alex.post(`/api/staff/conversations/${conv.id}/return-to-bot`)).status).toBe(200);
    await visitor.waitFor("status", (e) => e.data.status === "bot");
    // Back with the bot: only new messages get answers.
    await send(sb, conv, "bot again?");
    expect(model.requests).toHaveLength(2);
    expect(model.requests[1]?.user).toBe("bot again?");

    const roles = (await transcript(sb, conv)).messages.map((m) => `${m.role}:${m.text.slice(0, 12)}`);
    expect(roles).toEqual([
      "user:hello bot",
      "assistant:Bot answer.",
      "system:Someone from",
      "user:is anyone th",
      "system:Alex joined ",
      "human:Hi, **Alex**",
      "user:thanks Alex",
      "system:Alex marked ",
      "system:You're chatt",
      "user:bot again?",
      "assistant:Bot answer.",
    ]);
    // Every change is a span.
    const statusSpans = flatten(await trace(sb, conv.id)).filter((s) => s.kind === "handoff" || s.kind === "status").map((s) => s.name);
    expect(statusSpans).toEqual(["bot→waiting", "waiting→human", "human→resolved", "resolved→bot"]);
    visitor.close();
  });

  it("claims are atomic: of two staff claiming at once, exactly one wins", async () => {
    const conv = await startConversation(sb, "help");
    await handoff(conv);
    const [a, b] = await Promise.all([alex.post(`/api/staff/conversations/${conv.id}/claim`), sam.post(`/api/staff/conversations/${conv.id}/claim`)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const detail = (await (await alex.get(`/api/staff/conversations/${conv.id}`)).json()) as { conversation: { assigneeName: string } };
    expect(["Alex", "Sam"]).toContain(detail.conversation.assigneeName);
  });

  it("a staff member who did not claim cannot reply over the assignee", async () => {
    const conv = await startConversation(sb, "help");
    await handoff(conv);
    await alex.post(`/api/staff/conversations/${conv.id}/claim`);
    const res = await sam.post(`/api/staff/conversations/${conv.id}/reply`, { text: "me too" });
    expect(res.status).toBe(409);
    expect((await transcript(sb, conv)).messages.some((m) => m.role === "human")).toBe(false);
  });

  it("taking over stops the bot mid-reply", async () => {
    model.on(agent("[router]"), { text: "a very slow answer that goes on", chunkDelayMs: 300 });
    const conv = await startConversation(sb, "help");
    const sending = send(sb, conv, "go slow");
    await model.until(() => model.requests.length === 1);
    await new Promise((r) => setTimeout(r, 400));
    expect((await alex.post(`/api/staff/conversations/${conv.id}/claim`)).status).toBe(200);
    const { events } = await sending;
    expect(events.at(-1)).toMatchObject({ type: "done", data: { reason: "stopped" } });
    await model.until(() => model.requests[0]?.endedAt !== undefined);
    expect(model.requests[0]?.aborted).toBe(true);
  });
});

describe("triggers", () => {
  it("the agent's handoff_to_human carries a summary for staff", async () => {
    model.on(agent("[router]"), { toolCalls: [{ name: "handoff_to_human", arguments: { summary: "Wants a refund over $500; needs approval." } }] }, { text: "Connecting you with a person." });
    const conv = await startConversation(sb, "help");
    const { events } = await send(sb, conv, "refund my $600 please");
    expect(events.some((e) => e.type === "status" && e.data.status === "waiting")).toBe(true);
    const detail = (await (await alex.get(`/api/staff/conversations/${conv.id}`)).json()) as { conversation: { summary: string; status: string }; trace: unknown[] };
    expect(detail.conversation).toMatchObject({ status: "waiting", summary: "Wants a refund over $500; needs approval." });
    expect(detail.trace.length).toBeGreaterThan(0);
  });

  it("an agent's capture_lead stores the visitor's contact details", async () => {
    await setupOrg(sb, "capture", [testAgent("router", { tools: ["capture_lead"] })]);
    model.on(agent("[router]"), { toolCalls: [{ name: "capture_lead", arguments: { email: "max@example.com", name: "Max", note: "wants a demo" } }] }, { text: "Thanks Max, we'll be in touch." });
    const conv = await startConversation(sb, "capture");
    await send(sb, conv, "I'd like a demo, I'm Max, max@example.com");
    const row = await sb.db.prepare("SELECT name, email, note, source, conversation_id FROM leads WHERE email = 'max@example.com'").first();
    expect(row).toEqual({ name: "Max", email: "max@example.com", note: "wants a demo", source: "agent:router", conversation_id: conv.id });
    model.on(agent("[router]"), { toolCalls: [{ id: "bad", name: "capture_lead", arguments: { email: "not an email" } }] }, { text: "Could you check that email?" });
    await send(sb, conv, "my email is not an email");
    const last = model.requests.at(-1)?.body.messages.find((m) => m.role === "tool");
    expect(JSON.parse(last?.content ?? "{}")).toMatchObject({ error: { code: "invalid_arguments" } });
  });

  it("repeated failures hand the conversation to a person", async () => {
    model.always(agent("[router]"), { status: 400, error: "bad request" });
    const conv = await startConversation(sb, "help");
    const first = await send(sb, conv, "one");
    expect(first.events.some((e) => e.type === "status")).toBe(false);
    const second = await send(sb, conv, "two");
    expect(second.events.some((e) => e.type === "status" && (e.data as { status: string }).status === "waiting")).toBe(true);
    const messages = (await transcript(sb, conv)).messages;
    expect(messages.at(-1)?.text).toBe("I'm having trouble with this one, so I'm passing it to our team. Someone from our team will reply here, usually within 2 minutes.");
    const detail = (await (await alex.get(`/api/staff/conversations/${conv.id}`)).json()) as { conversation: { summary: string } };
    expect(detail.conversation.summary).toMatch(/failed 2 times/);
  });
});

describe("staff tools", () => {
  it("internal notes reach staff, never the visitor; typing goes both ways", async () => {
    const conv = await startConversation(sb, "help");
    await handoff(conv);
    await alex.post(`/api/staff/conversations/${conv.id}/claim`);
    const visitor = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    const staffWs = await WsClient.connect(`${sb.url.replace("http", "ws")}/api/staff/conversations/${conv.id}/ws?after=0`, { cookie: alex.cookie, origin: sb.url });
    await Promise.all([visitor.waitFor("ready"), staffWs.waitFor("ready")]);

    const note = await alex.post(`/api/staff/conversations/${conv.id}/notes`, { text: "VIP customer, be nice. SECRET-NOTE" });
    expect(note.status).toBe(201);
    await staffWs.waitFor("note", (e) => e.data.text.includes("SECRET-NOTE"));

    visitor.send({ type: "typing" });
    await staffWs.waitFor("typing", (e) => e.data.who === "visitor");
    staffWs.send({ type: "typing" });
    const typing = await visitor.waitFor("typing", (e) => e.data.who === "staff");
    expect(typing.data.name).toBe("Alex");

    // The visitor never sees the note: not live, not in the transcript, not on reconnect.
    await alex.post(`/api/staff/conversations/${conv.id}/reply`, { text: "done" });
    await visitor.waitFor("message", (e) => e.data.role === "human");
    expect(JSON.stringify(visitor.events)).not.toContain("SECRET-NOTE");
    expect(JSON.stringify(await transcript(sb, conv))).not.toContain("SECRET-NOTE");
    const again = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    await again.waitFor("status");
    expect(JSON.stringify(again.events)).not.toContain("SECRET-NOTE");
    // A visitor socket cannot act as staff.
    visitor.send({ type: "typing" });
    expect(visitor.of("typing").every((e) => e.data.who === "staff")).toBe(true);
    for (const c of [visitor, staffWs, again]) c.close();
  });

  it("the inbox socket gets live updates for the org's conversations only", async () => {
    const olga = await staffLogin(sb, "olga@other.example");
    const inbox = await WsClient.connect(`${sb.url.replace("http", "ws")}/api/staff/inbox/ws`, { cookie: alex.cookie, origin: sb.url });
    const otherInbox = await WsClient.connect(`${sb.url.replace("http", "ws")}/api/staff/inbox/ws`, { cookie: olga.cookie, origin: sb.url });
    await Promise.all([inbox.waitFor("ready"), otherInbox.waitFor("ready")]);
    const conv = await startConversation(sb, "help");
    await handoff(conv);
    const event = (await inbox.waitFor("conversation" as ServerEvent["type"], (e) => (e.data as unknown as { id: string; status: string }).status === "waiting" && (e.data as unknown as { id: string }).id === conv.id)) as unknown as { data: { waitingSince: string } };
    expect(event.data.waitingSince).toBeTruthy();
    await new Promise((r) => setTimeout(r, 200));
    expect(JSON.stringify(otherInbox.events)).not.toContain(conv.id);
    inbox.close();
    otherInbox.close();
  });
});

describe("nobody available", () => {
  it("outside business hours, the widget is asked for an email at once, and the lead is stored", async () => {
    await setupOrg(sb, "closed", [testAgent("router")], "router", { businessHours: { timezone: "UTC", days: {} } });
    const conv = await startConversation(sb, "closed");
    const visitor = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    await visitor.waitFor("ready");
    await handoff(conv);
    const status = await visitor.waitFor("status", (e) => !!e.data.leadRequested);
    expect(status.data.status).toBe("waiting");
    await visitor.waitFor("message", (e) => e.data.role === "system" && /away right now/.test(e.data.text));
    const lead = await sb.fetch(`/api/conversations/${conv.id}/lead`, {
      method: "POST",
      headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "late@example.com", name: "Lee" }),
    });
    expect(lead.status).toBe(201);
    const row = await sb.db.prepare("SELECT email, name, source, conversation_id FROM leads WHERE email = 'late@example.com'").first();
    expect(row).toEqual({ email: "late@example.com", name: "Lee", source: "handoff", conversation_id: conv.id });
    await visitor.waitFor("status", (e) => e.data.status === "waiting" && !e.data.leadRequested);
    // Bad email: refused, nothing stored.
    const bad = await sb.fetch(`/api/conversations/${conv.id}/lead`, {
      method: "POST",
      headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "<script>@x" }),
    });
    expect(bad.status).toBe(400);
    visitor.close();
  });

  it("when nobody claims within the site's timeout, the widget is asked for an email", async () => {
    await setupOrg(sb, "slowteam", [testAgent("router")], "router", { handoffTimeoutSec: 1 });
    const conv = await startConversation(sb, "slowteam");
    const visitor = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    await visitor.waitFor("ready");
    await handoff(conv);
    const first = await visitor.waitFor("status", (e) => e.data.status === "waiting");
    expect(first.data.leadRequested).toBeUndefined();
    const asked = await visitor.waitFor("status", (e) => !!e.data.leadRequested, 10_000);
    expect(asked.data.status).toBe("waiting");
    visitor.close();
  });
});

describe("webhooks", () => {
  it("handoff, human reply and resolve are delivered signed, with an idempotency key, retried with backoff", async () => {
    failFirst = 2;
    const conv = await startConversation(sb, "help");
    const started = Date.now();
    await handoff(conv);
    // The chat did not wait for the failing endpoint.
    expect(Date.now() - started).toBeLessThan(2_000);
    await waitForHooks(3);
    const ids = received.map((r) => r.headers["x-switchboard-delivery"]);
    expect(new Set(ids).size).toBe(1); // the same delivery, retried
    expect(received[2]!.at - received[1]!.at).toBeGreaterThan(received[1]!.at - received[0]!.at); // backing off
    for (const r of received) {
      const expected = createHmac("sha256", WEBHOOK_SECRET).update(`${r.headers["x-switchboard-timestamp"]}.${r.body}`).digest("hex");
      expect(r.headers["x-switchboard-signature"]).toBe(`sha256=${expected}`);
      expect(r.headers["x-switchboard-event"]).toBe("conversation.handoff");
    }
    expect(JSON.parse(received[0]!.body)).toMatchObject({ type: "conversation.handoff", data: { conversationId: conv.id, status: "waiting" } });

    received.length = 0;
    await alex.post(`/api/staff/conversations/${conv.id}/reply`, { text: "hello from Alex" });
    await alex.post(`/api/staff/conversations/${conv.id}/resolve`);
    await waitForHooks(2);
    expect(received.map((r) => r.headers["x-switchboard-event"]).sort()).toEqual(["conversation.resolved", "message.human"]);
    const human = JSON.parse(received.find((r) => r.headers["x-switchboard-event"] === "message.human")!.body);
    expect(human.data.message.text).toBe("hello from Alex");
  });
});

describe("hostile", () => {
  it("refuses the inbox API without a session, with a forged cookie, and across orgs", async () => {
    const conv = await startConversation(sb, "help");
    expect((await sb.fetch("/api/staff/conversations")).status).toBe(401);
    expect((await sb.fetch("/api/staff/conversations", { headers: { cookie: "sb_session=forgedforgedforgedforgedforged123" } })).status).toBe(401);
    expect((await sb.fetch("/api/staff/me", { headers: { cookie: `${alex.cookie}x` } })).status).toBe(401);
    const olga = await staffLogin(sb, "olga@other.example");
    expect((await olga.get(`/api/staff/conversations/${conv.id}`)).status).toBe(404);
    expect((await olga.post(`/api/staff/conversations/${conv.id}/claim`)).status).toBe(404);
    const list = (await (await olga.get("/api/staff/conversations?status=all")).json()) as { conversations: { id: string }[] };
    expect(list.conversations.some((c) => c.id === conv.id)).toBe(false);
    await expect(WsClient.connect(`${sb.url.replace("http", "ws")}/api/staff/conversations/${conv.id}/ws`, { cookie: olga.cookie, origin: sb.url })).rejects.toMatchObject({ status: 404 });
    await expect(WsClient.connect(`${sb.url.replace("http", "ws")}/api/staff/inbox/ws`, { cookie: alex.cookie, origin: "https://evil.example" })).rejects.toMatchObject({ status: 403 });
  });

  it("refuses cross-site and token-less writes (CSRF)", async () => {
    const conv = await startConversation(sb, "help");
    await handoff(conv);
    const noToken = await sb.fetch(`/api/staff/conversations/${conv.id}/claim`, { method: "POST", headers: { cookie: alex.cookie, origin: sb.url } });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe("csrf");
    const wrongToken = await alex.post(`/api/staff/conversations/${conv.id}/claim`, {}, { "x-csrf-token": sam.csrf });
    expect(wrongToken.status).toBe(403);
    const crossSite = await alex.post(`/api/staff/conversations/${conv.id}/claim`, {}, { origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    const detail = (await (await alex.get(`/api/staff/conversations/${conv.id}`)).json()) as { conversation: { status: string } };
    expect(detail.conversation.status).toBe("waiting");
  });

  it("refuses wrong passwords the same way as unknown emails, and sets a hardened cookie", async () => {
    const wrong = await sb.fetch("/api/staff/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "alex@help.example", password: "nope" }) });
    const unknown = await sb.fetch("/api/staff/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "nobody@help.example", password: "nope" }) });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
    const ok = await sb.fetch("/api/staff/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "alex@help.example", password: "staff-password-123" }) });
    const cookie = ok.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    // Logout ends the session.
    const client = await staffLogin(sb, "sam@help.example");
    expect((await client.post("/api/staff/logout")).status).toBe(200);
    expect((await client.get("/api/staff/me")).status).toBe(401);
  });
});

describe("races", () => {
  it("two staff claiming while the bot is delegating: one wins, the bot stops, and nothing bot-written follows 'joined'", async () => {
    await setupOrg(sb, "race", [testAgent("router", { delegates: ["slow"] }), testAgent("slow")]);
    await addStaff(sb, "race", "ria@race.example", "Ria");
    await addStaff(sb, "race", "rob@race.example", "Rob");
    const ria = await staffLogin(sb, "ria@race.example");
    const rob = await staffLogin(sb, "rob@race.example");
    model.on(agent("[router]"), { toolCalls: [{ name: "delegate", arguments: { agent: "slow", prompt: "take long" } }] }, { text: "too late" });
    model.on(agent("[slow]"), { text: "thinking…", stall: true });
    const conv = await startConversation(sb, "race");
    const sending = send(sb, conv, "hello");
    await model.until(() => model.requests.some(agent("[slow]")));
    const [a, b] = await Promise.all([ria.post(`/api/staff/conversations/${conv.id}/claim`), rob.post(`/api/staff/conversations/${conv.id}/claim`)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const { events } = await sending;
    expect(events.at(-1)).toMatchObject({ type: "done", data: { reason: "stopped" } });
    const slow = model.requests.find(agent("[slow]"));
    await model.until(() => slow?.endedAt !== undefined);
    expect(slow?.aborted).toBe(true);
    const messages = (await transcript(sb, conv)).messages;
    const joined = messages.findIndex((m) => m.role === "system" && m.text.endsWith("joined the conversation."));
    expect(joined).toBeGreaterThan(0);
    expect(messages.filter((m) => m.role === "system" && m.text.endsWith("joined the conversation."))).toHaveLength(1);
    expect(messages.slice(joined).some((m) => m.role === "assistant")).toBe(false);
    // The router never got to consolidate.
    expect(model.requests.filter(agent("[router]"))).toHaveLength(1);
  });
});
