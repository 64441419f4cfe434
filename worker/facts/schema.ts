/**
 * The fact records a conversation puts on the FACTS queue: one per finished turn, and one
 * per feedback vote. They are what is read across conversations (the analytics), written
 * to D1 in batches by the queue's consumer (facts/consumer.ts). Compact by design: every
 * text is clipped and every list capped, so a record stays far below the queue's 128 KB.
 *
 * The consumer validates each record with these schemas; `v` is the record's version.
 */
import { z } from "zod";

export const QUESTION_CHARS = 500;
export const QUERY_CHARS = 200;
export const MAX_QUERIES = 10;
export const MAX_DOCUMENTS = 20;

export const Outcome = z.enum(["answered", "abstained", "handed_off", "failed"]);
export type Outcome = z.infer<typeof Outcome>;

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

export const Fact = z.discriminatedUnion("type", [TurnFact, FeedbackFact]);
export type Fact = z.infer<typeof Fact>;

export const dayOf = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);
