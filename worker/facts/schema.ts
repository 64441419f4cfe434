/**
 * The fact records a conversation puts on the FACTS queue: one per finished turn, one per
 * feedback vote, one per status change (handoff, claim, resolve, back to the bot), one per
 * staff reply, one per satisfaction rating, and one per model grade of an answer. They are
 * what is read across conversations (the insights), written to D1 in batches by the queue's
 * consumer (facts/consumer.ts). Compact by design: every text is clipped and every list
 * capped, so a record stays far below the queue's 128 KB.
 *
 * The consumer validates each record with these schemas; `v` is the record's version. Fields
 * added after a type's first version are optional, so a record queued by the previous
 * version of the worker still parses.
 */
import { z } from "zod";

export const QUESTION_CHARS = 500;
export const QUERY_CHARS = 200;
export const MAX_QUERIES = 10;
export const MAX_DOCUMENTS = 20;

export const STAFF_REPLY_CHARS = 2000;
export const CSAT_COMMENT_CHARS = 1000;

export const Outcome = z.enum(["answered", "abstained", "handed_off", "failed"]);
export type Outcome = z.infer<typeof Outcome>;

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** One `delegate` call of the turn, from its span: the specialist, how it ended, and whether it stood in for a failed one. */
export const DelegationFact = z.object({
  agent: z.string().max(64),
  status: z.enum(["ok", "error", "timeout", "cancelled", "refused", "blocked"]),
  /** This call was the configured fallback for that specialist, which had failed. */
  fallbackFrom: z.string().max(64).optional(),
});
export type DelegationFact = z.infer<typeof DelegationFact>;

/** Model calls of the turn per agent and model (span names), for cost by model. */
export const UsageFact = z.object({
  agent: z.string().max(64),
  model: z.string().max(128),
  calls: z.number().int().nonnegative(),
  tokensIn: z.number().int().nonnegative(),
  tokensOut: z.number().int().nonnegative(),
});
export type UsageFact = z.infer<typeof UsageFact>;

export const TurnFact = z.object({
  type: z.literal("turn"),
  v: z.literal(1),
  turnId: z.string().max(64),
  conversationId: z.string().max(64),
  orgId: z.string().max(64),
  siteKey: z.string().max(64),
  /** UTC day the turn ended, YYYY-MM-DD: what analytics group by. */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** When the turn ended, epoch ms. */
  endedAt: z.number().int(),
  /** The visitor's words this turn answered (several messages joined), clipped. */
  question: z.string().max(QUESTION_CHARS),
  /** Agents that ran, in the order they started (the conversation's agent first). */
  agents: z.array(z.string().max(64)).max(32),
  /** The agent whose reply the visitor got. */
  answeredBy: z.string().max(64).nullable(),
  retrieval: z.object({
    queries: z.array(z.string().max(QUERY_CHARS)).max(MAX_QUERIES),
    /** Documents retrieved, best (lowest BM25) score each, in the order first seen. */
    documents: z.array(z.object({ id: z.string().max(128), score: z.number().nullable() })).max(MAX_DOCUMENTS),
    /** Documents the reply cites (its sources). */
    cited: z.array(z.string().max(128)).max(MAX_DOCUMENTS),
  }),
  tokensIn: z.number().int().nonnegative(),
  tokensOut: z.number().int().nonnegative(),
  /** From the turn's start to the first streamed piece of the reply; null when nothing streamed. */
  firstDeltaMs: z.number().int().nonnegative().nullable(),
  turnMs: z.number().int().nonnegative(),
  outcome: Outcome,
  /** Why, when the outcome is not `answered`: a run error code, `stopped`, or the handoff's reason. */
  reason: z.string().max(200).nullable(),
  /** The answering agent's model name and family (`offline`, `openai`, …). */
  model: z.string().max(128).nullable(),
  family: z.string().max(64).nullable(),
  /** The stored reply's message id, which feedback votes name. */
  replyMessageId: z.string().max(64).nullable(),
  // ---- since insights (optional: a record of the version before still parses) ----
  /** The question's language (providers/language.ts). */
  lang: z.string().max(8).nullable().optional(),
  /** The visitor asked the same thing as in their previous question of this conversation. */
  repeated: z.boolean().optional(),
  delegations: z.array(DelegationFact).max(32).optional(),
  usage: z.array(UsageFact).max(32).optional(),
  /** Share of the reply's content words found in the passages retrieved for it (null: no reply words, or nothing retrieved). */
  grounded: z.number().min(0).max(1).nullable().optional(),
  /** When the conversation started, epoch ms. */
  conversationStartedAt: z.number().int().optional(),
});
export type TurnFact = z.infer<typeof TurnFact>;

export const FeedbackFact = z.object({
  type: z.literal("feedback"),
  v: z.literal(1),
  conversationId: z.string().max(64),
  orgId: z.string().max(64),
  siteKey: z.string().max(64),
  messageId: z.string().max(64),
  rating: z.union([z.literal(1), z.literal(-1)]),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** When the vote was cast, epoch ms: a later vote on the same reply replaces an earlier one. */
  at: z.number().int(),
});
export type FeedbackFact = z.infer<typeof FeedbackFact>;

const Status = z.enum(["bot", "waiting", "human", "resolved"]);

/** A status change: a handoff (→ waiting), a claim (→ human), a resolution, a return to the bot. */
export const StatusFact = z.object({
  type: z.literal("status"),
  v: z.literal(1),
  conversationId: z.string().max(64),
  orgId: z.string().max(64),
  siteKey: z.string().max(64),
  from: Status,
  to: Status,
  /** Who or what moved it: `visitor`, `agent`, `policy`, `claim`, `staff`, `visitor wrote again`… */
  reason: z.string().max(200),
  /** The staff member who did it, for staff actions. */
  staffId: z.string().max(64).nullable(),
  /** For a handoff the visitor asked for right after the bot answered: that reply's message id. */
  afterReplyId: z.string().max(64).nullable(),
  at: z.number().int(),
  day: Day,
  conversationStartedAt: z.number().int().optional(),
});
export type StatusFact = z.infer<typeof StatusFact>;

/** A staff member's reply: the human answer to what the bot could not answer. */
export const StaffReplyFact = z.object({
  type: z.literal("staff_reply"),
  v: z.literal(1),
  conversationId: z.string().max(64),
  orgId: z.string().max(64),
  siteKey: z.string().max(64),
  messageId: z.string().max(64),
  staffId: z.string().max(64),
  text: z.string().max(STAFF_REPLY_CHARS),
  at: z.number().int(),
  day: Day,
});
export type StaffReplyFact = z.infer<typeof StaffReplyFact>;

/** The visitor's satisfaction rating of the conversation (a later one replaces it). */
export const CsatFact = z.object({
  type: z.literal("csat"),
  v: z.literal(1),
  conversationId: z.string().max(64),
  orgId: z.string().max(64),
  siteKey: z.string().max(64),
  rating: z.number().int().min(1).max(5),
  comment: z.string().max(CSAT_COMMENT_CHARS).nullable(),
  at: z.number().int(),
  day: Day,
});
export type CsatFact = z.infer<typeof CsatFact>;

/** A model grader's verdict on one answer: how well what it retrieved supports it, 0..1. */
export const GradeFact = z.object({
  type: z.literal("grade"),
  v: z.literal(1),
  turnId: z.string().max(64),
  conversationId: z.string().max(64),
  orgId: z.string().max(64),
  siteKey: z.string().max(64),
  score: z.number().min(0).max(1),
  model: z.string().max(128),
  at: z.number().int(),
});
export type GradeFact = z.infer<typeof GradeFact>;

export const Fact = z.discriminatedUnion("type", [TurnFact, FeedbackFact, StatusFact, StaffReplyFact, CsatFact, GradeFact]);
export type Fact = z.infer<typeof Fact>;

export const dayOf = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);
