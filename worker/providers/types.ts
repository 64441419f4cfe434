/**
 * The one interface every model provider implements. Messages and tools use the OpenAI
 * chat-completions shapes (the engine's lingua franca); each family's provider translates
 * them to its own API, and the offline provider reads them as they are.
 */
import type { AgentConfig, ModelFamily } from "../../shared/config";

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as the model produced it (it may be malformed; the engine checks). */
  arguments: string;
}

export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string }
  | {
      role: "assistant";
      content: string | null;
      tool_calls?: ToolCall[];
      /** What the provider needs back with this turn (reasoning, thought signatures): opaque to
       * the engine, which carries it back unchanged within the run. */
      providerData?: unknown;
    }
  | { role: "tool"; tool_call_id: string; content: string };

/** Hints a tool carries for the offline provider, which cannot read prose like a model. */
export interface OfflineHints {
  /** For `delegate` and `transfer_to_agent`: the agents it may pick, with what routes to them. */
  candidates?: { id: string; name: string; description: string; keywords: string[]; knowledge: string[] }[];
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
  offline?: OfflineHints;
}

export type ModelChunk =
  | { type: "text"; text: string }
  | { type: "tool_call"; call: ToolCall }
  | { type: "usage"; inputTokens: number; outputTokens: number }
  /** Goes back with the assistant message of this turn (see ChatMessage.providerData). */
  | { type: "provider_data"; data: unknown }
  /**
   * What the reply rests on, when the provider knows (the offline provider does):
   * `abstained` — it found no passage that answers and said so instead of guessing;
   * `sources` — the ids of the sources the reply cites (`[]`: none, whatever was retrieved).
   */
  | { type: "grounding"; abstained: boolean; sources?: string[] };

export interface ModelRequest {
  agent: AgentConfig;
  messages: ChatMessage[];
  tools: ToolSpec[];
  signal: AbortSignal;
  /** For the offline provider, which reads no prose: a look at the org's knowledge. */
  knowledge?: KnowledgeProbe;
}

export interface KnowledgePassage {
  ref: string;
  title: string;
  url?: string;
  text: string;
  /** BM25 (lower is better); comparable only within one search. */
  score?: number;
}

export interface KnowledgeProbe {
  /** What `search_knowledge` would return for this query in these collections. */
  search(collections: string[], query: string, limit?: number): Promise<KnowledgePassage[]>;
  /** How many of the org's documents use each term (any of its forms), out of how many. */
  documentFrequencies(terms: string[][]): Promise<{ documents: number; counts: number[] }>;
  /** The org's and its sites' names: a site's own name is in its articles but is no topic. */
  names(): Promise<string[]>;
}

/** Which provider serves: the offline one, or a model family's. */
export type ProviderKind = ModelFamily;

export interface ModelProvider {
  readonly kind: ProviderKind;
  stream(request: ModelRequest): AsyncIterable<ModelChunk>;
}

/** A model call that failed for a reason the engine can act on. */
export class ModelError extends Error {
  constructor(
    readonly code: "rate_limited" | "model_error" | "bad_request" | "auth",
    message: string,
    readonly status?: number,
    /** The provider's own words (clipped): for the trace only, never for a visitor or a model. */
    readonly detail?: string,
  ) {
    super(message);
  }
}
