/**
 * The real `openai` SDK in the worker, pointed by OPENAI_BASE_URL at the scripted model
 * server: streamed answers, tool calls, usage, and model errors.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { ServerEvent } from "../shared/protocol";
import { flatten, send, startConversation, type Switchboard, trace, transcript } from "./helpers/switchboard";
import { useScriptedSwitchboard } from "./helpers/fixtures";

const fx = useScriptedSwitchboard({ seed: true, allowModel: true });
const model = fx.model;
let sb: Switchboard;
beforeAll(async () => {
  sb = fx.sb;
  await sb.putAgent("demo", {
    id: "router",
    name: "Lumen Assistant",
    description: "Test router",
    instructions: "You are the test router.",
    tools: ["search_knowledge"],
    knowledge: ["faq"],
    model: { name: "test-model-1", maxTokens: 200 },
  });
});

describe("openai provider", () => {
  it("health reports the openai provider", async () => {
    expect(await (await sb.fetch("/api/health")).json()).toMatchObject({ provider: "openai" });
  });

  it("streams the model's answer as it arrives and stores what streamed", async () => {
    model.on("test router", { text: ["Hello", " there,", " how can", " I help?"], usage: { prompt: 42, completion: 7 } });
    const conv = await startConversation(sb);
    const { events, reply } = await send(sb, conv, "Hi!");
    const deltas = events.filter((e): e is Extract<ServerEvent, { type: "delta" }> => e.type === "delta").map((e) => e.data.text);
    expect(deltas).toEqual(["Hello", " there,", " how can", " I help?"]);
    expect(reply).toMatchObject({ role: "assistant", text: "Hello there, how can I help?", author: "Lumen Assistant" });
    expect(reply?.offline).toBeUndefined();

    // What the model was sent: the agent's model, its instructions, the visitor's words, streaming with usage.
    const [request] = model.requests;
    expect(request?.body.model).toBe("test-model-1");
    expect(request?.body.stream).toBe(true);
    expect(request?.body.max_tokens).toBe(200);
    expect(request?.headers.authorization).toBe("Bearer sk-test");
    expect(request?.body.messages[0]).toMatchObject({ role: "system" });
    expect(request?.system).toContain("You are the test router.");
    expect(request?.body.messages.at(-1)).toEqual({ role: "user", content: "Hi!" });
    expect(request?.body.tools?.map((t) => t.function.name)).toEqual(["search_knowledge"]);

    // Usage lands in the trace and the ledger.
    const spans = flatten(await trace(sb, conv.id));
    const modelSpan = spans.find((s) => s.kind === "model");
    expect(modelSpan).toMatchObject({ name: "test-model-1", tokensIn: 42, tokensOut: 7, status: "ok" });
    await sb.flushUsage("demo");
    const ledger = await sb.db.prepare("SELECT SUM(tokens) AS t FROM usage_ledger WHERE conversation_id = ?").bind(conv.id).first<{ t: number }>();
    expect(ledger?.t).toBe(49);
  });

  it("runs a tool call and gives the model its result, then answers with sources", async () => {
    model.on(
      "test router",
      { toolCalls: [{ id: "call_search_1", name: "search_knowledge", arguments: { query: "export notes markdown" } }] },
      { text: "You can export from Settings → Account → Export (see Exporting your notes)." },
    );
    const conv = await startConversation(sb);
    const { reply } = await send(sb, conv, "How do I get my notes out?");
    expect(model.requests).toHaveLength(2);
    const second = model.requests[1];
    const assistant = second?.body.messages.find((m) => m.role === "assistant");
    expect(assistant?.tool_calls?.[0]).toMatchObject({ id: "call_search_1", function: { name: "search_knowledge" } });
    const toolMessage = second?.body.messages.find((m) => m.role === "tool");
    expect(toolMessage?.tool_call_id).toBe("call_search_1");
    const result = JSON.parse(toolMessage?.content ?? "{}") as { results: { title: string; text: string }[] };
    expect(result.results[0]?.title).toBe("Exporting your notes");
    expect(result.results[0]?.text).toContain("Settings → Account → Export");
    expect(reply?.sources?.map((s) => s.title)).toEqual(["Exporting your notes"]);

    const spans = flatten(await trace(sb, conv.id));
    expect(spans.filter((s) => s.kind === "model")).toHaveLength(2);
    expect(spans.find((s) => s.kind === "retrieval")).toMatchObject({ name: "search_knowledge", status: "ok" });
  });

  it("retries a 429 inside the SDK and then answers", async () => {
    model.on("test router", { status: 429, retryAfter: 0 }, { text: "Recovered answer." });
    const conv = await startConversation(sb);
    const { reply } = await send(sb, conv, "Anything?");
    expect(model.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(reply?.text).toBe("Recovered answer.");
  });

  it("a model that keeps failing gets a graceful reply and an error span", async () => {
    model.always("test router", { status: 500, error: "upstream exploded" });
    const conv = await startConversation(sb);
    const { reply, events } = await send(sb, conv, "Hello?");
    expect(reply?.text).toMatch(/ran into a problem/);
    expect(events.at(-1)).toMatchObject({ type: "done", data: { reason: "error" } });
    const modelSpans = flatten(await trace(sb, conv.id)).filter((s) => s.kind === "model");
    expect(modelSpans[0]?.status).toBe("error");
    // The provider's own words are in the trace (and not in the visitor's reply).
    expect(modelSpans[0]?.error).toBe("the model failed (500): upstream exploded");
    expect(reply?.text).not.toContain("exploded");
    // The SDK's own retries (2) happened, bounded.
    expect(model.requests.length).toBe(3);
    // The visitor's message is kept.
    expect((await transcript(sb, conv)).messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    // A resend of that message (a client whose connection dropped) replays how its turn
    // really ended, not a made-up `complete`, and runs nothing again.
    const first = events.at(-1) as Extract<ServerEvent, { type: "done" }>;
    const again = await send(sb, conv, "Hello?", first ? (events.find((e) => e.type === "message" && e.data.role === "user") as Extract<ServerEvent, { type: "message" }>).data.clientMessageId : undefined);
    expect(again.events.at(-1)).toEqual({ type: "done", data: { turnId: first.data.turnId, reason: "error", upTo: first.data.upTo } });
    expect(model.requests.length).toBe(3);
  });

  it("an agent that picks its own endpoint never gets the platform's key", async () => {
    await sb.putAgent("demo", {
      id: "router",
      name: "Lumen Assistant",
      description: "Test router",
      instructions: "You are the test router.",
      model: { name: "self-hosted", baseURL: model.url },
    });
    model.on("test router", { text: "From my own endpoint." });
    const conv = await startConversation(sb);
    const { reply } = await send(sb, conv, "hi");
    expect(reply?.text).toBe("From my own endpoint.");
    expect(model.requests[0]?.headers.authorization).toBe("Bearer no-key");
  });
});
