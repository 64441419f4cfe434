/**
 * Every model family through the public API, each against a scripted server that speaks
 * its real wire format and refuses what the provider refuses: a router that makes two
 * parallel tool calls (a delegation to a specialist and a knowledge search), the
 * specialist's own tool call, and the router's answer. What each server received is
 * checked (parameter names, thinking flags, reasoning and signatures sent back, tool
 * results), and so are the usage charged to the ledger, stop closing the connection, and
 * the provider's error text reaching the trace but not the visitor.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AgentConfigInput } from "../shared/config";
import type { TraceNode } from "../shared/trace";
import { type AnthropicBody, ScriptedAnthropic } from "./helpers/model-server-anthropic";
import { type GeminiBody, ScriptedGemini } from "./helpers/model-server-gemini";
import { agent, type Dialect, type RecordedRequest, type Reply, ScriptedModel, type ScriptedServer, type UsageScript } from "./helpers/model-server";
import { flatten, send, startConversation, startSwitchboard, type Switchboard, trace } from "./helpers/switchboard";

const KEY = "sk-family-key-0123456789";
const chat = Object.fromEntries(
  (["openai", "xai", "deepseek", "qwen", "glm", "gemini", "compatible"] as Dialect[]).map((d) => [d, new ScriptedModel(d)]),
) as Record<Dialect, ScriptedModel>;
const anthropic = new ScriptedAnthropic();
const gemini = new ScriptedGemini();
const servers: ScriptedServer<unknown>[] = [...Object.values(chat), anthropic, gemini] as ScriptedServer<unknown>[];
let sb: Switchboard;

beforeAll(async () => {
  await Promise.all(servers.map((s) => s.start()));
  sb = await startSwitchboard({
    seed: true,
    // The outbound guard lets agents reach these loopback servers (and nothing else private).
    allowPrivate: servers.map((s) => s.host),
  });
  // The demo org's own key for these models, from the encrypted secrets store.
  await sb.putSecret("demo", "MODEL_KEY", KEY);
});
afterAll(async () => {
  await sb?.close();
  await Promise.all(servers.map((s) => s.stop()));
});
beforeEach(() => {
  for (const s of servers) s.reset();
});

type Model = NonNullable<AgentConfigInput["model"]>;

/** The demo's router and billing specialist, both on this model. */
async function useModel(model: Model) {
  await sb.putAgent("demo", {
    id: "router",
    name: "Lumen Assistant",
    description: "Routes questions",
    instructions: "You are [router].",
    tools: ["search_knowledge"],
    knowledge: ["faq"],
    delegates: ["billing"],
    model,
  });
  await sb.putAgent("demo", {
    id: "billing",
    name: "Billing",
    description: "Billing questions",
    instructions: "You are [billing].",
    tools: ["search_knowledge"],
    knowledge: ["billing"],
    model,
  });
}

const usage = (n: number): UsageScript => ({ prompt: 100 + n, completion: 10 + n });
const ANSWER = "You were charged twice; billing says the duplicate is refunded within 5 days.";

/** Router: delegate + search in parallel, then answers; billing: a search, then answers. */
function script<B>(server: ScriptedServer<B>, extra: { reasoning?: string; usage?: (n: number) => UsageScript } = {}) {
  const u = extra.usage ?? usage;
  server.on(
    agent("[router]"),
    {
      reasoning: extra.reasoning,
      toolCalls: [
        { id: "call_delegate", name: "delegate", arguments: { agent: "billing", prompt: "Why was the customer charged twice?" } },
        { id: "call_search", name: "search_knowledge", arguments: { query: "charged twice refund" } },
      ],
      usage: u(1),
    },
    { text: ANSWER, usage: u(4) },
  );
  server.on(
    agent("[billing]"),
    { reasoning: extra.reasoning, toolCalls: [{ id: "call_billing_search", name: "search_knowledge", arguments: { query: "duplicate charge" } }], usage: u(2) },
    { text: "Duplicate charges are refunded within 5 days.", usage: u(3) },
  );
}

/** Sends the question and checks what every family must do alike; returns the trace. */
async function runScenario<B>(server: ScriptedServer<B>, expectedTokens: number | "estimated") {
  const conv = await startConversation(sb);
  const { reply, events } = await send(sb, conv, "Why was I charged twice this month?");
  const spans = flatten(await trace(sb, conv.id));
  expect(modelSpanErrors(spans)).toEqual([]);
  expect(events.at(-1)).toMatchObject({ type: "done", data: { reason: "complete" } });
  expect(reply?.text).toBe(ANSWER);
  expect(reply?.offline).toBeUndefined();
  expect(server.requests.filter((r) => r.status !== 200)).toEqual([]);
  expect(server.requests.filter(agent("[router]"))).toHaveLength(2);
  expect(server.requests.filter(agent("[billing]"))).toHaveLength(2);

  // Two separate calls from the router's one turn (not merged into one), both run.
  const routerTools = spans.filter((s) => s.kind === "tool" || s.kind === "retrieval").map((s) => s.name);
  expect(routerTools).toEqual(expect.arrayContaining(["delegate", "search_knowledge"]));
  expect(spans.some((s) => s.kind === "delegation" && s.name === "billing")).toBe(true);
  const models = spans.filter((s) => s.kind === "model");
  expect(models).toHaveLength(4);
  expect(models.every((s) => s.status === "ok")).toBe(true);

  // The org object batches ledger rows to D1: write them now.
  await sb.flushUsage("demo");
  const ledger = await sb.db.prepare("SELECT SUM(tokens) AS t, COUNT(*) AS n FROM usage_ledger WHERE conversation_id = ?").bind(conv.id).first<{ t: number; n: number }>();
  const traced = models.reduce((n, s) => n + (s.tokensIn ?? 0) + (s.tokensOut ?? 0), 0);
  expect(ledger?.n).toBe(4);
  // What the ledger charged is what the trace reports, call by call.
  expect(ledger?.t).toBe(traced);
  if (expectedTokens === "estimated") expect(traced).toBeGreaterThan(0);
  else expect(traced).toBe(expectedTokens);
  return { conv, spans };
}

/** 4 calls of usage(1..4): prompts 101..104, completions 11..14. */
const SCRIPTED_TOKENS = 410 + 50;

const modelSpanErrors = (spans: TraceNode[]) => spans.filter((s) => s.kind === "model" && s.status === "error").map((s) => s.error ?? "");

/** A stalled answer, then the visitor's stop: the server must see the client hang up. */
async function stopClosesConnection<B>(server: ScriptedServer<B>) {
  server.on(agent("[router]"), { text: "This answer never finishes", stall: true });
  const conv = await startConversation(sb);
  const sending = send(sb, conv, "Tell me everything.");
  await server.until(() => server.requests.length === 1);
  const res = await sb.fetch(`/api/conversations/${conv.id}/stop`, { method: "POST", headers: { authorization: `Bearer ${conv.token}` } });
  expect(res.ok).toBe(true);
  const { events } = await sending;
  expect(events.at(-1)).toMatchObject({ type: "done", data: { reason: "stopped" } });
  await server.until(() => server.requests[0]?.endedAt !== undefined);
  expect(server.requests[0]?.aborted).toBe(true);
}

/** A provider refusal: its words are in the model span's error, and not in the reply. */
async function errorTextInTrace(providerText: string) {
  const conv = await startConversation(sb);
  const { reply } = await send(sb, conv, "Hello?");
  expect(reply?.text).toMatch(/ran into a problem/);
  expect(reply?.text).not.toContain(providerText.slice(0, 20));
  const errors = modelSpanErrors(flatten(await trace(sb, conv.id)));
  expect(errors[0]).toContain(providerText);
  // Nothing the visitor can read holds it.
  const res = await sb.fetch(`/api/conversations/${conv.id}/messages?after=0`, { headers: { authorization: `Bearer ${conv.token}` } });
  expect(await res.text()).not.toContain(providerText.slice(0, 20));
}

const secret = { apiKeySecret: "MODEL_KEY" } as const;

describe("openai", () => {
  it("gpt-5: max_completion_tokens (the server refuses max_tokens), reasoning effort, the developer role, no temperature", async () => {
    await useModel({ family: "openai", name: "gpt-5-mini", baseURL: chat.openai.url, ...secret, maxOutputTokens: 600, reasoningEffort: "low", temperature: 0.3 });
    script(chat.openai);
    await runScenario(chat.openai, SCRIPTED_TOKENS);
    for (const r of chat.openai.requests) {
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(r.body.max_completion_tokens).toBe(600);
      expect(r.body.max_tokens).toBeUndefined();
      expect(r.body.temperature).toBeUndefined();
      expect(r.body.reasoning_effort).toBe("low");
      expect(r.body.messages[0]?.role).toBe("developer");
      expect(r.body.stream_options).toEqual({ include_usage: true });
    }
    // The router's second call carries both results of its parallel calls.
    const second = chat.openai.requests.filter(agent("[router]"))[1];
    const results = second?.body.messages.filter((m) => m.role === "tool") ?? [];
    expect(results.map((m) => m.tool_call_id).sort()).toEqual(["call_delegate", "call_search"]);
    expect(JSON.parse(results.find((m) => m.tool_call_id === "call_delegate")?.content ?? "{}")).toMatchObject({
      agent: "billing",
      status: "ok",
      reply: "Duplicate charges are refunded within 5 days.",
    });
  });

  it("the scripted server refuses max_tokens for gpt-5, as OpenAI does (the quirk is real)", async () => {
    const res = await fetch(`${chat.openai.url}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "gpt-5", messages: [{ role: "user", content: "hi" }], max_tokens: 10, stream: true }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Use 'max_completion_tokens' instead");
  });

  it("a stored config from before model families (provider, maxTokens) still reads and runs", async () => {
    await useModel({ family: "openai", name: "x" });
    const stored = (await sb.kv.get("agent:demo:router", "json")) as { version: number; config: Record<string, unknown> };
    const { family: _f, maxOutputTokens: _m, ...rest } = stored.config.model as Record<string, unknown>;
    stored.config.model = { ...rest, provider: "openai", name: "gpt-4o-mini", baseURL: chat.openai.url, apiKeySecret: "MODEL_KEY", maxTokens: 77 };
    stored.config.delegates = [];
    await sb.kv.put("agent:demo:router", JSON.stringify(stored));
    chat.openai.on(agent("[router]"), { text: "Still here." });
    const conv = await startConversation(sb);
    const { reply } = await send(sb, conv, "hi");
    expect(reply?.text).toBe("Still here.");
    expect(chat.openai.requests[0]?.body).toMatchObject({ model: "gpt-4o-mini", max_tokens: 77 });
  });

  it("stop closes the model connection", async () => {
    await useModel({ family: "openai", name: "gpt-4.1-mini", baseURL: chat.openai.url, ...secret });
    await stopClosesConnection(chat.openai);
  });
});

describe("anthropic (Messages API)", () => {
  const thinkingModel = (): Model => ({ family: "anthropic", name: "claude-sonnet-4-5", baseURL: anthropic.url, ...secret, maxOutputTokens: 512, thinking: true, thinkingBudget: 1024 });

  it("extended thinking: the signed thinking block goes back with the tool calls; results in one message", async () => {
    await useModel(thinkingModel());
    script(anthropic, { reasoning: "The customer wants billing and the FAQ." });
    await runScenario(anthropic, SCRIPTED_TOKENS);
    for (const r of anthropic.requests) {
      expect(r.headers["x-api-key"]).toBe(KEY);
      expect(r.body.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
      // The answer's 512 plus the thinking budget.
      expect(r.body.max_tokens).toBe(1536);
      expect(r.body.tools?.map((t) => t.name).sort()).toEqual(r.system.includes("[router]") ? ["delegate", "search_knowledge"] : ["search_knowledge"]);
    }
    const second = anthropic.requests.filter(agent("[router]"))[1] as RecordedRequest<AnthropicBody>;
    const [, assistant, results] = second.body.messages;
    const blocks = assistant?.content as { type: string; signature?: string; thinking?: string; id?: string }[];
    expect(blocks[0]).toMatchObject({ type: "thinking", thinking: "The customer wants billing and the FAQ.", signature: "sig_0_0" });
    expect(blocks.filter((b) => b.type === "tool_use").map((b) => b.id)).toEqual(["call_delegate", "call_search"]);
    expect((results?.content as { type: string; tool_use_id: string }[]).map((b) => `${b.type}:${b.tool_use_id}`)).toEqual([
      "tool_result:call_delegate",
      "tool_result:call_search",
    ]);
  });

  it("thinking off is sent as disabled, and the server refuses a tool turn sent back without its thinking block", async () => {
    await useModel({ family: "anthropic", name: "claude-haiku-4-5", baseURL: anthropic.url, ...secret, thinking: false });
    script(anthropic);
    await runScenario(anthropic, SCRIPTED_TOKENS);
    expect(anthropic.requests[0]?.body.thinking).toEqual({ type: "disabled" });
    expect(anthropic.requests[0]?.body.max_tokens).toBe(1024);

    const res = await fetch(`${anthropic.url}/messages`, {
      method: "POST",
      headers: { "x-api-key": "k", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({
        model: "claude-sonnet-4-5",
        max_tokens: 2048,
        thinking: { type: "enabled", budget_tokens: 1024 },
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "search_knowledge", input: {} }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "[]" }] },
        ],
        stream: true,
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("must start with a thinking block");
  });

  it("stop closes the connection; the provider's error text reaches the trace only", async () => {
    await useModel(thinkingModel());
    await stopClosesConnection(anthropic);
    anthropic.reset();
    anthropic.always(agent("[router]"), { status: 400, error: "prompt is too long: 212345 tokens > 200000 maximum" });
    await errorTextInTrace("prompt is too long: 212345 tokens > 200000 maximum");
  });
});

describe("google (native Gemini API)", () => {
  it("Gemini 3: parallel calls stay apart, and the thought signature goes back with them", async () => {
    await useModel({ family: "google", name: "gemini-3-pro-preview", baseURL: gemini.url, ...secret, maxOutputTokens: 800, thinking: true, thinkingBudget: 256 });
    script(gemini);
    await runScenario(gemini, SCRIPTED_TOKENS);
    for (const r of gemini.requests) {
      expect(r.headers["x-goog-api-key"]).toBe(KEY);
      expect(r.body.model).toBe("gemini-3-pro-preview");
      expect(r.body.generationConfig).toMatchObject({ maxOutputTokens: 800, thinkingConfig: { thinkingBudget: 256 } });
    }
    const second = gemini.requests.filter(agent("[router]"))[1] as RecordedRequest<GeminiBody>;
    const modelTurn = second.body.contents.find((c) => c.role === "model");
    const calls = (modelTurn?.parts ?? []) as { functionCall?: { name: string }; thoughtSignature?: string }[];
    expect(calls.map((p) => p.functionCall?.name)).toEqual(["delegate", "search_knowledge"]);
    // The signature the server issued for that turn (not the SDK's skip sentinel).
    expect(calls[0]?.thoughtSignature).toBe(`sig-${gemini.requests.filter(agent("[router]"))[0]?.index}`);
    const responses = second.body.contents.at(-1)?.parts as { functionResponse?: { name: string } }[];
    expect(responses.map((p) => p.functionResponse?.name)).toEqual(["delegate", "search_knowledge"]);
  });

  it("Gemini 2.5 with thinking off sends a zero thinking budget", async () => {
    await useModel({ family: "google", name: "gemini-2.5-flash", baseURL: gemini.url, ...secret, thinking: false });
    script(gemini);
    await runScenario(gemini, SCRIPTED_TOKENS);
    expect(gemini.requests[0]?.body.generationConfig?.thinkingConfig).toEqual({ thinkingBudget: 0 });
  });

  it("stop closes the connection; the provider's error text reaches the trace only", async () => {
    await useModel({ family: "google", name: "gemini-2.5-flash", baseURL: gemini.url, ...secret });
    await stopClosesConnection(gemini);
    gemini.reset();
    gemini.always(agent("[router]"), { status: 400, error: "Invalid JSON payload received. Unknown name \"foo\": Cannot find field." });
    await errorTextInTrace('Invalid JSON payload received. Unknown name "foo"');
  });
});

describe("Gemini through its OpenAI-compatible endpoint (family openai-compatible)", () => {
  it("tool calls streamed without index are keyed by id, and the signature rides back in extra_content", async () => {
    await useModel({ family: "openai-compatible", name: "gemini-3-flash-preview", baseURL: chat.gemini.url, ...secret });
    script(chat.gemini);
    await runScenario(chat.gemini, SCRIPTED_TOKENS);
    const [first, second] = chat.gemini.requests.filter(agent("[router]"));
    const assistant = second?.body.messages.find((m) => m.role === "assistant");
    expect(assistant?.tool_calls?.map((c) => c.function.name)).toEqual(["delegate", "search_knowledge"]);
    expect(assistant?.tool_calls?.[0]?.extra_content?.google?.thought_signature).toBe(`sig-${first?.index}-0`);
  });
});

describe("xai", () => {
  it("grok-3-mini takes reasoning effort and streams its reasoning", async () => {
    await useModel({ family: "xai", name: "grok-3-mini", baseURL: chat.xai.url, ...secret, reasoningEffort: "low" });
    script(chat.xai, { reasoning: "Two things to look up." });
    await runScenario(chat.xai, SCRIPTED_TOKENS);
    for (const r of chat.xai.requests) {
      expect(r.body.reasoning_effort).toBe("low");
      // xAI takes max_completion_tokens.
      expect(r.body.max_completion_tokens).toBe(1024);
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    }
  });

  it("grok-4 refuses reasoning effort: xAI's own words are in the trace, not in the reply", async () => {
    await useModel({ family: "xai", name: "grok-4", baseURL: chat.xai.url, ...secret, reasoningEffort: "high" });
    await errorTextInTrace("Model grok-4 does not support parameter reasoningEffort.");
    expect(chat.xai.requests[0]?.rejected).toContain("reasoningEffort");
  });
});

describe("deepseek", () => {
  it("with thinking, reasoning_content goes back with the tool calls of the same turn (the server refuses it otherwise)", async () => {
    await useModel({ family: "deepseek", name: "deepseek-reasoner", baseURL: chat.deepseek.url, ...secret });
    script(chat.deepseek, { reasoning: "Billing plus the FAQ." });
    await runScenario(chat.deepseek, SCRIPTED_TOKENS);
    const second = chat.deepseek.requests.filter(agent("[router]"))[1];
    const assistant = second?.body.messages.find((m) => m.role === "assistant");
    expect(assistant?.reasoning_content).toBe("Billing plus the FAQ.");
    expect(assistant?.tool_calls?.map((c) => c.id)).toEqual(["call_delegate", "call_search"]);
  });

  it("thinking can be turned off", async () => {
    await useModel({ family: "deepseek", name: "deepseek-chat", baseURL: chat.deepseek.url, ...secret, thinking: false });
    script(chat.deepseek);
    await runScenario(chat.deepseek, SCRIPTED_TOKENS);
    expect(chat.deepseek.requests.every((r) => r.body.thinking?.type === "disabled")).toBe(true);
    expect(chat.deepseek.requests.some((r) => r.body.messages.some((m) => m.reasoning_content))).toBe(false);
  });
});

describe("qwen", () => {
  it("thinking is off unless asked for, so it cannot eat the answer's budget", async () => {
    await useModel({ family: "qwen", name: "qwen3-32b", baseURL: chat.qwen.url, ...secret });
    script(chat.qwen);
    await runScenario(chat.qwen, SCRIPTED_TOKENS);
    expect(chat.qwen.requests.every((r) => r.body.enable_thinking === false && r.body.max_tokens === 1024)).toBe(true);
  });

  it("with thinking on, it gets a budget of its own beside the answer's", async () => {
    await useModel({ family: "qwen", name: "qwen3-32b", baseURL: chat.qwen.url, ...secret, thinking: true, maxOutputTokens: 2000, thinkingBudget: 300 });
    script(chat.qwen, { reasoning: "A short thought." });
    await runScenario(chat.qwen, SCRIPTED_TOKENS);
    expect(chat.qwen.requests[0]?.body).toMatchObject({ enable_thinking: true, thinking_budget: 300, max_tokens: 2000 });
  });
});

describe("glm", () => {
  it("thinking off, tool_stream on, no stream_options; usage from GLM's last chunk", async () => {
    await useModel({ family: "glm", name: "glm-4.6", baseURL: chat.glm.url, ...secret });
    script(chat.glm);
    await runScenario(chat.glm, SCRIPTED_TOKENS);
    for (const r of chat.glm.requests) {
      expect(r.body.thinking).toEqual({ type: "disabled" });
      expect(r.body.tool_stream).toBe(true);
      expect(r.body.stream_options).toBeUndefined();
    }
  });

  it("the scripted GLM server thinks by default and its thinking eats a 1,024-token answer (the quirk is real)", async () => {
    chat.glm.on(() => true, { text: "The answer." });
    const res = await fetch(`${chat.glm.url}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "glm-4.6", messages: [{ role: "user", content: "hi" }], max_tokens: 1024, stream: true }),
    });
    const text = await res.text();
    expect(text).toContain('"finish_reason":"length"');
    expect(text).not.toContain("The answer.");
  });

  it("a stream without usage is charged by estimate, the same in the ledger and the trace", async () => {
    await useModel({ family: "glm", name: "glm-4.6", baseURL: chat.glm.url, ...secret });
    script(chat.glm, { usage: () => null });
    const { spans } = await runScenario(chat.glm, "estimated");
    for (const s of spans.filter((s) => s.kind === "model")) expect((s.tokensIn ?? 0) > 0 && (s.tokensOut ?? 0) > 0).toBe(true);
  });
});

describe("openai-compatible (Ollama, vLLM)", () => {
  it("the agent's own endpoint with no key, extra body fields, usage asked for", async () => {
    await useModel({
      family: "openai-compatible",
      name: "qwen3:8b",
      baseURL: chat.compatible.url,
      maxOutputTokens: 300,
      extraBody: { chat_template_kwargs: { enable_thinking: false } },
    });
    script(chat.compatible);
    await runScenario(chat.compatible, SCRIPTED_TOKENS);
    for (const r of chat.compatible.requests) {
      expect(r.headers.authorization).toBeUndefined();
      expect(r.body).toMatchObject({ model: "qwen3:8b", max_tokens: 300, stream_options: { include_usage: true }, chat_template_kwargs: { enable_thinking: false } });
    }
  });

  it("stop closes the connection", async () => {
    await useModel({ family: "openai-compatible", name: "llama3.1", baseURL: chat.compatible.url });
    await stopClosesConnection(chat.compatible);
  });
});

describe("model config validation", () => {
  const post = (model: unknown) =>
    sb.admin("/api/admin/orgs/demo/agents", { method: "POST", body: JSON.stringify({ id: "probe", name: "Probe", description: "x", model }) });

  it.each([
    [{ family: "anthropic" }, "name"],
    [{ family: "openai-compatible", name: "llama3.1" }, "baseURL"],
    [{ family: "openai", name: "gpt-4.1", thinking: true }, "thinking"],
    [{ family: "anthropic", name: "claude-sonnet-4-5", reasoningEffort: "high" }, "reasoningEffort"],
    [{ family: "anthropic", name: "claude-sonnet-4-5", thinking: true, thinkingBudget: 500 }, "thinkingBudget"],
    [{ family: "google", name: "gemini-2.5-flash", thinkingBudget: 512 }, "thinkingBudget"],
    [{ family: "google", name: "gemini-2.5-flash", provider: "openai" }, "provider"],
    [{ family: "mistral", name: "x" }, "family"],
    [{ family: "openai-compatible", name: "x", baseURL: "http://127.0.0.1:1/v1", extraBody: { model: "other" } }, "extraBody"],
    [{ family: "openai", baseURL: "file:///etc/passwd" }, "baseURL"],
  ])("refuses %j (%s)", async (model, field) => {
    const res = await post(model);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.message).toContain(field);
    expect((await sb.admin("/api/admin/orgs/demo/agents/probe")).status).toBe(404);
  });
});
