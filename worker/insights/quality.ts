/**
 * How good an answer was, from what the turn had at hand when it ended: the reply, the
 * passages retrieved for it (its own and its specialists'), its citations and its cost.
 *
 * - groundedness: the share of the reply's topical terms (lexicon concepts and stemmed
 *   content words, as for signatures) that occur in the retrieved passages. A reply that
 *   says what the articles say scores near 1; one that makes things up, or answers with
 *   nothing retrieved, scores low. Null for a reply with under three topical terms (a
 *   greeting, "anything else?"): that is no knowledge answer.
 * - quality (0..1): 0.3 for citing a source, 0.5 × support (a model grader's score where one
 *   graded the answer, else groundedness), 0.2 for staying within the answer token budget.
 *   Null unless the turn answered with a substantive reply.
 */
import { detectLanguage } from "../providers/language";
import { isGeneric, terms } from "../providers/lexicon";

/** Topical terms of a reply below this are no knowledge answer. */
const MIN_TERMS = 3;
/** Passages compared at most (each is a chunk of at most ~900 characters). */
export const MAX_EVIDENCE = 16;
/** Tokens one answer may take (all its model calls, delegations included) and still count as within budget. */
export const ANSWER_TOKEN_BUDGET = 8_000;

function topical(text: string): Set<string> {
  const lang = detectLanguage(text);
  return new Set(terms(text, lang, { components: true }).filter((t) => t.concept || !isGeneric(t.surface, lang)).map((t) => t.key));
}

/** Share of the reply's topical terms found in the passages; null for a reply with too few. */
export function groundedness(reply: string, evidence: readonly string[]): number | null {
  const said = topical(reply);
  if (said.size < MIN_TERMS) return null;
  if (!evidence.length) return 0;
  const known = new Set<string>();
  for (const passage of evidence.slice(0, MAX_EVIDENCE)) for (const t of topical(passage)) known.add(t);
  let found = 0;
  for (const t of said) if (known.has(t)) found++;
  return Math.round((found / said.size) * 1000) / 1000;
}

export interface AnswerFacts {
  outcome: string;
  /** Sources the reply cites. */
  cited: number;
  grounded: number | null;
  /** A model grader's score, when one graded the answer. */
  grade: number | null;
  withinBudget: boolean;
}

export function qualityScore(a: AnswerFacts): number | null {
  if (a.outcome !== "answered" || a.grounded === null) return null;
  const support = a.grade ?? a.grounded;
  return Math.round((0.3 * (a.cited > 0 ? 1 : 0) + 0.5 * support + 0.2 * (a.withinBudget ? 1 : 0)) * 1000) / 1000;
}

export const withinBudget = (tokens: number, reason: string | null, budget = ANSWER_TOKEN_BUDGET) => tokens <= budget && reason !== "budget_exceeded";
