/**
 * Grouping question signatures into topics, with no model and nothing random.
 *
 * A topic is led by terms: an owner's topic by its keywords, an automatic one by the terms
 * of the signature that started it. A signature joins the topic it resembles most (weighted
 * Jaccard over terms, at least JOIN_AT), an owner's topic first whenever one of its keywords
 * is in the question; otherwise it starts a topic of its own. A merged topic still matches,
 * and sends what matches it on to the topic it was merged into.
 *
 * `cluster` regroups a site from scratch: signatures in a fixed order (most asked first, then
 * by key), owner-made, pinned and renamed topics kept as they are and tried first. The
 * result depends only on the signatures, their counts and the owner's edits: run twice, or
 * on the same questions arriving in another order, it gives the same topics with the same
 * ids (an automatic topic's id is a hash of its site and its first signature).
 * `place` is the same rule for one new signature, which the FACTS consumer applies as
 * questions arrive.
 */
import { similarity } from "./signature";

/** Least similarity for a signature to join an automatic topic. */
export const JOIN_AT = 0.5;

export interface TopicSeed {
  id: string;
  terms: string[];
  /** An owner's keywords, each as its terms: a question containing all of one's terms belongs here. */
  keywords: string[][];
  /** Kept by a regrouping as it is (owner-made, pinned or renamed). */
  fixed: boolean;
  mergedInto: string | null;
}

export interface SignatureCount {
  key: string;
  terms: string[];
  questions: number;
}

/** The topic a signature belongs in among `topics`, or null when none is close enough. */
export function place(terms: readonly string[], topics: readonly TopicSeed[], index?: TermIndex): string | null {
  if (!terms.length) return null;
  const candidates = index ? index.candidates(terms) : topics;
  let best: { id: string; score: number } | null = null;
  for (const topic of candidates) {
    const score = matchScore(terms, topic);
    if (score === 0) continue;
    if (!best || score > best.score || (score === best.score && topic.id < best.id)) best = { id: topic.id, score };
  }
  if (!best) return null;
  return resolveMerges(best.id, topics);
}

/** Owner keywords win over resemblance (scored above 1); resemblance counts from JOIN_AT. */
function matchScore(terms: readonly string[], topic: TopicSeed): number {
  const have = new Set(terms);
  let keyword = 0;
  for (const k of topic.keywords) if (k.length && k.every((t) => have.has(t))) keyword = Math.max(keyword, 1 + k.length / 10);
  if (keyword) return keyword;
  const s = similarity(terms, topic.terms);
  return s >= JOIN_AT ? s : 0;
}

/** Follows `merged_into` to the topic that stands (stopping at a cycle). */
export function resolveMerges(id: string, topics: readonly TopicSeed[]): string {
  const byId = new Map(topics.map((t) => [t.id, t]));
  const seen = new Set<string>();
  let current = id;
  while (!seen.has(current)) {
    seen.add(current);
    const next = byId.get(current)?.mergedInto;
    if (!next || !byId.has(next)) return current;
    current = next;
  }
  return current;
}

/** Which topics share a term with a signature: only those are compared. */
export class TermIndex {
  private readonly byTerm = new Map<string, TopicSeed[]>();

  constructor(topics: readonly TopicSeed[] = []) {
    for (const t of topics) this.add(t);
  }

  add(topic: TopicSeed): void {
    for (const term of new Set([...topic.terms, ...topic.keywords.flat()])) {
      const list = this.byTerm.get(term) ?? [];
      list.push(topic);
      this.byTerm.set(term, list);
    }
  }

  candidates(terms: readonly string[]): TopicSeed[] {
    const out = new Set<TopicSeed>();
    for (const t of terms) for (const topic of this.byTerm.get(t) ?? []) out.add(topic);
    return [...out];
  }
}

export interface Clustering {
  /** signature key → topic id */
  assignments: Map<string, string>;
  /** Automatic topics the grouping started: id, terms, and the signature that leads it. */
  created: { id: string; terms: string[]; leader: string }[];
}

/**
 * Groups every signature of a site. `fixed` topics (owner-made, pinned, renamed — and the
 * topics they were merged from) lead first; `idOf` names a new topic after its first signature.
 */
export function cluster(signatures: readonly SignatureCount[], fixed: readonly TopicSeed[], idOf: (leaderKey: string) => string): Clustering {
  const ordered = [...signatures].filter((s) => s.terms.length).sort((a, b) => b.questions - a.questions || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const topics: TopicSeed[] = [...fixed];
  const index = new TermIndex(topics);
  const assignments = new Map<string, string>();
  const created: Clustering["created"] = [];
  for (const s of ordered) {
    const found = place(s.terms, topics, index);
    if (found) {
      assignments.set(s.key, found);
      continue;
    }
    const topic: TopicSeed = { id: idOf(s.key), terms: s.terms, keywords: [], fixed: false, mergedInto: null };
    topics.push(topic);
    index.add(topic);
    created.push({ id: topic.id, terms: s.terms, leader: s.key });
    assignments.set(s.key, topic.id);
  }
  return { assignments, created };
}

/**
 * A topic's id from its site and leading signature: the same leader always gives the same
 * id (FNV-1a, 64 bits, as hex), so regrouping keeps the ids of the topics it finds again.
 */
export function topicIdOf(orgId: string, siteKey: string, leaderKey: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  const text = `${orgId}\u0000${siteKey}\u0000${leaderKey}`;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
    h2 ^= h2 >>> 15;
  }
  return `top_${h1.toString(16).padStart(8, "0")}${(h2 >>> 0).toString(16).padStart(8, "0")}`;
}
