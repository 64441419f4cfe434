/**
 * What a run answers, and what a parent asks of a delegated run: plain data that crosses
 * Durable Object boundaries (a child's result travels back over RPC and is kept for
 * retries). Nothing here depends on the environment, so the objects' RPC contracts
 * (durable/rpc.ts) can name these types without importing the engine.
 */
import type { AgentConfig } from "../../shared/config";
import type { Source } from "../../shared/protocol";
import type { SpanRecord } from "../log/spans";
import type { BudgetHit } from "./budget";

export type RunErrorCode =
  | "timeout"
  | "cancelled"
  | "budget_exceeded"
  | "max_turns"
  | "model_error"
  | "rate_limited"
  | "invalid_output"
  | "not_found"
  | "failed";

export type RunResult = (
  | {
      status: "ok";
      text: string;
      sources: Source[];
      structured?: unknown;
      transferTo?: string;
      replies: DelegateReply[];
      /** Delegations in this run that failed or timed out (a handoff policy reads it). */
      failedDelegations: number;
      /**
       * The reply says it does not know (no passage answered the question) instead of
       * answering. Set by whoever produced the reply (the offline provider marks it; a model
       * provider may too). The conversation records the turn's outcome as `abstained`
       * rather than `answered` in its fact record (see facts/turn-fact.ts).
       */
      abstained?: boolean;
      /** The passages retrieved for this reply (its own searches and its specialists'), for
       * scoring how well the reply rests on them at the turn's end (insights/quality.ts). */
      evidence?: string[];
    }
  | {
      status: "error";
      code: RunErrorCode;
      message: string;
      text: string;
      sources: Source[];
      replies: DelegateReply[];
      failedDelegations: number;
      issues?: string[];
      /** With `budget_exceeded`: the budget that had no room (an org rule or the conversation's ceiling). */
      hit?: BudgetHit;
    }
) & {
  /**
   * A delegated run's spans (its children's included), travelling back with its result: the
   * parent adds them to its own log, one round trip fewer than sending them separately.
   */
  spans?: SpanRecord[];
};

/** A specialist's answer that reached this run (kept so a budget stop can still deliver it). */
export interface DelegateReply {
  agentId: string;
  agentName: string;
  text: string;
}

/** What a parent sends to a delegated run (AgentRunDO.run). */
export interface ChildRunRequest {
  runId: string;
  parentRunId: string;
  parentSpanId: string;
  orgId: string;
  siteKey: string;
  conversationId: string;
  turnId: string;
  agentId: string;
  prompt: string;
  context?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  /** The parent's deadline: the child's own is never later. */
  deadline: number;
  /** The chain so far, ending with the parent. */
  chain: string[];
  visitor?: { userId: string; email?: string };
  /** A playground conversation's run: agents are read draft first. */
  drafts?: boolean;
  /** The target's config as the parent's run read it, so the child need not read it again. */
  agent?: AgentConfig;
  /** The parent's run learnt that no org budget rule applies to the child's team (the parent's own): the child asks the org's object only to settle. */
  noOrgRule?: true;
}

/** Objects per org that its delegated runs are spread over (AgentRunDO). */
export const RUN_SHARDS = 8;

/**
 * The AgentRunDO that runs a delegation of this conversation: one of its org's few, always
 * the same one for one conversation (so a retried call finds its run), and already running
 * while the org has traffic.
 */
export function runObjectName(orgId: string, conversationId: string): string {
  let hash = 0;
  for (let i = 0; i < conversationId.length; i++) hash = (hash * 31 + conversationId.charCodeAt(i)) >>> 0;
  return `${orgId}/runs/${hash % RUN_SHARDS}`;
}
