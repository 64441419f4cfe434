/**
 * Agent and site configuration: stored in KV, validated by these schemas on every write and
 * on every read (a config written by an older version, or by hand, is still checked).
 */
import { z } from "zod";

/** Ids used in KV keys, Durable Object names and URLs. */
export const Slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "use lowercase letters, digits, '-' and '_'");

/**
 * Model families: each speaks its provider's own API through its AI SDK provider package
 * (see worker/providers/families.ts), with the quirks of that family handled there.
 * `openai-compatible` is anything else that speaks OpenAI chat completions (Ollama, vLLM…);
 * `offline` is always the offline provider (a deterministic agent, no model).
 */
export const ModelFamily = z.enum(["openai", "anthropic", "google", "xai", "deepseek", "qwen", "glm", "openai-compatible", "offline"]);
export type ModelFamily = z.infer<typeof ModelFamily>;

/** Which options mean something to which family (anything else is refused, so a typo in a
 * config is an error rather than a setting silently ignored). */
const FAMILY_OPTIONS: Record<string, readonly ModelFamily[]> = {
  reasoningEffort: ["openai", "xai", "deepseek", "openai-compatible"],
  thinking: ["anthropic", "google", "deepseek", "qwen", "glm"],
  thinkingBudget: ["anthropic", "google", "qwen"],
  extraBody: ["openai-compatible"],
};

const ModelFields = z.object({
  /** Default `openai`. With no API key for it, the engine serves the agent offline instead. */
  family: ModelFamily.optional(),
  /** Before model families: `openai` or `offline` (read as `family`). */
  provider: z.enum(["openai", "offline"]).optional(),
  /** The provider's model id (`gpt-4o-mini`, `claude-sonnet-4-5`, `gemini-2.5-flash`…). Default `gpt-4o-mini` for `openai`;
   * required for every other family but `offline`. */
  name: z.string().min(1).max(128).optional(),
  /** The agent's own endpoint (required for `openai-compatible`; fetched through the outbound
   * guard). Without it: the family's public API (for `openai`, OPENAI_BASE_URL when set). */
  baseURL: z.url({ protocol: /^https?$/ }).optional(),
  /** The org secret holding this agent's key (PUT /api/admin/orgs/:org/secrets/:name); without it, the
   * platform's key for the family (OPENAI_API_KEY, ANTHROPIC_API_KEY…) — or, with a `baseURL`
   * of the agent's own, no key. */
  apiKeySecret: z.string().regex(/^[A-Z][A-Z0-9_]*$/).optional(),
  temperature: z.number().min(0).max(2).optional(),
  /** Most tokens one model call may write (the budget reserves this much per call). */
  maxOutputTokens: z.number().int().min(16).max(32_000).optional(),
  /** Before model families: `maxOutputTokens`. */
  maxTokens: z.number().int().min(16).max(32_000).optional(),
  /** OpenAI gpt-5 / o-series, xAI grok-3-mini, DeepSeek V4, and OpenAI-compatible servers that take `reasoning_effort`. */
  reasoningEffort: z.enum(["none", "minimal", "low", "medium", "high"]).optional(),
  /** Thinking on or off (Anthropic extended thinking, Gemini thinking, DeepSeek, Qwen
   * `enable_thinking`, GLM `thinking.type`). Unset: off for Qwen and GLM (whose thinking would
   * eat the whole output budget of a support answer), the provider's default elsewhere. */
  thinking: z.boolean().optional(),
  /** Tokens thinking may use (Anthropic: ≥ 1024, added to `maxOutputTokens`; Gemini: part of
   * it; Qwen: on top of it). */
  thinkingBudget: z.number().int().min(0).max(32_000).optional(),
  /** OpenAI-compatible servers: extra request-body fields (`{"chat_template_kwargs": {"enable_thinking": false}}` for vLLM). */
  extraBody: z
    .record(z.string().regex(/^[a-z_][a-z0-9_]{0,63}$/i), z.unknown())
    .refine((b) => JSON.stringify(b).length <= 4096, "at most 4 KB")
    .refine((b) => !["model", "messages", "tools", "stream", "stream_options"].some((k) => k in b), "may not override model, messages, tools or stream")
    .optional(),
});

export const ModelConfig = ModelFields.superRefine((m, ctx) => {
  const family = m.family ?? m.provider ?? "openai";
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (m.family && m.provider && m.family !== m.provider) issue("provider", `"provider" is the old name of "family"; give one`);
  if (!m.name && family !== "openai" && family !== "offline") issue("name", `the ${family} family needs a model name`);
  if (family === "openai-compatible" && !m.baseURL) issue("baseURL", "an openai-compatible model needs a baseURL");
  for (const [option, families] of Object.entries(FAMILY_OPTIONS)) {
    if (m[option as keyof typeof m] !== undefined && family !== "offline" && !families.includes(family)) {
      issue(option, `${option} does not apply to the ${family} family (it does to: ${families.join(", ")})`);
    }
  }
  if (m.thinkingBudget !== undefined && m.thinking !== true && family !== "offline") issue("thinkingBudget", "a thinking budget needs thinking: true");
  if (family === "anthropic" && m.thinking && m.thinkingBudget !== undefined && m.thinkingBudget < 1024) {
    issue("thinkingBudget", "Anthropic's thinking budget is at least 1024 tokens");
  }
}).transform(({ provider, maxTokens, family, name, maxOutputTokens, ...rest }) => {
  const resolved = family ?? provider ?? "openai";
  return {
    family: resolved,
    name: name ?? (resolved === "offline" ? "offline" : "gpt-4o-mini"),
    maxOutputTokens: maxOutputTokens ?? maxTokens ?? 1024,
    ...rest,
  };
});
export type ModelConfig = z.infer<typeof ModelConfig>;

const JsonSchemaObject = z.record(z.string(), z.unknown());

/** A tool that calls an HTTP endpoint. A relative `url` (starting with `/`) is served by
 * Switchboard itself without going over the network (the demo billing lookup is one). */
export const HttpToolConfig = z.object({
  name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/),
  description: z.string().min(1).max(1024),
  /** JSON Schema of the arguments the model must send. */
  parameters: JsonSchemaObject.default({ type: "object", properties: {} }),
  url: z.string().min(1).max(2048),
  method: z.enum(["GET", "POST"]).default("GET"),
  headers: z.record(z.string(), z.string()).default({}),
  /** header name → name of an org secret whose value is sent; never shown to models. */
  secretHeaders: z.record(z.string(), z.string().regex(/^[A-Z][A-Z0-9_]*$/)).default({}),
  timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  maxResponseBytes: z.number().int().min(256).max(1_000_000).default(32_000),
});
export type HttpToolConfig = z.infer<typeof HttpToolConfig>;

export const BuiltinTool = z.enum(["search_knowledge", "handoff_to_human", "capture_lead"]);
export type BuiltinTool = z.infer<typeof BuiltinTool>;

export const AgentConfig = z.object({
  id: Slug,
  name: z.string().min(1).max(80),
  /** What a router reads to choose this agent: its capabilities, in a sentence or two. */
  description: z.string().min(1).max(2000),
  instructions: z.string().max(20_000).default(""),
  model: ModelConfig.default(ModelConfig.parse({})),
  tools: z.array(BuiltinTool).default([]),
  httpTools: z.array(HttpToolConfig).max(16).default([]),
  /** Agents this one may delegate to (the `delegate` tool exists only when non-empty). */
  delegates: z.array(Slug).max(16).default([]),
  /** Agents this one may hand the whole conversation to (`transfer_to_agent`). */
  transfers: z.array(Slug).max(16).default([]),
  knowledge: z.array(Slug).max(16).default([]),
  timeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
  maxTurns: z.number().int().min(1).max(50).default(8),
  maxToolCalls: z.number().int().min(0).max(100).default(16),
  /** At most this many `delegate` calls of one model turn run at once. */
  maxParallel: z.number().int().min(1).max(16).default(4),
  /** Tried when a delegation to one of this agent's delegates fails or times out. */
  fallbackAgent: Slug.optional(),
  team: Slug.optional(),
  /** Offline provider: extra words that route a question here (besides the description). */
  keywords: z.array(z.string().max(64)).max(64).default([]),
});
export type AgentConfig = z.infer<typeof AgentConfig>;
export type AgentConfigInput = z.input<typeof AgentConfig>;

/** Origins look like `https://shop.example` or `http://localhost:*` (any port). */
export const OriginPattern = z
  .string()
  .regex(/^https?:\/\/[a-z0-9.-]+(:(\d{1,5}|\*))?$/i, "an origin such as https://shop.example or http://localhost:*");

export const Theme = z.object({
  primaryColor: z.string().regex(/^#[0-9a-fA-F]{6}$/).default("#4f46e5"),
  position: z.enum(["right", "left"]).default("right"),
  zIndex: z.number().int().min(0).max(2_147_483_647).default(2_147_483_000),
  title: z.string().max(80).default("Chat with us"),
  subtitle: z.string().max(160).default(""),
  welcome: z.string().max(1000).default("Hi! How can we help?"),
  logoUrl: z.url().optional(),
  /** Questions the widget's home view offers as one-tap starters (owner-set). */
  suggestions: z.array(z.string().min(1).max(120)).max(6).default([]),
});
export type Theme = z.infer<typeof Theme>;

/** The owner's own words for one locale (`fr`, `ar`, `pt-BR`…): shown to visitors whose
 * locale matches instead of the theme's default texts. */
export const LocalizedTexts = z.object({
  title: z.string().max(80).optional(),
  subtitle: z.string().max(160).optional(),
  welcome: z.string().max(1000).optional(),
  suggestions: z.array(z.string().min(1).max(120)).max(6).optional(),
});
export type LocalizedTexts = z.infer<typeof LocalizedTexts>;
export const Locale = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, "a locale such as fr or pt-BR");

/** How the site's assistant speaks: added to the entry agent's instructions for this site. */
export const AssistantTone = z.enum(["friendly", "professional", "concise", "playful"]);

export const BusinessHours = z.object({
  timezone: z.string().default("UTC"),
  /** day (0 = Sunday) → [open, close] as "HH:MM"; a missing day is closed. */
  days: z.record(z.string().regex(/^[0-6]$/), z.tuple([z.string(), z.string()])).default({}),
});

/** About 20 delegated turns, or 40 plain ones (README: "Spending limits per conversation"). */
export const DEFAULT_CONVERSATION_TOKEN_LIMIT = 100_000;
/** About 32 KB of text: some 40 ordinary messages, or the last few of the longest. */
export const DEFAULT_HISTORY_TOKEN_LIMIT = 8_000;

export const SiteConfig = z.object({
  key: Slug,
  orgId: Slug,
  name: z.string().min(1).max(120),
  allowedOrigins: z.array(OriginPattern).max(64).default([]),
  entryAgent: Slug,
  theme: Theme.default(Theme.parse({})),
  /** Per-locale texts (title, subtitle, welcome, suggestions), keyed by locale. */
  texts: z.record(Locale, LocalizedTexts).default({}),
  tone: AssistantTone.default("friendly"),
  /** `auto` follows the visitor's browser. */
  locale: z.string().max(16).default("auto"),
  businessHours: BusinessHours.optional(),
  /** Seconds a `waiting` conversation may go unclaimed before the widget asks for an email. */
  handoffTimeoutSec: z.number().int().min(1).max(86_400).default(120),
  /** HMAC secret that the site's backend uses to sign `identify` calls. */
  identitySecret: z.string().min(16).max(256).optional(),
  customDomains: z.array(z.string().regex(/^[a-z0-9.-]+$/)).max(8).default([]),
  leadForm: z.enum(["off", "pre-chat"]).default("off"),
  webhook: z.object({ url: z.url(), secret: z.string().min(16) }).optional(),
  /** Tokens one conversation may spend in all (every turn, delegated runs included); then a person takes over. */
  conversationTokenLimit: z.number().int().min(1_000).max(10_000_000).default(DEFAULT_CONVERSATION_TOKEN_LIMIT),
  /** Estimated tokens of transcript a model is sent: the newest messages that fit. */
  historyTokenLimit: z.number().int().min(200).max(200_000).default(DEFAULT_HISTORY_TOKEN_LIMIT),
});
export type SiteConfig = z.infer<typeof SiteConfig>;
export type SiteConfigInput = z.input<typeof SiteConfig>;

/** What the widget may know about a site: no secrets, no agent internals. */
export const PublicSiteConfig = z.object({
  key: z.string(),
  name: z.string(),
  theme: Theme,
  texts: z.record(z.string(), LocalizedTexts),
  locale: z.string(),
  leadForm: z.enum(["off", "pre-chat"]),
  /** `offline` when the site's assistant is the offline provider, `openai` when a language model
   * answers (any family: see `family`). */
  provider: z.enum(["offline", "openai"]),
  identityRequired: z.boolean(),
  /** Who answers: the entry agent's model family, or `offline`. */
  family: ModelFamily.optional(),
  /** The widget's home view: the team's first names (and avatars when set), at most a few. */
  team: z.array(z.object({ name: z.string(), avatarUrl: z.string().optional() })).optional(),
  /** Whether the team is at work now (business hours), and how soon a person usually answers. */
  staffed: z.boolean().optional(),
  replyWithinSec: z.number().int().optional(),
});
export type PublicSiteConfig = z.infer<typeof PublicSiteConfig>;
