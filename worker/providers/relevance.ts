/**
 * Does a passage answer the question? The offline provider's relevance test, built to hold
 * across sites of any size, where raw BM25 scores do not carry over: it weighs the
 * question's topical terms by how rare they are in the site's own documents (so a word every
 * article uses counts for little and a word no article uses counts for a lot), then asks
 *
 * - coverage: how much of that weight the passage (title and text) matches;
 * - focus: how much of it one sentence (with the title) matches, so words scattered over
 *   unrelated sentences do not add up to an answer;
 * - title: whether the article is about what was asked;
 * - margin: whether the best article is clearly ahead of the next one.
 *
 * A passage answers when it covers the question, is focused on it, and is either about it
 * (title) or says it squarely (one sentence holding several of the question's terms) — and
 * no other article is as good a match, which would make the question ambiguous.
 */
import { detectLanguage, type Lang } from "./language";
import { allForms, componentsOf, correctTypo, isGeneric, isTypoOfStopWord, type Term, terms } from "./lexicon";
import type { KnowledgePassage, KnowledgeProbe } from "./types";
import { editDistance } from "./words";

/**
 * Thresholds on shares of the question's weight (0–1). An article whose title holds much of
 * the question needs less of the rest (half of the title's share is taken off), down to a floor.
 */
const MIN_COVERAGE = 0.75;
const MIN_FOCUS = 0.5;
const FLOOR = 0.45;
/** A common word ("long", "week", "change") counts for this share of its weight. */
const GENERIC_FACTOR = 0.3;
/** A word no article uses counts fully when it looks like a name or a term (GDPR, Slack,
 * "handwriting"), for this share when it is a plain short word (more likely phrasing). */
const UNKNOWN_PLAIN_FACTOR = 0.6;
/**
 * A term is specific when at most this share of the org's documents use it (at least one
 * document: on a one-article site every word is). An answer must match one: "notes" and
 * "notebook" alone do not pick an article on a notes app's help center.
 */
const SPECIFIC = 0.3;
/** Two articles closer than this (in score) are equally good answers: the question is ambiguous. */
const MIN_MARGIN = 0.05;
/** Ranking bonus for a passage in the visitor's language. */
const SAME_LANGUAGE = 0.15;

export interface Judgement {
  passage: KnowledgePassage;
  lang: Lang;
  answers: boolean;
  /** coverage + focus + (title + direct)/2 + support/3: for ranking passages and comparing collections. */
  score: number;
  coverage: number;
  focus: number;
  /** Share of the question in the title and the article's headings or list labels. */
  title: number;
  /** The part of the passage that answers: its best paragraph (and a second one that adds to it). */
  excerpt: string;
}

export interface Verdict {
  /** The passage that answers, if one does. */
  best: Judgement | null;
  /** Every passage judged, best first. */
  ranked: Judgement[];
  /** Several articles answer equally well. */
  ambiguous: boolean;
  /** The question has no topical words at all ("help", "it doesn't work"). */
  vague: boolean;
}

interface Weighted extends Term {
  weight: number;
  /** A common word: it counts when the passage has it and is not missed when it does not. */
  optional: boolean;
  /** Rare enough in the org's documents to say which article is meant (not "note" on a notes app's site). */
  specific: boolean;
  /** No document of the site uses it: a typo, or something the site does not cover. */
  unknown: boolean;
  /** The words of the phrase it was written as: a sentence using them says it squarely. */
  components: string[];
  /** Written like a name or a term (GDPR, Slack, "handwriting"), not like phrasing. */
  named: boolean;
}

/** Weighs the question's terms by their rarity in the org's documents (BM25's IDF). */
export async function weighTerms(question: string, lang: Lang, probe: KnowledgeProbe): Promise<Weighted[]> {
  const unique = new Map<string, Term>();
  for (const t of terms(question, lang)) if (!unique.has(t.key)) unique.set(t.key, t);
  const list = [...unique.values()];
  if (list.length === 0) return [];
  const forms = (t: Term) => (t.concept ? allForms(t.key) : [t.surface]);
  const [first, names] = await Promise.all([probe.documentFrequencies(list.map(forms)), probe.names()]);
  // The site's own name ("Lumen") is in many of its articles and is the topic of none —
  // unless it is all the question asks about ("What is Lumen Notes?").
  const nameKeys = new Set(names.flatMap((name) => terms(name, lang).map((t) => t.key)));
  const own = list.every((t) => nameKeys.has(t.key)) ? new Set<string>() : nameKeys;
  // A word no document uses may be a typo of a word the lexicon knows ("exprot", "pasword").
  const corrected = list.map((t, i) => {
    if (t.concept || (first.counts[i] ?? 0) > 0) return t;
    const concept = correctTypo(t.surface, lang);
    return concept && !unique.has(concept) ? { key: concept, surface: t.surface, concept: true } : t;
  });
  const changed = corrected.flatMap((t, i) => (t !== list[i] ? [i] : []));
  const counts = [...first.counts];
  if (changed.length) {
    const again = await probe.documentFrequencies(changed.map((i) => forms(corrected[i] as Term)));
    changed.forEach((i, k) => (counts[i] = again.counts[k] ?? 0));
  }
  const n = Math.max(first.documents, 1);
  return corrected.flatMap((t, i) => {
    const df = Math.min(counts[i] ?? 0, n);
    // A misspelt "where" or "the" is nothing to look for.
    if (df === 0 && !t.concept && isTypoOfStopWord(t.surface, lang)) return [];
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    const named = looksLikeAName(t.surface, question);
    const plain = df === 0 && !named ? UNKNOWN_PLAIN_FACTOR : 1;
    const generic = (!t.concept && isGeneric(t.surface, lang)) || (own.has(t.key) && !t.concept);
    const factor = t.concept ? 1 : generic ? GENERIC_FACTOR : plain;
    return [
      {
        ...t,
        weight: idf * factor,
        optional: generic,
        specific: !generic && df <= Math.max(1, SPECIFIC * n),
        unknown: df === 0,
        components: t.concept ? componentsOf(t.surface, lang) : [],
        named,
      },
    ];
  });
}

/** Capitalised inside a sentence, in capitals, with digits, or long: a name or a term, not phrasing (short unknown words count least). */
function looksLikeAName(word: string, question: string): boolean {
  if (word.length >= 7 || /\d/.test(word)) return true;
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![.!?]\\s|^)\\b${escaped.charAt(0).toUpperCase()}${escaped.slice(1)}\\b|\\b${escaped.toUpperCase()}\\b`, "u").test(question);
}

/**
 * Judges passages (already retrieved for the question) against the weighted question. An
 * article in the visitor's language ranks ahead of an equal one in another: a site's
 * translation of an article is the same answer, not a rival one.
 */
export function judge(question: Weighted[], passages: KnowledgePassage[], lang: Lang): Verdict {
  const total = question.reduce((n, t) => n + (t.optional ? 0 : t.weight), 0);
  if (question.length === 0 || total === 0) return { best: null, ranked: [], ambiguous: false, vague: true };
  // The visitor's language first; failing that English, the language most help centers are written in.
  const rank = (j: Judgement) => j.score + (j.lang === lang ? SAME_LANGUAGE : j.lang === "en" ? SAME_LANGUAGE / 3 : 0);
  const ranked = passages.map((p) => judgeOne(question, total, p)).sort((a, b) => rank(b) - rank(a));
  const top = ranked[0];
  if (!top?.answers) return { best: null, ranked, ambiguous: false, vague: false };
  const next = ranked.find((j) => j.passage.ref !== top.passage.ref && j.lang === top.lang);
  // A runner-up that answers as well (and is as much about it, by its title) leaves the
  // question open between two articles: better to ask than to pick one.
  const ambiguous = !!next?.answers && top.score - next.score < MIN_MARGIN && next.title >= top.title;
  return { best: ambiguous ? null : top, ranked, ambiguous, vague: false };
}

function judgeOne(question: Weighted[], required: number, passage: KnowledgePassage): Judgement {
  const lang = detectLanguage(`${passage.title}\n${passage.text}`);
  const body = stripHeading(passage.text, passage.title);
  const paragraphs = body.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  const titleKeys = keySet(passage.title, lang);
  // Headings and list labels ("## Refunds", "Pro: $8 per month") name what a part is about.
  const labelKeys = keySet(
    [...body.matchAll(/^(?:#{1,6}\s+(.+)|([^\n:]{2,40}):\s)/gm)].map((m) => m[1] ?? m[2] ?? "").join("\n"),
    lang,
  );
  const sentences = paragraphs.flatMap((p, pi) => splitSentences(p).map((s) => ({ paragraph: pi, keys: keySet(s, lang), text: s })));
  const vocabulary = new Set<string>([...titleKeys, ...sentences.flatMap((s) => [...s.keys])]);

  const has = (t: Weighted, keys: Set<string>) => keys.has(t.key) || (!t.concept && (t.unknown || t.key.length >= 6) && fuzzyIn(t.key, keys));
  // Common words are not missed when the article does not use them; when it does, they add a little to its score.
  const total = required;
  const share = (keys: Set<string>) => question.reduce((n, t) => n + (!t.optional && has(t, keys) ? t.weight : 0), 0) / total;
  const optional = question.filter((t) => t.optional);
  const extra = optional.length ? optional.filter((t) => has(t, vocabulary)).length / optional.length : 0;

  const coverage = share(vocabulary);
  const title = share(titleKeys);
  const about = share(new Set([...titleKeys, ...labelKeys]));
  // How much the article dwells on the question's terms (sentences using them, up to three each).
  const support = question.reduce((n, t) => n + (t.optional ? 0 : t.weight) * Math.min(3, sentences.filter((s) => has(t, s.keys)).length), 0) / (3 * total);
  let focus = 0;
  let focusTerms = 0;
  let bestSentence = -1;
  // The best sentence on its own: one that says it all without the title's help is the most direct answer.
  let direct = 0;
  sentences.forEach((s, i) => {
    direct = Math.max(direct, share(s.keys));
    const keys = new Set([...s.keys, ...titleKeys]);
    const f = share(keys);
    const n = question.reduce((k, t) => k + (!t.optional && has(t, s.keys) ? 1 : 0) + t.components.filter((c) => s.keys.has(c)).length, 0);
    if (f > focus || (f === focus && n > focusTerms)) {
      focus = f;
      focusTerms = n;
      bestSentence = i;
    }
  });
  // Said squarely: the article (or a part of it, by its label) is about it, or one sentence
  // holds several of the question's terms. (A one-word question needs the title: "billing"
  // is in every billing article, and none of them is the answer to "a billing question".)
  const squarely = about > 0 || focusTerms >= 2;
  // It must match a word that tells articles apart, and every topic asked about that does:
  // an article about cancelling that never mentions data does not say how long data is kept
  // after cancelling. (Topics are the lexicon's concepts and names no article uses; other
  // words may be phrasing, and count through coverage.)
  const specific = question.some((t) => t.specific && !t.optional && has(t, vocabulary));
  const topicsMet = question.every((t) => !t.specific || t.optional || !(t.concept || (t.unknown && t.named)) || has(t, vocabulary));
  const relief = about / 2;
  const answers = coverage >= Math.max(FLOOR, MIN_COVERAGE - relief) && focus >= Math.max(FLOOR, MIN_FOCUS - relief) && squarely && specific && topicsMet;

  const excerpt = excerptOf(paragraphs, sentences, bestSentence, question, has);
  return { passage, lang, answers, score: coverage + focus + about / 2 + direct / 2 + support / 3 + extra / 10, coverage, focus, title: about, excerpt };
}

/** The best sentence's paragraph, and a second paragraph when it holds terms the first lacks. */
function excerptOf(
  paragraphs: string[],
  sentences: { paragraph: number; keys: Set<string> }[],
  bestSentence: number,
  question: Weighted[],
  has: (t: Weighted, keys: Set<string>) => boolean,
): string {
  if (paragraphs.length === 0) return "";
  const first = sentences[bestSentence]?.paragraph ?? 0;
  const keysOf = (pi: number) => new Set(sentences.filter((s) => s.paragraph === pi).flatMap((s) => [...s.keys]));
  const covered = keysOf(first);
  const missing = question.filter((t) => !has(t, covered));
  let second = -1;
  let gain = 0;
  if (missing.length) {
    paragraphs.forEach((_, pi) => {
      if (pi === first) return;
      const keys = keysOf(pi);
      const g = missing.reduce((n, t) => n + (has(t, keys) ? t.weight : 0), 0);
      if (g > gain) {
        gain = g;
        second = pi;
      }
    });
  }
  const chosen = second >= 0 ? [first, second].sort((a, b) => a - b) : [first];
  return chosen.map((pi) => clipParagraph(paragraphs[pi] as string)).join("\n\n");
}

function clipParagraph(text: string, max = 700): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const end = Math.max(cut.lastIndexOf(". "), cut.lastIndexOf(".\n"));
  return end > max / 2 ? cut.slice(0, end + 1) : `${cut.trimEnd()}…`;
}

/** A Markdown document's first line is often its title again: one citation is enough. */
export function stripHeading(text: string, title: string): string {
  const lines = text.trim().split("\n");
  const first = (lines[0] ?? "").replace(/^#+\s*/, "").trim();
  if (first && first.toLowerCase() === title.trim().toLowerCase()) return lines.slice(1).join("\n").trim();
  return text.trim();
}

function splitSentences(paragraph: string): string[] {
  return paragraph
    .split(/(?<=[.!?;:])\s+(?=\S)|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function keySet(text: string, lang: Lang): Set<string> {
  return new Set(terms(text, lang, { components: true }).map((t) => t.key));
}

/**
 * A typo of a word the passage uses: one edit for words of 6+ letters, two for 9+. One word
 * extending the other is morphology or another word ("factor", "factory"), not a typo.
 */
function fuzzyIn(word: string, keys: Set<string>): boolean {
  if (word.length < 6) return false;
  const max = word.length >= 9 ? 2 : 1;
  for (const key of keys) {
    if (key.startsWith("#") || Math.abs(key.length - word.length) > max || (key[0] !== word[0] && key[1] !== word[1])) continue;
    if (key.startsWith(word) || word.startsWith(key)) continue;
    if (editDistance(word, key, max) <= max) return true;
  }
  return false;
}
