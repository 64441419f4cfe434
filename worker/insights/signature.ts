/**
 * A question's signature: its topical terms, normalised, so that questions asked in other
 * words (or another language) meet. Built on the offline provider's word handling: the
 * lexicon's concepts (`#refund` for "refund", "money back", "remboursement") and stemmed
 * content words for the rest, with stop words, filler ("I was wondering…") and generic words
 * ("long", "week") left out. No model, nothing random: the same words give the same
 * signature, everywhere and every time.
 *
 * The signature's key (its terms, sorted, space-separated) is what facts are grouped by; the
 * similarity between two term sets decides which topic a new signature joins.
 */
import { detectLanguage, type Lang } from "../providers/language";
import { englishWords, isGeneric, terms } from "../providers/lexicon";

/** At most this many terms make a signature: concepts first, then words in the order written. */
export const MAX_TERMS = 6;

export interface Signature {
  /** The terms sorted and joined by spaces ('' when the question has no topical word). */
  key: string;
  /** The terms in the order they were written (concepts start with `#`). */
  terms: string[];
  /** Each term as the visitor wrote it (for naming a topic after it). */
  surfaces: Record<string, string>;
  lang: Lang;
}

export function signatureOf(text: string): Signature {
  const lang = detectLanguage(text);
  const found = terms(text, lang);
  const surfaces: Record<string, string> = {};
  const ordered: string[] = [];
  for (const t of found) {
    if (ordered.includes(t.key)) continue;
    ordered.push(t.key);
    surfaces[t.key] = t.surface;
  }
  // Generic words ("long", "week") only count when nothing else is said.
  const specific = ordered.filter((k) => k.startsWith("#") || !isGeneric(surfaces[k] ?? k, lang));
  const chosen = (specific.length ? specific : ordered).filter((k) => k.length > 1);
  const concepts = chosen.filter((k) => k.startsWith("#"));
  const words = chosen.filter((k) => !k.startsWith("#"));
  const kept = [...concepts, ...words].slice(0, MAX_TERMS);
  const inOrder = chosen.filter((k) => kept.includes(k));
  return { key: [...inOrder].sort().join(" "), terms: inOrder, surfaces: Object.fromEntries(inOrder.map((k) => [k, surfaces[k] ?? k])), lang };
}

export const termsOfKey = (key: string): string[] => (key ? key.split(" ") : []);

/** A concept says more than a single word: "#refund" weighs 2, "evernote" 1. */
const weight = (term: string) => (term.startsWith("#") ? 2 : 1);

/** Weighted Jaccard similarity of two term sets, 0..1. */
export function similarity(a: readonly string[], b: readonly string[]): number {
  if (!a.length || !b.length) return 0;
  const sa = new Set(a);
  const sb = new Set(b);
  let shared = 0;
  let all = 0;
  for (const t of new Set([...sa, ...sb])) {
    const w = weight(t);
    all += w;
    if (sa.has(t) && sb.has(t)) shared += w;
  }
  return all ? shared / all : 0;
}

/** A readable name from terms: concepts by their English word, other words as written. */
export function nameOf(termList: readonly string[], surfaces: Record<string, string> = {}): string {
  const parts = termList.slice(0, 3).map((t) => (t.startsWith("#") ? (englishWords(t)[0] ?? t.slice(1)) : (surfaces[t] ?? t)));
  const name = parts.join(" · ") || "Other";
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The terms of an owner's keyword ("money back" → ["#refund"]), for matching questions against it. */
export function keywordTerms(keyword: string): string[] {
  return signatureOf(keyword).terms;
}
