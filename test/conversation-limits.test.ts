/**
 * What one conversation may spend: a token ceiling per conversation (the site's
 * `conversationTokenLimit`), counted over every turn and every delegated run, with a clear
 * reply and a person when it is reached; and a history bounded by its estimated tokens
 * (`historyTokenLimit`), not by a count of messages, always with the visitor's latest
 * message (cut when it alone is too large), the trace saying what was left out.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONVERSATION_TOKEN_LIMIT } from "../shared/config";
import { MAX_MESSAGE_BYTES } from "../shared/limits";
import { agent, type ChatBody } from "./helpers/model-server";
import { flatten, send, setupOrg, startConversation, type Switchboard, testAgent, trace } from "./helpers/switchboard";
import { useScriptedSwitchboard } from "./helpers/fixtures";

const fx = useScriptedSwitchboard();
const model = fx.model;
let sb: Switchboard;
beforeAll(async () => {
  sb = fx.sb;
});

/** What the engine reserves a request's prompt as: its messages as sent, 4 characters a token. */
const promptTokens = (body: ChatBody) => body.messages.reduce((n, m) => n + Math.ceil(JSON.stringify(m).length / 4), 0);

/** A visitor message of exactly the largest size allowed, made of words. */
const bigMessage = (i: number) => `Message ${i}: ${"lorem ipsum dolor sit amet ".repeat(400)}`.slice(0, MAX_MESSAGE_BYTES);

describe("the conversation's token ceiling", () => {
  it("counts every turn and every delegated run; once reached, the visitor is told and a person takes over, and no model is called", async () => {
    await setupOrg(sb, "ceil", [testAgent("router", { delegates: ["billing"] }), testAgent("billing")], "router", { conversationTokenLimit: 1_000 });
    // Turn 1: 120 (router) + 230 (billing, in its own object) + 120 (router) = 470.
    model.on(
      agent("[router]"),
      { toolCalls: [{ name: "delegate", arguments: { agent: "billing", prompt: "invoice?" } }], usage: { prompt: 100, completion: 20 } },
      { text: "Billing says it is paid.", usage: { prompt: 100, completion: 20 } },
      // Turn 2: 400 more, 870 in all. Without the specialist's 230 it would be 640, and turn 3 would fit.
      { text: "Anything else?", usage: { prompt: 380, completion: 20 } },
    );
    model.on(agent("[billing]"), { text: "It is paid.", usage: { prompt: 200, completion: 30 } });
    const conv = await startConversation(sb, "ceil");
    expect((await send(sb, conv, "is my invoice paid?")).reply?.text).toBe("Billing says it is paid.");
    expect((await send(sb, conv, "thanks")).reply?.text).toBe("Anything else?");

    // The spend is stored with the conversation: a restart does not reset it.
    await sb.restart();
    const before = model.requests.length;
    const third = await send(sb, conv, "one more question");
    expect(model.requests.length).toBe(before);
    expect(third.reply?.text).toMatch(/limit of what I can answer in one chat/);
    expect(third.reply?.text).toMatch(/person from our team/);
    expect(third.events.some((e) => e.type === "status" && e.data.status === "waiting")).toBe(true);
    expect(third.events.at(-1)).toMatchObject({ type: "done", data: { reason: "budget" } });

    const spans = flatten(await trace(sb, conv.id));
    const hit = spans.find((s) => s.kind === "budget");
    expect(hit).toMatchObject({ name: "reserve", status: "blocked", agentId: "router" });
    expect(hit?.error).toContain("ceiling");
    expect(hit?.error).toContain("870/1000");
    expect(hit?.data).toMatchObject({ period: "conversation", used: 870, limit: 1000 });
    expect(spans.find((s) => s.kind === "handoff" || (s.kind === "status" && s.data?.to === "waiting"))).toBeTruthy();
  });

  it("a long conversation of the largest messages, with the defaults: every prompt is bounded, and the ceiling ends it", async () => {
    // The review's attack: 20 messages of 8 KB made 20 model calls and ~425k prompt tokens.
    await setupOrg(sb, "flood", [testAgent("router")]);
    // No usage in the stream: each call is charged by estimate (what was sent and what streamed).
    model.always(agent("[router]"), { text: "Noted.", usage: null });
    const conv = await startConversation(sb, "flood");
    const replies: string[] = [];
    for (let i = 1; i <= 20; i++) replies.push((await send(sb, conv, bigMessage(i))).reply?.text ?? "");

    const requests = model.requests.filter(agent("[router]"));
    for (const [i, request] of requests.entries()) {
      // The history fits the site's default (8,000 tokens), whatever the messages' size…
      const history = request.body.messages.filter((m) => m.role !== "system");
      expect(history.reduce((n, m) => n + new TextEncoder().encode(m.content ?? "").length, 0)).toBeLessThanOrEqual(8_000 * 4);
      // …and always holds the visitor's latest message, whole.
      expect(history.at(-1)).toMatchObject({ role: "user", content: bigMessage(i + 1) });
    }
    // Older messages were left out, and the turn's span says so.
    const turns = flatten(await trace(sb, conv.id)).filter((s) => s.kind === "turn");
    const last = turns.at(requests.length - 1)?.data?.history as { kept: number; dropped?: number; droppedThroughSeq?: number; tokens: number; limit: number };
    expect(last).toMatchObject({ limit: 8_000, dropped: expect.any(Number), droppedThroughSeq: expect.any(Number) });
    expect(last.tokens).toBeLessThanOrEqual(8_000);
    expect((last.dropped ?? 0) + last.kept).toBe(2 * requests.length - 1);

    // Everything the model was sent stays under the ceiling; then a person takes over.
    expect(requests.reduce((n, r) => n + promptTokens(r.body), 0)).toBeLessThanOrEqual(DEFAULT_CONVERSATION_TOKEN_LIMIT);
    expect(requests.length).toBeLessThan(20);
    expect(replies.filter((r) => /limit of what I can answer/.test(r))).toHaveLength(1);
    const status = await sb.fetch(`/api/conversations/${conv.id}/messages?after=0`, { headers: { authorization: `Bearer ${conv.token}` } });
    expect(((await status.json()) as { status: string }).status).toBe("waiting");
  });
});

describe("history bounded by tokens", () => {
  it("cuts the visitor's latest message when it alone is larger than the history limit, and says so in the trace", async () => {
    await setupOrg(sb, "cut", [testAgent("router")], "router", { historyTokenLimit: 500 });
    model.always(agent("[router]"), { text: "ok" });
    const conv = await startConversation(sb, "cut");
    await send(sb, conv, "hello there");
    await send(sb, conv, bigMessage(2));

    const last = model.requests.filter(agent("[router]")).at(-1);
    const history = last?.body.messages.filter((m) => m.role !== "system") ?? [];
    // Only the latest message fits (cut), so the first exchange is left out.
    expect(history).toHaveLength(1);
    expect(history[0]?.role).toBe("user");
    expect(history[0]?.content?.startsWith(bigMessage(2).slice(0, 1_000))).toBe(true);
    expect(history[0]?.content).toMatch(/the rest of this message was cut/);
    expect(new TextEncoder().encode(history[0]?.content ?? "").length).toBeLessThanOrEqual(500 * 4);

    const turn = flatten(await trace(sb, conv.id)).filter((s) => s.kind === "turn").at(-1);
    expect(turn?.data?.history).toMatchObject({ kept: 1, dropped: 2, limit: 500, cut: { from: expect.any(Number), to: expect.any(Number) } });
    const cut = (turn?.data?.history as { cut: { from: number; to: number } }).cut;
    expect(cut.from).toBeGreaterThan(2_000);
    expect(cut.to).toBeLessThanOrEqual(500);
  });

  it("refuses a site limit outside the allowed range", async () => {
    const res = await sb.admin("/api/admin/orgs/cut/sites", {
      method: "POST",
      body: JSON.stringify({ key: "cut-bad", name: "x", entryAgent: "router", conversationTokenLimit: 10, historyTokenLimit: 10 }),
    });
    expect(res.status).toBe(400);
  });
});
