/**
 * What differs between model families, in one table: which AI SDK provider package speaks
 * the family's API, its public endpoint, the operator's key for it, and how the agent's
 * options (thinking, reasoning effort, extra body fields) become that provider's options.
 * The packages themselves handle the wire quirks (parameter names such as OpenAI's
 * `max_completion_tokens`, tool calls streamed without `index`, reasoning and thought
 * signatures sent back); what is left here is configuration.
 */
import { createAlibaba } from "@ai-sdk/alibaba";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createDeepSeek } from "@ai-sdk/deepseek";
import { createGoogleGenerativeAI } from "@ai-sdk/google";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModelV3, SharedV3ProviderOptions } from "@ai-sdk/provider";
import { createXai } from "@ai-sdk/xai";
import type { ModelConfig, ModelFamily } from "../../shared/config";

export type ModelFamilyName = Exclude<ModelFamily, "offline">;

export interface Connection {
  baseURL: string;
  /** Absent only for OpenAI-compatible servers that take no key. */
  apiKey?: string;
  /** The outbound guard's fetch for an agent's own endpoint; the runtime's for the rest. */
  fetch?: typeof fetch;
}

/** The operator's per-family key variables (declared in worker/env.ts). */
export type PlatformKey = "OPENAI_API_KEY" | "ANTHROPIC_API_KEY" | "GOOGLE_API_KEY" | "XAI_API_KEY" | "DEEPSEEK_API_KEY" | "QWEN_API_KEY" | "GLM_API_KEY";

interface Family {
  /** The operator's key for this family (environment variable), used for agents that name
   * neither their own endpoint nor an org secret. */
  platformKey?: PlatformKey;
  /** The family's public API (an agent's `baseURL` replaces it). */
  baseURL?: string;
  model(connection: Connection, name: string): LanguageModelV3;
  /** The provider options for one call. */
  options(config: ModelConfig, hasTools: boolean): SharedV3ProviderOptions;
  /** Tokens thinking may add on top of `maxOutputTokens` in this family. */
  extraOutput?(config: ModelConfig): number;
}

/** Drops undefined values, so an option left unset is not sent at all. */
const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, NonNullable<SharedV3ProviderOptions[string]>[string]>;

/** Qwen's thinking comes on top of `max_tokens`; without a budget of its own it could run
 * to the model's limit, so it gets one as large as the answer's. */
const qwenThinkingBudget = (c: ModelConfig) => (c.thinking ? (c.thinkingBudget ?? c.maxOutputTokens) : undefined);

export const FAMILIES: Record<ModelFamilyName, Family> = {
  openai: {
    platformKey: "OPENAI_API_KEY",
    baseURL: "https://api.openai.com/v1",
    // Chat completions (not the Responses API): what every OpenAI-compatible server that
    // OPENAI_BASE_URL may point at speaks too. gpt-5 and o-series get max_completion_tokens
    // and the developer role from the package.
    model: (c, name) => createOpenAI({ apiKey: c.apiKey ?? "no-key", baseURL: c.baseURL, fetch: c.fetch }).chat(name),
    options: (c) => ({ openai: defined({ reasoningEffort: c.reasoningEffort }) }),
  },
  anthropic: {
    platformKey: "ANTHROPIC_API_KEY",
    baseURL: "https://api.anthropic.com/v1",
    model: (c, name) => createAnthropic({ apiKey: c.apiKey ?? "no-key", baseURL: c.baseURL, fetch: c.fetch })(name),
    options: (c) => ({
      anthropic: defined({
        thinking:
          c.thinking === undefined ? undefined : c.thinking ? { type: "enabled", budgetTokens: c.thinkingBudget ?? 1024 } : { type: "disabled" },
      }),
    }),
    // The package sends max_tokens = maxOutputTokens + the thinking budget.
    extraOutput: (c) => (c.thinking ? (c.thinkingBudget ?? 1024) : 0),
  },
  google: {
    platformKey: "GOOGLE_API_KEY",
    baseURL: "https://generativelanguage.googleapis.com/v1beta",
    // The native Gemini API: parallel calls arrive as separate parts (no `index` to merge
    // on), and Gemini 3's thought signatures ride on the parts the package returns.
    model: (c, name) => createGoogleGenerativeAI({ apiKey: c.apiKey ?? "no-key", baseURL: c.baseURL, fetch: c.fetch })(name),
    options: (c): SharedV3ProviderOptions => {
      if (c.thinking === undefined) return {};
      // Gemini 3 thinks at a level (lowest: "low"); 2.5 takes a token budget (0 = off where allowed).
      const gemini3 = /^gemini-3/.test(c.name);
      const thinkingConfig = c.thinking
        ? defined({ thinkingBudget: c.thinkingBudget })
        : gemini3
          ? { thinkingLevel: "low" }
          : { thinkingBudget: 0 };
      return { google: { thinkingConfig } };
    },
  },
  xai: {
    platformKey: "XAI_API_KEY",
    baseURL: "https://api.x.ai/v1",
    model: (c, name) => createXai({ apiKey: c.apiKey ?? "no-key", baseURL: c.baseURL, fetch: c.fetch }).chat(name),
    options: (c) => ({ xai: defined({ reasoningEffort: c.reasoningEffort }) }),
  },
  deepseek: {
    platformKey: "DEEPSEEK_API_KEY",
    baseURL: "https://api.deepseek.com",
    // With thinking on, the package sends `reasoning_content` back with the turn's tool
    // calls, as DeepSeek requires.
    model: (c, name) => createDeepSeek({ apiKey: c.apiKey ?? "no-key", baseURL: c.baseURL, fetch: c.fetch })(name),
    options: (c) => ({
      deepseek: defined({
        thinking: c.thinking === undefined ? undefined : { type: c.thinking ? "enabled" : "disabled" },
        reasoningEffort: c.reasoningEffort,
      }),
    }),
  },
  qwen: {
    platformKey: "QWEN_API_KEY",
    baseURL: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    model: (c, name) => createAlibaba({ apiKey: c.apiKey ?? "no-key", baseURL: c.baseURL, fetch: c.fetch })(name),
    // Off unless asked for: open Qwen3 models think by default and would spend the
    // answer's whole budget doing it.
    options: (c) => ({ alibaba: defined({ enableThinking: c.thinking ?? false, thinkingBudget: qwenThinkingBudget(c) }) }),
    extraOutput: (c) => qwenThinkingBudget(c) ?? 0,
  },
  glm: {
    platformKey: "GLM_API_KEY",
    baseURL: "https://api.z.ai/api/paas/v4",
    // GLM speaks OpenAI chat completions with its own fields: `thinking: {type}` (on by
    // default in GLM-4.5 and later, so sent explicitly) and `tool_stream` (without it tool
    // arguments are not streamed). It ignores stream_options and sends usage on its own.
    model: (c, name) => createOpenAICompatible({ name: "glm", apiKey: c.apiKey, baseURL: c.baseURL, fetch: c.fetch }).chatModel(name),
    options: (c, tools) => ({ glm: defined({ thinking: { type: c.thinking ? "enabled" : "disabled" }, tool_stream: tools ? true : undefined }) }),
  },
  "openai-compatible": {
    // Ollama, vLLM, LM Studio, a gateway…: only ever the agent's own endpoint.
    model: (c, name) =>
      createOpenAICompatible({ name: "compatible", apiKey: c.apiKey, baseURL: c.baseURL, fetch: c.fetch, includeUsage: true }).chatModel(name),
    options: (c) => ({ compatible: defined({ reasoningEffort: c.reasoningEffort, ...c.extraBody }) }),
  },
};

/** The most output tokens one call of this model may produce (what the budget reserves). */
export function outputCeiling(config: ModelConfig): number {
  if (config.family === "offline") return config.maxOutputTokens;
  return config.maxOutputTokens + (FAMILIES[config.family].extraOutput?.(config) ?? 0);
}
