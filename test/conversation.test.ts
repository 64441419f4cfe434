/**
 * The conversation core over HTTP + SSE and WebSocket, from outside, against the offline
 * demo: stored messages with server seqs, idempotent sends, gap refill on reconnect, and
 * several clients of one conversation seeing the same events.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerEvent } from "../shared/protocol";
import { readSse, send, startConversation, startSwitchboard, type Switchboard, transcript } from "./helpers/switchboard";
import { WsClient, wsUrl } from "./helpers/ws-client";

let sb: Switchboard;
beforeAll(async () => {
  sb = await startSwitchboard({ seed: true });
});
afterAll(async () => {
  await sb?.close();
});

const messagesOf = (events: ServerEvent[]) =>
  events.filter((e): e is Extract<ServerEvent, { type: "message" }> => e.type === "message").map((e) => e.data);

describe("health and discovery", () => {
  it("reports the offline provider when no key is configured", async () => {
    const res = await sb.fetch("/api/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, version: "test", provider: "offline" });
  });

  it("serves the demo page, the widget script and the full-page assistant", async () => {
    const home = await sb.fetch("/");
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('data-site-key="demo"');
    expect(home.headers.get("content-security-policy")).toContain("script-src 'self'");

    const widget = await sb.fetch("/widget.js");
    expect(widget.status).toBe(200);
    expect(widget.headers.get("access-control-allow-origin")).toBe("*");
    expect(await widget.text()).toContain("Switchboard");

    const chat = await sb.fetch("/chat/demo");
    expect(chat.status).toBe(200);
    expect(await chat.text()).toContain('data-mode="page"');
    expect((await sb.fetch("/chat/nope")).status).toBe(404);
  });
});

describe("HTTP + SSE", () => {
  it("streams a turn: the stored message, deltas, the stored reply with its sources, done", async () => {
    const conv = await startConversation(sb);
    const res = await sb.fetch(`/api/conversations/${conv.id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
      body: JSON.stringify({ clientMessageId: "first-message-1", text: "How do I export my notes?" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = await readSse(res);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("message");
    expect(types[types.length - 1]).toBe("done");
    const deltas = events.filter((e): e is Extract<ServerEvent, { type: "delta" }> => e.type === "delta");
    expect(deltas.length).toBeGreaterThan(3);
    const [user, reply] = messagesOf(events);
    expect(user).toMatchObject({ seq: 1, role: "user", text: "How do I export my notes?", clientMessageId: "first-message-1" });
    expect(reply).toMatchObject({ seq: 2, role: "assistant", offline: true });
    // What streamed is what was stored.
    expect(deltas.map((d) => d.data.text).join("")).toBe(reply?.text);
    expect(deltas.every((d) => d.data.messageId === reply?.id)).toBe(true);
    expect(reply?.text).toContain("Exporting your notes");
    expect(reply?.sources?.[0]).toMatchObject({ title: "Exporting your notes", url: "/help/export-your-notes" });
  });

  it("a resend with the same clientMessageId stores nothing and answers nothing twice", async () => {
    const conv = await startConversation(sb);
    const first = await send(sb, conv, "What does the Team plan cost?", "same-id-123456");
    const second = await send(sb, conv, "What does the Team plan cost?", "same-id-123456");
    // The replay carries the same stored messages, with the same ids and seqs.
    expect(messagesOf(second.events).map((m) => [m.id, m.seq])).toEqual(messagesOf(first.events).map((m) => [m.id, m.seq]));
    expect(second.events.some((e) => e.type === "delta")).toBe(false);
    const all = await transcript(sb, conv);
    expect(all.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
  });

  it("returns the transcript after a seq, and pages it", async () => {
    const conv = await startConversation(sb);
    await send(sb, conv, "Is my data encrypted?");
    await send(sb, conv, "Can I share a note?");
    const all = await transcript(sb, conv);
    expect(all.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    const after2 = await transcript(sb, conv, 2);
    expect(after2.messages.map((m) => m.seq)).toEqual([3, 4]);
    const page = await sb.fetch(`/api/conversations/${conv.id}/messages?after=0&limit=3`, { headers: { authorization: `Bearer ${conv.token}` } });
    const body = (await page.json()) as { messages: unknown[]; more: boolean };
    expect(body.messages).toHaveLength(3);
    expect(body.more).toBe(true);
  });

  it("a live SSE stream (Accept: text/event-stream) sends the backlog after Last-Event-ID, then new events", async () => {
    const conv = await startConversation(sb);
    await send(sb, conv, "Is my data encrypted?");
    const controller = new AbortController();
    const live = await sb.fetch(`/api/conversations/${conv.id}/messages`, {
      headers: { authorization: `Bearer ${conv.token}`, accept: "text/event-stream", "last-event-id": "1" },
      signal: controller.signal,
    });
    const collected = readSse(live, (e) => e.type === "done");
    await send(sb, conv, "Can I share a note?");
    const events = await collected;
    controller.abort();
    expect(messagesOf(events).map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(events.some((e) => e.type === "status")).toBe(true);
  });
});

describe("WebSocket", () => {
  it("sends a message, acknowledges it, streams the reply; a resent frame is acknowledged as a duplicate", async () => {
    const conv = await startConversation(sb);
    const ws = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    const ready = await ws.waitFor("ready");
    expect(ready.data).toMatchObject({ conversationId: conv.id, status: "bot", lastSeq: 0, provider: "offline" });
    ws.send({ type: "send", clientMessageId: "ws-message-0001", text: "the app crashes when I log in" });
    const ack = await ws.waitFor("ack");
    expect(ack.data).toMatchObject({ clientMessageId: "ws-message-0001", seq: 1, duplicate: false });
    await ws.waitFor("done");
    const reply = (await ws.waitFor("message", (e) => e.data.role === "assistant")).data;
    expect(reply.text).toContain("Troubleshooting login problems");

    ws.send({ type: "send", clientMessageId: "ws-message-0001", text: "the app crashes when I log in" });
    const again = await ws.waitFor("ack", (e) => e.data.duplicate);
    expect(again.data.seq).toBe(1);
    const all = await transcript(sb, conv);
    expect(all.messages).toHaveLength(2);
    ws.close();
  });

  it("a client that reconnects with its last seq gets exactly what it missed, including a reply that finished while it was away", async () => {
    const conv = await startConversation(sb);
    const first = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    first.send({ type: "send", clientMessageId: "gap-message-01", text: "Is my data encrypted?" });
    await first.waitFor("done");
    const lastSeq = Math.max(...first.of("message").map((e) => e.data.seq));
    expect(lastSeq).toBe(2);
    first.drop();

    // While it is away: a message from another client, and its whole reply.
    await send(sb, conv, "Can I share a note?");

    const back = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, lastSeq));
    await back.waitFor("status");
    const seqs = back.of("message").map((e) => e.data.seq);
    expect(seqs).toEqual([3, 4]);
    expect(back.of("message")[1]?.data.role).toBe("assistant");
    back.close();
  });

  it("resume frames refill a gap on an open socket", async () => {
    const conv = await startConversation(sb);
    await send(sb, conv, "Is my data encrypted?");
    const ws = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token));
    await ws.waitFor("ready");
    expect(ws.of("message")).toHaveLength(0);
    ws.send({ type: "resume", after: 1 });
    const m = await ws.waitFor("message");
    expect(m.data.seq).toBe(2);
    ws.close();
  });

  it("two clients of one conversation see the same events live", async () => {
    const conv = await startConversation(sb);
    const a = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    const b = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    await Promise.all([a.waitFor("ready"), b.waitFor("ready")]);
    a.send({ type: "send", clientMessageId: "two-tabs-0001", text: "How do I import from Evernote?" });
    await Promise.all([a.waitFor("done"), b.waitFor("done")]);
    const seen = (c: WsClient) => c.events.filter((e) => e.type === "message" || e.type === "delta").map((e) => JSON.stringify(e));
    expect(seen(b)).toEqual(seen(a));
    expect(b.of("message").map((e) => e.data.role)).toEqual(["user", "assistant"]);
    a.close();
    b.close();
  });
});
