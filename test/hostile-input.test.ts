/**
 * Bad input gets a clear 4xx `{ error: { code, message } }` and changes nothing: unknown
 * sites, disallowed origins, missing and forged tokens, oversize and malformed bodies,
 * unknown conversations, and malformed WebSocket frames (after which the socket still works).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_MESSAGE_BYTES } from "../shared/limits";
import { LOCAL_ORIGIN, send, startConversation, startSwitchboard, type Switchboard, transcript } from "./helpers/switchboard";
import { WsClient, wsUrl } from "./helpers/ws-client";

let sb: Switchboard;
beforeAll(async () => {
  sb = await startSwitchboard({ seed: true });
});
afterAll(async () => {
  await sb?.close();
});

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
  return body.error;
}

/** Conversations in the demo org's index (the only org of this suite). */
const conversationCount = async () => ((await (await sb.admin("/api/admin/orgs/demo/conversations?limit=500")).json()) as { conversations: unknown[] }).conversations.length;

describe("starting a conversation", () => {
  it("refuses an unknown site key", async () => {
    const before = await conversationCount();
    const res = await sb.fetch("/api/sites/no-such-site/conversations", { method: "POST", headers: { origin: LOCAL_ORIGIN }, body: "{}" });
    await expectError(res, 404, "not_found");
    expect(await conversationCount()).toBe(before);
  });

  it("refuses an origin the site does not allow, and a request without an Origin", async () => {
    const before = await conversationCount();
    const evil = await sb.fetch("/api/sites/demo/conversations", { method: "POST", headers: { origin: "https://evil.example" }, body: "{}" });
    const error = await expectError(evil, 403, "forbidden");
    expect(error.message).toContain("https://evil.example");
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    // A look-alike of an allowed pattern is not allowed either.
    const lookalike = await sb.fetch("/api/sites/demo/conversations", { method: "POST", headers: { origin: "http://localhost.evil.example:3000" }, body: "{}" });
    await expectError(lookalike, 403, "forbidden");
    const none = await sb.fetch("/api/sites/demo/conversations", { method: "POST", body: "{}" });
    await expectError(none, 403, "forbidden");
    expect(await conversationCount()).toBe(before);
  });

  it("allows any local port for the demo and answers CORS for it", async () => {
    const res = await sb.fetch("/api/sites/demo/conversations", { method: "POST", headers: { origin: "http://127.0.0.1:4321" }, body: "{}" });
    expect(res.status).toBe(201);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:4321");
    const preflight = await sb.fetch("/api/sites/demo/conversations", {
      method: "OPTIONS",
      headers: { origin: "http://127.0.0.1:4321", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
  });

  it("refuses malformed and unexpected bodies", async () => {
    const before = await conversationCount();
    await expectError(await sb.fetch("/api/sites/demo/conversations", { method: "POST", headers: { origin: LOCAL_ORIGIN }, body: "{not json" }), 400, "bad_json");
    await expectError(
      await sb.fetch("/api/sites/demo/conversations", { method: "POST", headers: { origin: LOCAL_ORIGIN }, body: JSON.stringify({ visitorId: "<script>" }) }),
      400,
      "invalid_request",
    );
    await expectError(
      await sb.fetch("/api/sites/demo/conversations", { method: "POST", headers: { origin: LOCAL_ORIGIN }, body: JSON.stringify({ admin: true }) }),
      400,
      "invalid_request",
    );
    expect(await conversationCount()).toBe(before);
  });
});

describe("sending messages", () => {
  it("refuses a missing, malformed, forged or borrowed token, and stores nothing", async () => {
    const conv = await startConversation(sb);
    const other = await startConversation(sb);
    const body = JSON.stringify({ clientMessageId: "hostile-0000001", text: "hello" });
    const post = (headers: Record<string, string>) =>
      sb.fetch(`/api/conversations/${conv.id}/messages`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

    await expectError(await post({}), 401, "unauthorized");
    await expectError(await post({ authorization: "Bearer nonsense" }), 401, "unauthorized");
    await expectError(await post({ authorization: `Bearer ${conv.token.slice(0, -4)}AAAA` }), 401, "unauthorized");
    // A token issued for another conversation does not open this one.
    await expectError(await post({ authorization: `Bearer ${other.token}` }), 401, "unauthorized");
    // Nor does a real signature moved to another site key.
    await expectError(await post({ authorization: `Bearer ${conv.token.replace(".demo.", ".other.")}` }), 401, "unauthorized");
    expect((await transcript(sb, conv)).messages).toHaveLength(0);
  });

  it("refuses an oversize message with 413, and a body over the byte cap", async () => {
    const conv = await startConversation(sb);
    const post = (text: string) =>
      sb.fetch(`/api/conversations/${conv.id}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
        body: JSON.stringify({ clientMessageId: "oversize-000001", text }),
      });
    const error = await expectError(await post("x".repeat(MAX_MESSAGE_BYTES + 1)), 413, "payload_too_large");
    expect(error.message).toContain(String(MAX_MESSAGE_BYTES));
    // Multi-byte characters count as bytes: 3000 × "€" is 9000 bytes.
    await expectError(await post("€".repeat(3000)), 413, "payload_too_large");
    await expectError(await post("x".repeat(40_000)), 413, "payload_too_large");
    expect((await transcript(sb, conv)).messages).toHaveLength(0);
    // Exactly at the limit is fine.
    const ok = await post("y".repeat(MAX_MESSAGE_BYTES));
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
  });

  it("refuses malformed JSON, empty text and bad client ids", async () => {
    const conv = await startConversation(sb);
    const post = (body: string) =>
      sb.fetch(`/api/conversations/${conv.id}/messages`, { method: "POST", headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" }, body });
    await expectError(await post("{"), 400, "bad_json");
    await expectError(await post(JSON.stringify({ clientMessageId: "valid-id-0001", text: "   " })), 400, "invalid_request");
    await expectError(await post(JSON.stringify({ clientMessageId: "short", text: "hi" })), 400, "invalid_request");
    await expectError(await post(JSON.stringify({ clientMessageId: "bad id with spaces", text: "hi" })), 400, "invalid_request");
    await expectError(await post(JSON.stringify({ text: "hi" })), 400, "invalid_request");
    expect((await transcript(sb, conv)).messages).toHaveLength(0);
  });

  it("answers 404 for an unknown or malformed conversation id", async () => {
    const conv = await startConversation(sb);
    await expectError(await sb.fetch("/api/conversations/not-an-id/messages", { headers: { authorization: `Bearer ${conv.token}` } }), 404, "not_found");
    await expectError(
      await sb.fetch("/api/conversations/c_AAAAAAAAAAAAAAAAAAAAAA/messages", { headers: { authorization: `Bearer ${conv.token}` } }),
      401,
      "unauthorized",
    );
    await expectError(await sb.fetch("/api/no/such/route"), 404, "not_found");
  });

  it("refuses a disallowed Origin on a conversation request even with a valid token", async () => {
    const conv = await startConversation(sb);
    const res = await sb.fetch(`/api/conversations/${conv.id}/messages?after=0`, { headers: { authorization: `Bearer ${conv.token}`, origin: "https://evil.example" } });
    await expectError(res, 403, "forbidden");
  });

  it("stores a script-injection payload verbatim, as text", async () => {
    const conv = await startConversation(sb);
    const payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    await send(sb, conv, payload);
    const stored = (await transcript(sb, conv)).messages[0];
    expect(stored?.text).toBe(payload);
  });
});

describe("WebSocket", () => {
  it("refuses the upgrade without a valid token", async () => {
    const conv = await startConversation(sb);
    await expect(WsClient.connect(wsUrl(sb.url, conv.id, "v1.demo.forged"))).rejects.toMatchObject({ status: 401 });
    await expect(WsClient.connect(`${sb.url.replace("http", "ws")}/api/conversations/${conv.id}/ws`)).rejects.toMatchObject({ status: 401 });
    await expect(WsClient.connect(wsUrl(sb.url, conv.id, conv.token), { origin: "https://evil.example" })).rejects.toMatchObject({ status: 403 });
  });

  it("answers malformed frames with an error event and keeps the socket usable", async () => {
    const conv = await startConversation(sb);
    const ws = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token));
    await ws.waitFor("ready");
    ws.send("this is not json");
    ws.send({ type: "explode" });
    ws.send({ type: "send", clientMessageId: "frame-oversize1", text: "z".repeat(MAX_MESSAGE_BYTES + 10) });
    ws.send(JSON.stringify({ type: "send", clientMessageId: "x", text: "hi" }));
    ws.send("[".repeat(20_000));
    await ws.waitFor("error", () => ws.of("error").length >= 5);
    expect(ws.of("error").every((e) => e.data.code === "bad_frame")).toBe(true);
    expect(ws.closed).toBe(false);
    expect((await transcript(sb, conv)).messages).toHaveLength(0);
    // Still usable.
    ws.send({ type: "send", clientMessageId: "after-errors-01", text: "Is my data encrypted?" });
    await ws.waitFor("done");
    expect((await transcript(sb, conv)).messages).toHaveLength(2);
    ws.close();
  });
});
