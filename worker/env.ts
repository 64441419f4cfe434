import type { AgentRunRpc, ConversationRpc, InboxRpc, OrgRpc, RateLimiterRpc, WebhookRpc } from "./durable/rpc";
import type { Fact } from "./facts/schema";
import type { IngestMessage } from "./knowledge/ingest-message";

/**
 * Bindings and variables, as declared in wrangler.toml and `.dev.vars`. Durable Objects are
 * typed by their RPC contracts (durable/rpc.ts), not their classes, so nothing that reads
 * the environment imports an object's implementation.
 */
export interface Env {
  DB: D1Database;
  CONFIG: KVNamespace;
  ASSETS: Fetcher;
  /** One fact record per finished turn and per feedback vote; consumed into D1 (facts/consumer.ts). */
  FACTS: Queue<Fact>;
  /** Background ingestion: one message per job slice (knowledge/consumer.ts). */
  INGEST: Queue<IngestMessage>;
  /** Uploaded originals, kept so documents can be parsed again. */
  DOCUMENTS: R2Bucket;
  /** Cloudflare Vectorize, when deployed with one: the embedding index (exact search in D1 otherwise). */
  VECTORIZE?: Vectorize;
  CONVERSATION: DurableObjectNamespace<ConversationRpc>;
  AGENT_RUN: DurableObjectNamespace<AgentRunRpc>;
  /** Per org: the conversation index and the inbox's live feed. */
  INBOX: DurableObjectNamespace<InboxRpc>;
  /** Per org: budget rules, counters and the usage ledger's outbox. */
  ORG: DurableObjectNamespace<OrgRpc>;
  WEBHOOKS: DurableObjectNamespace<WebhookRpc>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiterRpc>;
  /** Files visitors and staff attach to messages (worker/attachments/). */
  ATTACHMENTS: R2Bucket;

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
  /** Days a conversation's execution log is kept (default 30); its object's alarm prunes older spans. */
  TRACE_RETENTION_DAYS?: string;
  /**
   * Seconds an isolate keeps the site and agent configs a visitor's turn reads (config/store.ts);
   * unset or 0: read from KV every time. wrangler.toml sets 5.
   */
  CONFIG_CACHE_SECONDS?: string;
  /** Rate limits (see http/rate-limit.ts for the defaults). */
  RATE_LIMIT_STARTS_PER_IP?: string;
  RATE_LIMIT_SENDS_PER_IP?: string;
  RATE_LIMIT_SENDS_PER_VISITOR?: string;
  RATE_LIMIT_LOGINS_PER_IP?: string;
  RATE_LIMIT_ACTIONS_PER_IP?: string;
  /** Open visitor connections (WebSocket and SSE) per conversation (default 10) and per IP (default 100). */
  MAX_CONNECTIONS_PER_CONVERSATION?: string;
  MAX_CONNECTIONS_PER_IP?: string;
  /** Password of the seeded demo staff accounts (npm start writes it to .dev.vars). */
  DEMO_STAFF_PASSWORD?: string;
  /** The demo org's billing key (seeded as its secret BILLING_API_KEY; random when unset). */
  DEMO_BILLING_API_KEY?: string;
  /** Org secrets are encrypted at rest under a key derived from this (config/secrets.ts). */
  SECRETS_KEY?: string;
  /** Development setting: hosts (`host` or `host:port`, comma-separated) that tenant URLs may
   * reach although they are private or loopback (net/outbound.ts). */
  ALLOW_PRIVATE_URLS?: string;
  /** Milliseconds between two requests of a crawl to one host, at least (default 1000; robots.txt Crawl-delay can ask for more). */
  CRAWL_DELAY_MS?: string;
  /** The deployment's own host names, besides the request's (no site may claim them). */
  PLATFORM_HOSTS?: string;
  /** `1`: anyone may sign a new org up from the console (`npm start` turns it on; off unless set). */
  OPEN_SIGNUP?: string;
}

/** The Hono app's environment (routes and the auth helpers they call share it). */
export type AppEnv = { Bindings: Env; Variables: Record<string, unknown> };
