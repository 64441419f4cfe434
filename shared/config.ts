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

export const ModelConfig = z.object({
  /**
   * `openai`: any OpenAI-compatible endpoint through the openai SDK. When no API key is
   * configured the engine serves the agent with the offline provider instead.
   * `offline`: always the offline provider (useful for a deterministic agent).
   */
  provider: z.enum(["openai", "offline"]).default("openai"),
  name: z.string().min(1).max(128).default("gpt-4o-mini"),
  /** Per-agent endpoint (fetched through the outbound guard); defaults to OPENAI_BASE_URL, then to OpenAI. */
  baseURL: z.url().optional(),
  /** The org secret holding this agent's key (set with PUT /api/admin/orgs/:org/secrets/:name);
   * without it, the platform's OPENAI_API_KEY — or, with a `baseURL` of the agent's own, no key. */
  apiKeySecret: z.string().regex(/^[A-Z][A-Z0-9_]*$/).optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().min(16).max(32_000).default(1024),
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
});
export type Theme = z.infer<typeof Theme>;

export const BusinessHours = z.object({
  timezone: z.string().default("UTC"),
  /** day (0 = Sunday) → [open, close] as "HH:MM"; a missing day is closed. */
  days: z.record(z.string().regex(/^[0-6]$/), z.tuple([z.string(), z.string()])).default({}),
});

export const SiteConfig = z.object({
  key: Slug,
  orgId: Slug,
  name: z.string().min(1).max(120),
  allowedOrigins: z.array(OriginPattern).max(64).default([]),
  entryAgent: Slug,
  theme: Theme.default(Theme.parse({})),
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
});
export type SiteConfig = z.infer<typeof SiteConfig>;
export type SiteConfigInput = z.input<typeof SiteConfig>;

/** What the widget may know about a site: no secrets, no agent internals. */
export const PublicSiteConfig = z.object({
  key: z.string(),
  name: z.string(),
  theme: Theme,
  locale: z.string(),
  leadForm: z.enum(["off", "pre-chat"]),
  provider: z.enum(["offline", "openai"]),
  identityRequired: z.boolean(),
});
export type PublicSiteConfig = z.infer<typeof PublicSiteConfig>;
