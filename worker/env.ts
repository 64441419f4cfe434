import type { AgentRunDO } from "./durable/AgentRunDO";
import type { ConversationDO } from "./durable/ConversationDO";

/** Bindings and variables, as declared in wrangler.toml and `.dev.vars`. */
export interface Env {
  DB: D1Database;
  CONFIG: KVNamespace;
  ASSETS: Fetcher;
  CONVERSATION: DurableObjectNamespace<ConversationDO>;
  AGENT_RUN: DurableObjectNamespace<AgentRunDO>;

  APP_VERSION?: string;
  /** Bearer token for /api/admin/*. */
  ADMIN_TOKEN?: string;
  /** Signs visitor tokens and staff sessions. */
  SESSION_SECRET?: string;
  /** Switches agents whose provider is `openai` from the offline provider to the SDK. */
  OPENAI_API_KEY?: string;
  OPENAI_BASE_URL?: string;
  /** Longest delegation chain, in hops (default 3). */
  MAX_DELEGATION_DEPTH?: string;
  /** Secrets referenced by HTTP tools' `secretHeaders` and agents' `apiKeySecret`. */
  [secret: string]: unknown;
}
