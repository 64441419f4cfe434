/**
 * Evidence that a question was not answered well, as bits of a turn's `flags` (set by the
 * FACTS consumer; a handoff right after the answer and a visitor repeating the question are
 * set when those facts arrive). Thumbs-down votes are not a flag: they are read from the
 * feedback table, where a later vote replaces an earlier one.
 */
export const FLAG = {
  /** The assistant searched the knowledge and nothing came back. */
  noHit: 1,
  /** Something came back, but its best score was weaker than WEAK_SCORE. */
  weak: 2,
  /** The assistant said it does not know. */
  abstained: 4,
  /** The conversation went to a person during the turn. */
  handedOff: 8,
  /** The visitor asked this again (it repeats their previous question). */
  repeated: 16,
  /** The visitor asked for a person right after this answer. */
  handoffAfter: 32,
  /** The turn failed (error, timeout, budget). */
  failed: 64,
  /** The visitor's next question repeated this one: the answer did not help. */
  repeatedNext: 128,
} as const;

/** Bits that make a turn part of a content gap. */
export const GAP_FLAGS = FLAG.noHit | FLAG.weak | FLAG.abstained | FLAG.handedOff | FLAG.repeated | FLAG.handoffAfter | FLAG.failed;
/** Bits that mean an answered question was not resolved by it. */
export const UNRESOLVED_FLAGS = FLAG.handoffAfter | FLAG.repeatedNext;

/**
 * BM25 scores (FTS5, lower is better) weaker than this are a weak match. FTS5's bm25() of a
 * short question against a help center puts a passage that shares one common word near -1
 * and one that answers below -3 (see README "Insights").
 */
export const WEAK_SCORE = -2;

export interface TurnEvidence {
  outcome: string;
  queries: number;
  documents: number;
  bestScore: number | null;
  repeated: boolean;
}

export function flagsOf(t: TurnEvidence, weakScore = WEAK_SCORE): number {
  let flags = 0;
  if (t.queries > 0 && t.documents === 0) flags |= FLAG.noHit;
  if (t.documents > 0 && t.bestScore !== null && t.bestScore > weakScore) flags |= FLAG.weak;
  if (t.outcome === "abstained") flags |= FLAG.abstained;
  if (t.outcome === "handed_off") flags |= FLAG.handedOff;
  if (t.outcome === "failed") flags |= FLAG.failed;
  if (t.repeated) flags |= FLAG.repeated;
  return flags;
}

/** The names of a turn's evidence, for the API. */
export function evidenceNames(flags: number, downvoted: boolean): string[] {
  const names: string[] = [];
  if (flags & FLAG.noHit) names.push("no_retrieval_hit");
  if (flags & FLAG.weak) names.push("weak_match");
  if (flags & FLAG.abstained) names.push("abstained");
  if (flags & FLAG.handedOff) names.push("handed_off");
  if (flags & FLAG.handoffAfter) names.push("handoff_after_answer");
  if (flags & FLAG.repeated) names.push("repeated_question");
  if (flags & FLAG.failed) names.push("failed");
  if (downvoted) names.push("thumbs_down");
  return names;
}
