/**
 * What a run answers, and what a parent asks of a delegated run: plain data that crosses
 * Durable Object boundaries (a child's result travels back over RPC and is kept for
 * retries). Nothing here depends on the environment, so the objects' RPC contracts
 * (durable/rpc.ts) can name these types without importing the engine.
 */
import type { Source } from "../../shared/protocol";
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

export type RunResult =
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
}
