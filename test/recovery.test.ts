/**
 * Recovery from a process that dies mid-turn (workerd killed with SIGKILL and started again
 * on the same storage): the unanswered message is answered as soon as the conversation's
 * object wakes — by its own alarm when no client comes back, at once when one does — and
 * the reply the visitor saw streaming is replaced under the same id, never stored half.
 * Nothing acknowledged is lost and nothing is stored twice.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { agent } from "./helpers/model-server";
import { useScriptedSwitchboard } from "./helpers/fixtures";
import { eventually, flatten, setupOrg, startConversation, type Switchboard, testAgent, trace, transcript } from "./helpers/switchboard";
import { WsClient, wsUrl } from "./helpers/ws-client";

const fx = useScriptedSwitchboard();
const model = fx.model;
let sb: Switchboard;
beforeAll(async () => {
  sb = fx.sb;
  await setupOrg(sb, "crash", [testAgent("router")]);
});

const slow = { text: ["The ", "first ", "attempt ", "streams ", "slowly ", "and ", "never ", "ends ", "well."], chunkDelayMs: 400 };

/** A visitor sends over WebSocket; resolves once the first piece of the reply has arrived. */
async function sendAndSeeFirstDelta(conv: { id: string; token: string }, clientMessageId: string) {
  const ws = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
  await ws.waitFor("ready");
  ws.send({ type: "send", clientMessageId, text: "tell me something" });
  const ack = await ws.waitFor("ack");
  const delta = await ws.waitFor("delta");
  return { ws, ack, delta };
}

describe("a process killed mid-turn", () => {
  it("resumes the turn by itself when no client comes back, and replaces the half-streamed reply", async () => {
    model.on(agent("[router]"), slow, { text: "The whole answer." });
    const conv = await startConversation(sb, "crash");
    const { ack, delta } = await sendAndSeeFirstDelta(conv, "crash-alone-000001");

    await sb.restart();
    // Nobody asks: the object's own alarm wakes it and the turn runs again.
    await model.until(() => model.requests.length === 2);
    const after = await eventually(async () => {
      const t = await transcript(sb, conv);
      return t.messages.some((m) => m.role === "assistant") ? t : undefined;
    }, "the resumed reply");

    expect(after.messages.map((m) => [m.role, m.text])).toEqual([
      ["user", "tell me something"],
      ["assistant", "The whole answer."],
    ]);
    expect(after.messages[0]?.seq).toBe(ack.data.seq);
    // The reply that was streaming is replaced: same id, whole text, stored once.
    expect(after.messages[1]?.id).toBe(delta.data.messageId);
    const turns = flatten(await trace(sb, conv.id)).filter((s) => s.kind === "turn");
    expect(turns).toHaveLength(1);
    expect(turns[0]?.data).toMatchObject({ attempt: 2 });
  });

  it("resumes at once for a client that reconnects, which gets the reply live and exactly once", async () => {
    model.reset();
    model.on(agent("[router]"), slow, { text: ["Here ", "it ", "is."], chunkDelayMs: 50 });
    const conv = await startConversation(sb, "crash");
    const { delta } = await sendAndSeeFirstDelta(conv, "crash-client-00001");

    await sb.restart();
    // The widget comes back with the last seq it saw (its own message): that wakes the object.
    const ws = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 1));
    const done = await ws.waitFor("done", () => true, 20_000);
    expect(done.data.reason).toBe("complete");
    const replies = ws.of("message").filter((e) => e.data.role === "assistant");
    expect(replies.map((e) => [e.data.id, e.data.text])).toEqual([[delta.data.messageId, "Here it is."]]);
    // Live deltas of the resumed reply start again at offset 0 under the same id, so a
    // client replaces what it had rather than appending to it.
    expect(ws.of("delta")[0]?.data).toMatchObject({ messageId: delta.data.messageId, offset: 0 });
    expect(model.requests).toHaveLength(2);

    const t = await transcript(sb, conv);
    expect(t.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    ws.close();
  });

  it("keeps traces, budgets and the conversation index across the restart", async () => {
    model.reset();
    model.always(agent("[router]"), { text: "Fine.", usage: { prompt: 10, completion: 5 } });
    const rule = (await (await sb.admin("/api/admin/orgs/crash/budgets", { method: "POST", body: JSON.stringify({ period: "day", limitTokens: 1_000_000 }) })).json()) as { id: string };
    const conv = await startConversation(sb, "crash");
    const ws = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
    await ws.waitFor("ready");
    ws.send({ type: "send", clientMessageId: "crash-keep-000001", text: "hi" });
    await ws.waitFor("done");
    ws.close();
    const spansBefore = flatten(await trace(sb, conv.id)).length;

    await sb.restart();
    expect(flatten(await trace(sb, conv.id))).toHaveLength(spansBefore);
    const rules = ((await (await sb.admin("/api/admin/orgs/crash/budgets")).json()) as { rules: { id: string; used: number; reserved: number }[] }).rules;
    expect(rules.find((r) => r.id === rule.id)).toMatchObject({ used: 15, reserved: 0 });
    await sb.flushUsage("crash");
    const ledger = await sb.db.prepare("SELECT SUM(tokens) AS t FROM usage_ledger WHERE conversation_id = ?").bind(conv.id).first<{ t: number }>();
    expect(ledger?.t).toBe(15);
    const list = ((await (await sb.admin("/api/admin/orgs/crash/conversations")).json()) as { conversations: { id: string; messages: number }[] }).conversations;
    expect(list.find((c) => c.id === conv.id)).toMatchObject({ messages: 2 });
  });
});
