import type { AgentConfig } from "../../shared/config";
import type { ActivityData, Source } from "../../shared/protocol";
import type { Env } from "../env";
import type { SpanLog } from "../log/spans";
import type { ToolCall, ToolSpec } from "../providers/types";
import type { Budget } from "./budget";

/** What a run may ask of the conversation it serves, wherever the run executes. */
export interface ConversationPort {
  activity(data: ActivityData): Promise<void>;
  handoff(request: { summary: string; reason: "agent" | "visitor" | "policy"; runId: string; spanId?: string }): Promise<{ status: string }>;
  captureLead(lead: { name?: string; email: string; note?: string; agentId: string }): Promise<{ id: string }>;
}

/** Everything one agent run needs: who it is, where it sits in the chain, and its limits. */
export interface RunContext {
  env: Env;
  orgId: string;
  siteKey: string;
  conversationId: string;
  turnId: string;
  runId: string;
  parentRunId?: string;
  /** The span (in the parent run) that this run hangs under. */
  parentSpanId?: string;
  agent: AgentConfig;
  /** Agent ids from the conversation's agent down to this one, inclusive. */
  chain: string[];
  /** Epoch ms; never later than the parent's. */
  deadline: number;
  signal: AbortSignal;
  log: SpanLog;
  budget: Budget;
  conversation: ConversationPort;
  /** The visitor, when the site verified who they are (passed on to HTTP tools). */
  visitor?: { userId: string; email?: string };
  /** The conversation's own run: it streams text to visitors and may transfer. */
  isRoot: boolean;
  onText?: (text: string) => void;
  /** Cancels every child run started by this run (set by the engine). */
  children: Set<() => Promise<void>>;
}

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
    };

/** A specialist's answer that reached this run (kept so a budget stop can still deliver it). */
export interface DelegateReply {
  agentId: string;
  agentName: string;
  text: string;
}

export interface ToolOutcome {
  /** What the model reads as the tool result (JSON text). */
  content: string;
  status: "ok" | "error" | "timeout" | "refused" | "blocked" | "cancelled";
  sources?: Source[];
  reply?: DelegateReply;
  transferTo?: string;
}

export interface ToolHandler {
  spec: ToolSpec;
  /** The handler reacts to the run's signal itself (and cleans up before returning), so the
   * engine waits for it instead of abandoning it when the run is stopped. */
  handlesAbort?: boolean;
  run(ctx: RunContext, call: ToolCall, args: Record<string, unknown>, parentSpanId: string): Promise<ToolOutcome>;
}

export const toolError = (
  code: string,
  message: string,
  status: ToolOutcome["status"] = "error",
  extra: Record<string, unknown> = {},
): ToolOutcome => ({
  content: JSON.stringify({ error: { code, message, ...extra } }),
  status,
});

export const toolOk = (value: unknown, extra: Partial<ToolOutcome> = {}): ToolOutcome => ({
  content: JSON.stringify(value),
  status: "ok",
  ...extra,
});
