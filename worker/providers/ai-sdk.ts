/**
 * A model family's provider: the family's AI SDK language model (see families.ts), called
 * through the provider specification (`doStream`) so that the engine keeps its own loop.
 * Streams text as it arrives, collects tool calls, keeps what the provider must get back
 * with the turn (reasoning, thought signatures) as the message's `providerData`, and
 * reports usage — estimated when the stream brings none, so budgets still charge.
 */
import {
  APICallError,
  type JSONValue,
  type LanguageModelV3,
  type LanguageModelV3CallOptions,
  type LanguageModelV3Message,
  type LanguageModelV3StreamPart,
  type SharedV3ProviderMetadata,
} from "@ai-sdk/provider";
import type { ModelConfig } from "../../shared/config";
import type { ModelFamilyName } from "./families";
import { FAMILIES } from "./families";
import { estimateTokens } from "./offline";
import { type ChatMessage, type ModelChunk, ModelError, type ModelProvider, type ModelRequest, type ToolCall } from "./types";

/** Retries of a refused call (429, 5xx, connection failures) before any of it streamed. */
const MAX_RETRIES = 2;
/** A provider's Retry-After longer than this is not waited for: the call fails instead. */
const MAX_RETRY_WAIT_MS = 10_000;
const DETAIL_MAX = 500;

/** The assistant turn as the provider gave it: what goes back to it in the next call. */
type AssistantPart = Extract<LanguageModelV3Message, { role: "assistant" }>["content"][number];
interface ProviderData {
  parts: AssistantPart[];
}

export class AiSdkProvider implements ModelProvider {
  constructor(
    readonly kind: ModelFamilyName,
    private readonly model: LanguageModelV3,
  ) {}

  async *stream(request: ModelRequest): AsyncIterable<ModelChunk> {
    const config = request.agent.model;
    const { signal } = request;
    const options: LanguageModelV3CallOptions = {
      prompt: toPrompt(request.messages),
      maxOutputTokens: config.maxOutputTokens,
      ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
      ...(request.tools.length
        ? {
            tools: request.tools.map((t) => ({ type: "function" as const, name: t.name, description: t.description, inputSchema: t.parameters })),
            toolChoice: { type: "auto" as const },
          }
        : {}),
      providerOptions: FAMILIES[this.kind].options(config as ModelConfig, request.tools.length > 0),
      abortSignal: signal,
    };

    let reader: ReadableStreamDefaultReader<LanguageModelV3StreamPart>;
    try {
      reader = (await withRetries(() => this.model.doStream(options), signal)).stream.getReader();
    } catch (error) {
      throw toModelError(error, signal);
    }
    // Stop and deadline end the read at once; the aborted fetch closes the connection.
    const onAbort = () => void reader.cancel(signal.reason).catch(() => {});
    signal.addEventListener("abort", onAbort, { once: true });

    const turn = new TurnRecorder();
    let usage: { input?: number; output?: number } = {};
    try {
      while (true) {
        const { done, value: part } = await reader.read();
        if (done) break;
        if (part.type === "text-delta") {
          turn.text(part.id, part.delta, part.providerMetadata);
          if (part.delta) yield { type: "text", text: part.delta };
        } else if (part.type === "text-start" || part.type === "text-end") turn.text(part.id, "", part.providerMetadata);
        else if (part.type === "reasoning-start" || part.type === "reasoning-end") turn.reasoning(part.id, "", part.providerMetadata);
        else if (part.type === "reasoning-delta") turn.reasoning(part.id, part.delta, part.providerMetadata);
        else if (part.type === "tool-call" && !part.providerExecuted) turn.toolCall(part.toolCallId, part.toolName, part.input, part.providerMetadata);
        else if (part.type === "finish") usage = { input: part.usage.inputTokens.total, output: part.usage.outputTokens.total };
        else if (part.type === "error") throw part.error;
      }
    } catch (error) {
      throw toModelError(error, signal);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
    if (signal.aborted) throw signal.reason;

    for (const call of turn.calls) yield { type: "tool_call", call };
    const data = turn.providerData();
    if (data) yield { type: "provider_data", data };
    // A stream without usage (some servers ignore stream_options) is charged by estimate,
    // the same way the budget reserved it.
    yield {
      type: "usage",
      inputTokens: usage.input ?? request.messages.reduce((n, m) => n + estimateTokens(JSON.stringify(m)), 0),
      outputTokens: usage.output ?? turn.estimatedOutput(),
    };
  }
}

/** Builds the turn's parts from the stream, in order, with their provider metadata. */
class TurnRecorder {
  readonly calls: ToolCall[] = [];
  private readonly parts: AssistantPart[] = [];
  private readonly open = new Map<string, Extract<AssistantPart, { type: "text" | "reasoning" }>>();
  private withMetadata = false;

  text(id: string, delta: string, metadata?: SharedV3ProviderMetadata) {
    this.piece("text", id, delta, metadata);
  }

  reasoning(id: string, delta: string, metadata?: SharedV3ProviderMetadata) {
    this.piece("reasoning", id, delta, metadata);
    this.withMetadata = true;
  }

  toolCall(id: string, name: string, input: string, metadata?: SharedV3ProviderMetadata) {
    this.calls.push({ id, name, arguments: input });
    this.parts.push({ type: "tool-call", toolCallId: id, toolName: name, input: parseInput(input), ...this.options(metadata) });
  }

  providerData(): ProviderData | undefined {
    return this.withMetadata ? { parts: this.parts } : undefined;
  }

  estimatedOutput(): number {
    let text = "";
    for (const p of this.parts) if (p.type === "text" || p.type === "reasoning") text += p.text;
    for (const c of this.calls) text += c.name + c.arguments;
    return estimateTokens(text);
  }

  private piece(type: "text" | "reasoning", id: string, delta: string, metadata?: SharedV3ProviderMetadata) {
    const key = `${type}:${id}`;
    let part = this.open.get(key);
    if (!part) {
      const created: Extract<AssistantPart, { type: "text" | "reasoning" }> = { type, text: "" };
      this.open.set(key, created);
      this.parts.push(created);
      part = created;
    }
    part.text += delta;
    if (metadata && Object.keys(metadata).length) {
      part.providerOptions = merge(part.providerOptions, metadata);
      this.withMetadata = true;
    }
  }

  private options(metadata?: SharedV3ProviderMetadata): { providerOptions?: SharedV3ProviderMetadata } {
    if (!metadata || !Object.keys(metadata).length) return {};
    this.withMetadata = true;
    // Gemini's OpenAI-compatible endpoint returns a thought signature with a tool call
    // (under the provider's own name) and must get it back, where the OpenAI-compatible
    // package reads it: under `google`.
    const signature = Object.values(metadata).find((m) => m && typeof m.thoughtSignature === "string")?.thoughtSignature;
    return { providerOptions: signature && !metadata.google ? { ...metadata, google: { thoughtSignature: signature } } : metadata };
  }
}

function merge(a: SharedV3ProviderMetadata | undefined, b: SharedV3ProviderMetadata): SharedV3ProviderMetadata {
  const out: SharedV3ProviderMetadata = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = { ...out[k], ...v };
  return out;
}

function parseInput(input: string): JSONValue {
  try {
    return JSON.parse(input || "{}");
  } catch {
    // The engine answers malformed arguments with a tool error; the provider still gets
    // the call back, as an empty object.
    return {};
  }
}

/** The engine's messages in the provider specification's shape. */
function toPrompt(messages: ChatMessage[]): LanguageModelV3Message[] {
  const prompt: LanguageModelV3Message[] = [];
  const toolNames = new Map<string, string>();
  for (const m of messages) {
    if (m.role === "system") prompt.push({ role: "system", content: m.content });
    else if (m.role === "user") prompt.push({ role: "user", content: [{ type: "text", text: m.content }] });
    else if (m.role === "assistant") {
      for (const c of m.tool_calls ?? []) toolNames.set(c.id, c.name);
      prompt.push({ role: "assistant", content: assistantParts(m) });
    } else {
      const part = {
        type: "tool-result" as const,
        toolCallId: m.tool_call_id,
        toolName: toolNames.get(m.tool_call_id) ?? "tool",
        output: { type: "text" as const, value: m.content },
      };
      // The results of one turn's calls travel together (Anthropic requires it).
      const last = prompt[prompt.length - 1];
      if (last?.role === "tool") last.content.push(part);
      else prompt.push({ role: "tool", content: [part] });
    }
  }
  return prompt;
}

function assistantParts(m: Extract<ChatMessage, { role: "assistant" }>): AssistantPart[] {
  const calls = m.tool_calls ?? [];
  const data = isProviderData(m.providerData) ? m.providerData : undefined;
  if (data) {
    // The turn as the provider gave it, with the engine's calls (unchanged, in its order).
    const byId = new Map(data.parts.flatMap((p) => (p.type === "tool-call" ? [[p.toolCallId, p] as const] : [])));
    return [
      ...data.parts.filter((p) => p.type !== "tool-call"),
      ...calls.map((c) => ({ ...byId.get(c.id), type: "tool-call" as const, toolCallId: c.id, toolName: c.name, input: parseInput(c.arguments) })),
    ];
  }
  return [
    ...(m.content ? [{ type: "text" as const, text: m.content }] : []),
    ...calls.map((c) => ({ type: "tool-call" as const, toolCallId: c.id, toolName: c.name, input: parseInput(c.arguments) })),
  ];
}

function isProviderData(value: unknown): value is ProviderData {
  return !!value && typeof value === "object" && Array.isArray((value as ProviderData).parts);
}

async function withRetries<T>(call: () => PromiseLike<T>, signal: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (signal.aborted || attempt >= MAX_RETRIES || !APICallError.isInstance(error) || !error.isRetryable) throw error;
      const wait = retryDelay(error, attempt);
      if (wait > MAX_RETRY_WAIT_MS) throw error;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wait);
        signal.addEventListener("abort", done, { once: true });
        function done() {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        }
      });
      if (signal.aborted) throw signal.reason;
    }
  }
}

function retryDelay(error: APICallError, attempt: number): number {
  const headers = error.responseHeaders ?? {};
  const ms = Number(headers["retry-after-ms"]);
  if (headers["retry-after-ms"] && Number.isFinite(ms)) return Math.max(0, ms);
  const after = headers["retry-after"];
  if (after !== undefined) {
    const seconds = Number(after);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  return 500 * 2 ** attempt;
}

function toModelError(error: unknown, signal: AbortSignal): unknown {
  // An abort is the engine's own doing (stop or deadline): let the signal's reason speak.
  if (signal.aborted) return signal.reason;
  if (error instanceof ModelError) return error;
  const detail = clip(providerText(error));
  if (APICallError.isInstance(error) && error.statusCode !== undefined) {
    const status = error.statusCode;
    if (status === 429) return new ModelError("rate_limited", "the model is rate limited", status, detail);
    if (status === 401 || status === 403) return new ModelError("auth", "the model rejected the API key", status, detail);
    if (status >= 400 && status < 500) return new ModelError("bad_request", `the model rejected the request (${status})`, status, detail);
    return new ModelError("model_error", `the model failed (${status})`, status, detail);
  }
  return new ModelError("model_error", "the model failed", undefined, detail);
}

/** The provider's own explanation: its error message, else the response body. */
function providerText(error: unknown): string {
  if (APICallError.isInstance(error)) {
    const generic = /^(Bad Request|Unauthorized|Forbidden|Not Found|Too Many Requests|Internal Server Error)$/i.test(error.message);
    return (generic && error.responseBody) || error.message || error.responseBody || "";
  }
  if (error instanceof Error) return error.message;
  if (error && typeof error === "object") {
    const o = error as { message?: unknown; error?: { message?: unknown } };
    if (typeof o.message === "string") return o.message;
    if (typeof o.error?.message === "string") return o.error.message;
    return JSON.stringify(error);
  }
  return String(error);
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= DETAIL_MAX ? flat : `${flat.slice(0, DETAIL_MAX - 1)}…`;
}
