import type { AgentConfig } from "../../shared/config";
import type { ActivityData, Source } from "../../shared/protocol";
import type { Env } from "../env";
import type { SpanLog } from "../log/spans";
import type { ToolCall, ToolSpec } from "../providers/types";
import type { Budget } from "./budget";
import type { DelegateReply } from "./run-result";

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
  /** A playground conversation: agents (this one's delegates too) are read draft first. */
  drafts?: boolean;
  onText?: (text: string) => void;
  /** Cancels every child run started by this run (set by the engine). */
  children: Set<() => Promise<void>>;
}

// What a run answers is plain data that crosses Durable Object boundaries; it lives in
// run-result.ts (below env.ts, so the objects' RPC contracts can name it).
export type { ChildRunRequest, DelegateReply, RunErrorCode, RunResult } from "./run-result";

export interface ToolOutcome {
  /** What the model reads as the tool result (JSON text). */
  content: string;
  status: "ok" | "error" | "timeout" | "refused" | "blocked" | "cancelled";
  sources?: Source[];
  reply?: DelegateReply;
  transferTo?: string;
  /** Passage texts the tool retrieved (or a specialist's reply rested on): see RunResult.evidence. */
  evidence?: string[];
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
