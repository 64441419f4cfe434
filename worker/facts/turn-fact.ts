/**
 * A turn's fact record, read off what the turn left behind: its spans (every run, model
 * call and retrieval of its tree, delegated runs included) and how it ended.
 *
 * Outcome:
 * - `handed_off` — the conversation left the bot during the turn (the agent's
 *   handoff_to_human, a policy such as the budget or repeated failures, a person claiming
 *   it mid-reply); `reason` says which.
 * - `abstained` — the turn completed and the run said it does not know (the run's ok result
 *   carries `abstained: true`, see engine/run-result.ts).
 * - `answered` — the turn completed otherwise.
 * - `failed` — anything else: a run error (`reason` is its code, e.g. `model_error`,
 *   `max_turns`), the deadline (`timeout`), the budget with no person to take over
 *   (`budget_exceeded`), or a stop by the visitor (`stopped`).
 */
import type { RunResult } from "../engine/run-result";
import type { SpanRecord } from "../log/spans";
import { type DelegationFact, dayOf, MAX_DOCUMENTS, MAX_QUERIES, type Outcome, QUERY_CHARS, QUESTION_CHARS, type TurnFact, type UsageFact } from "./schema";

export type TurnEnd = "complete" | "stopped" | "error" | "deadline" | "budget";

export interface FinishedTurn {
  turnId: string;
  conversationId: string;
  orgId: string;
  siteKey: string;
  startedAt: number;
  endedAt: number;
  /** When the first piece of the reply streamed, if one did. */
  firstDeltaAt: number | null;
  question: string;
  answeredBy: string | null;
  replyMessageId: string | null;
  cited: string[];
  end: TurnEnd;
  result: RunResult | null;
  /** Set when the conversation left the bot during the turn: the reason of that change. */
  handoff: string | null;
  /** An error that ended the turn before any run result (an agent missing, a crash). */
  error: string | null;
  model: string | null;
  family: string | null;
  /** The question's language; whether it repeats the visitor's previous question. */
  lang?: string | null;
  repeated?: boolean;
  /** How well the reply rests on the passages retrieved for it (insights/quality.ts). */
  grounded?: number | null;
  conversationStartedAt?: number;
}

export function turnFact(turn: FinishedTurn, spans: SpanRecord[]): TurnFact {
  const ordered = [...spans].sort((a, b) => a.startedAt - b.startedAt);
  const agents: string[] = [];
  for (const s of ordered) if (s.kind === "run" && s.agentId && !agents.includes(s.agentId)) agents.push(s.agentId);

  const queries: string[] = [];
  const documents = new Map<string, number | null>();
  for (const s of ordered) {
    if (s.kind !== "retrieval" || !s.data) continue;
    const query = typeof s.data.query === "string" ? s.data.query : "";
    if (query && queries.length < MAX_QUERIES) queries.push(query.slice(0, QUERY_CHARS));
    const ids = Array.isArray(s.data.results) ? s.data.results : [];
    const scores = Array.isArray(s.data.scores) ? s.data.scores : [];
    ids.forEach((id, i) => {
      if (typeof id !== "string") return;
      const score = typeof scores[i] === "number" ? (scores[i] as number) : null;
      const before = documents.get(id);
      if (before === undefined) {
        if (documents.size < MAX_DOCUMENTS) documents.set(id, score);
      } else if (score !== null && (before === null || score < before)) documents.set(id, score);
    });
  }

  let tokensIn = 0;
  let tokensOut = 0;
  for (const s of spans) {
    if (s.kind !== "model") continue;
    tokensIn += s.tokensIn;
    tokensOut += s.tokensOut;
  }

  const { outcome, reason } = outcomeOf(turn);
  return {
    type: "turn",
    v: 1,
    turnId: turn.turnId,
    conversationId: turn.conversationId,
    orgId: turn.orgId,
    siteKey: turn.siteKey,
    day: dayOf(turn.endedAt),
    endedAt: turn.endedAt,
    question: turn.question.slice(0, QUESTION_CHARS),
    agents: agents.slice(0, 32),
    answeredBy: turn.answeredBy,
    retrieval: {
      queries,
      documents: [...documents].map(([id, score]) => ({ id, score })),
      cited: turn.cited.slice(0, MAX_DOCUMENTS),
    },
    tokensIn,
    tokensOut,
    firstDeltaMs: turn.firstDeltaAt === null ? null : Math.max(0, Math.round(turn.firstDeltaAt - turn.startedAt)),
    turnMs: Math.max(0, Math.round(turn.endedAt - turn.startedAt)),
    outcome,
    reason: reason?.slice(0, 200) ?? null,
    model: turn.model,
    family: turn.family,
    replyMessageId: turn.replyMessageId,
    lang: turn.lang ?? null,
    repeated: turn.repeated ?? false,
    delegations: delegationsOf(ordered),
    usage: usageOf(ordered),
    grounded: turn.grounded ?? null,
    ...(turn.conversationStartedAt !== undefined ? { conversationStartedAt: turn.conversationStartedAt } : {}),
  };
}

/** Each `delegate` call of the turn's tree (delegated runs' own included), in the order they started. */
function delegationsOf(spans: SpanRecord[]): DelegationFact[] {
  const out: DelegationFact[] = [];
  for (const s of spans) {
    if (s.kind !== "delegation" || s.name.startsWith("fallback:")) continue;
    const target = typeof s.data?.target === "string" ? s.data.target : s.name;
    const child = typeof s.data?.childRunId === "string" ? s.data.childRunId : "";
    // A fallback's child is named `<run>/<call>:<failed agent>/fallback:<fallback>` (engine/tools/delegate.ts).
    const from = child.match(/:([^/:]+)\/fallback:[^/]*$/)?.[1];
    out.push({ agent: target.slice(0, 64), status: s.status, ...(from ? { fallbackFrom: from.slice(0, 64) } : {}) });
    if (out.length === 32) break;
  }
  return out;
}

/** Model calls per agent and model (the model span's name: the model, or `offline`). */
function usageOf(spans: SpanRecord[]): UsageFact[] {
  const byKey = new Map<string, UsageFact>();
  for (const s of spans) {
    if (s.kind !== "model") continue;
    const agent = (s.agentId ?? "").slice(0, 64);
    const model = s.name.slice(0, 128);
    const key = `${agent}\u0000${model}`;
    const u = byKey.get(key) ?? { agent, model, calls: 0, tokensIn: 0, tokensOut: 0 };
    u.calls++;
    u.tokensIn += s.tokensIn;
    u.tokensOut += s.tokensOut;
    byKey.set(key, u);
  }
  return [...byKey.values()].slice(0, 32);
}

function outcomeOf(turn: FinishedTurn): { outcome: Outcome; reason: string | null } {
  if (turn.handoff) return { outcome: "handed_off", reason: turn.handoff };
  const result = turn.result;
  switch (turn.end) {
    case "complete":
      return result?.status === "ok" && result.abstained ? { outcome: "abstained", reason: null } : { outcome: "answered", reason: null };
    case "stopped":
      return { outcome: "failed", reason: "stopped" };
    case "deadline":
      return { outcome: "failed", reason: "timeout" };
    case "budget":
      return { outcome: "failed", reason: "budget_exceeded" };
    default:
      return { outcome: "failed", reason: result?.status === "error" ? result.code : (turn.error ?? "failed") };
  }
}
