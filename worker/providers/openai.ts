/**
 * The real provider: the `openai` SDK against any OpenAI-compatible endpoint.
 * Streams text as it arrives, assembles tool calls from their streamed pieces, and reports
 * token usage (`stream_options.include_usage`).
 */
import OpenAI, { type ClientOptions } from "openai";
import type { ModelConfig } from "../../shared/config";
import { type ChatMessage, type ModelChunk, ModelError, type ModelProvider, type ModelRequest } from "./types";

export interface OpenAIProviderOptions {
  apiKey: string;
  baseURL?: string;
  /** The outbound guard's fetch, for an endpoint an agent chose (net/outbound.ts). */
  fetch?: typeof fetch;
}

export class OpenAIProvider implements ModelProvider {
  readonly kind = "openai" as const;
  private readonly client: OpenAI;

  constructor(options: OpenAIProviderOptions) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      ...(options.fetch ? { fetch: options.fetch as ClientOptions["fetch"] } : {}),
      // Retries of 429/5xx happen inside the SDK with backoff; the run's deadline (the
      // abort signal) bounds them all.
      maxRetries: 2,
    });
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelChunk> {
    const model: ModelConfig = request.agent.model;
    let stream;
    try {
      stream = await this.client.chat.completions.create(
        {
          model: model.name,
          messages: request.messages.map(toOpenAIMessage),
          ...(request.tools.length > 0
            ? {
                tools: request.tools.map((t) => ({
                  type: "function" as const,
                  function: { name: t.name, description: t.description, parameters: t.parameters },
                })),
              }
            : {}),
          ...(model.temperature !== undefined ? { temperature: model.temperature } : {}),
          max_tokens: model.maxTokens,
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: request.signal },
      );
    } catch (error) {
      throw toModelError(error, request.signal);
    }

    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    try {
      for await (const chunk of stream) {
        if (chunk.usage) {
          yield {
            type: "usage",
            inputTokens: chunk.usage.prompt_tokens ?? 0,
            outputTokens: chunk.usage.completion_tokens ?? 0,
          };
        }
        const delta = chunk.choices?.[0]?.delta;
        if (!delta) continue;
        if (delta.content) yield { type: "text", text: delta.content };
        for (const piece of delta.tool_calls ?? []) {
          const call = calls.get(piece.index) ?? { id: "", name: "", arguments: "" };
          if (piece.id) call.id = piece.id;
          if (piece.function?.name) call.name += piece.function.name;
          if (piece.function?.arguments) call.arguments += piece.function.arguments;
          calls.set(piece.index, call);
        }
      }
    } catch (error) {
      throw toModelError(error, request.signal);
    }
    if (request.signal.aborted) throw request.signal.reason;
    for (const [index, call] of [...calls.entries()].sort((a, b) => a[0] - b[0])) {
      // A model that sends no id gets a unique one: "call_0" in every turn would make
      // different delegations share one child run.
      yield { type: "tool_call", call: { ...call, id: call.id || `call_${index}_${crypto.randomUUID().slice(0, 8)}` } };
    }
  }
}

/** Our tool calls are flat; the API nests them under `function`. */
function toOpenAIMessage(message: ChatMessage): OpenAI.Chat.ChatCompletionMessageParam {
  if (message.role === "assistant" && message.tool_calls?.length) {
    return {
      role: "assistant",
      content: message.content,
      tool_calls: message.tool_calls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } })),
    };
  }
  if (message.role === "assistant") return { role: "assistant", content: message.content ?? "" };
  return message;
}

function toModelError(error: unknown, signal: AbortSignal): unknown {
  // An abort is the engine's own doing (stop or deadline): let the signal's reason speak.
  if (signal.aborted) return signal.reason;
  if (error instanceof OpenAI.APIError) {
    const status = error.status;
    if (status === 429) return new ModelError("rate_limited", "the model is rate limited", status);
    if (status === 401 || status === 403) return new ModelError("auth", "the model rejected the API key", status);
    if (status !== undefined && status >= 400 && status < 500) {
      return new ModelError("bad_request", `the model rejected the request (${status})`, status);
    }
    return new ModelError("model_error", `the model failed${status ? ` (${status})` : ""}`, status);
  }
  return new ModelError("model_error", error instanceof Error ? error.message : String(error));
}
