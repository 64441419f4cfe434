import type { AgentRunDO } from "./durable/AgentRunDO";
import type { ConversationDO } from "./durable/ConversationDO";
import type { InboxDO } from "./durable/InboxDO";
import type { RateLimiterDO } from "./durable/RateLimiterDO";
import type { WebhookDO } from "./durable/WebhookDO";

/** Bindings and variables, as declared in wrangler.toml and `.dev.vars`. */
export interface Env {
  DB: D1Database;
  CONFIG: KVNamespace;
  ASSETS: Fetcher;
  CONVERSATION: DurableObjectNamespace<ConversationDO>;
  AGENT_RUN: DurableObjectNamespace<AgentRunDO>;
  INBOX: DurableObjectNamespace<InboxDO>;
  WEBHOOKS: DurableObjectNamespace<WebhookDO>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiterDO>;

  APP_VERSION?: string;
  /** Bearer token for /api/admin/*. */
  ADMIN_TOKEN?: string;
  /** Signs visitor tokens and staff sessions. */
  SESSION_SECRET?: string;
  /** Switches agents of the `openai` family (the default) from the offline provider to a model. */
  OPENAI_API_KEY?: string;
  OPENAI_BASE_URL?: string;
  /** The platform's keys for the other families (agents that name no key of their own). */
  ANTHROPIC_API_KEY?: string;
  GOOGLE_API_KEY?: string;
  XAI_API_KEY?: string;
  DEEPSEEK_API_KEY?: string;
  QWEN_API_KEY?: string;
  GLM_API_KEY?: string;
  /** Longest delegation chain, in hops (default 3). */
  MAX_DELEGATION_DEPTH?: string;
  /** First webhook retry delay in ms (doubles each attempt; default 10 000). */
  WEBHOOK_RETRY_BASE_MS?: string;
  /** Rate limits (see http/rate-limit.ts for the defaults). */
  RATE_LIMIT_STARTS_PER_IP?: string;
  RATE_LIMIT_SENDS_PER_IP?: string;
  RATE_LIMIT_SENDS_PER_VISITOR?: string;
  RATE_LIMIT_LOGINS_PER_IP?: string;
  RATE_LIMIT_ACTIONS_PER_IP?: string;
  /** Password of the seeded demo staff accounts (npm start writes it to .dev.vars). */
  DEMO_STAFF_PASSWORD?: string;
  /** The demo org's billing key (seeded as its secret BILLING_API_KEY; random when unset). */
  DEMO_BILLING_API_KEY?: string;
  /** Org secrets are encrypted at rest under a key derived from this (config/secrets.ts). */
  SECRETS_KEY?: string;
  /** Development setting: hosts (`host` or `host:port`, comma-separated) that tenant URLs may
   * reach although they are private or loopback (net/outbound.ts). */
  ALLOW_PRIVATE_URLS?: string;
  /** The deployment's own host names, besides the request's (no site may claim them). */
  PLATFORM_HOSTS?: string;
}
