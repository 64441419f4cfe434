/**
 * Placing new signatures among a site's topics (clustering.ts `place`), starting an
 * automatic topic for a signature no topic is close to — in key order, so that a batch's
 * signatures land the same way whatever order its facts came in.
 */
import { place, TermIndex, type TopicSeed, topicIdOf } from "./clustering";
import { nameOf } from "./signature";

export interface Placement {
  signature: { key: string; terms: string[]; surfaces: Record<string, string>; sample: string; day: string };
  topicId: string;
  /** A topic started for this signature, with the name it starts with. */
  created: boolean;
  name: string;
}

export function placeOrNew(orgId: string, siteKey: string, signatures: Placement["signature"][], seeds: TopicSeed[]): Placement[] {
  const topics = [...seeds];
  const index = new TermIndex(topics);
  const out: Placement[] = [];
  for (const signature of [...signatures].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const found = place(signature.terms, topics, index);
    if (found) {
      out.push({ signature, topicId: found, created: false, name: "" });
      continue;
    }
    const id = topicIdOf(orgId, siteKey, signature.key);
    // The same leader seen again (a topic dissolved by regrouping, then asked about again) keeps its id.
    const existing = topics.find((t) => t.id === id);
    if (existing) {
      out.push({ signature, topicId: existing.mergedInto ?? id, created: false, name: "" });
      continue;
    }
    const seed: TopicSeed = { id, terms: signature.terms, keywords: [], fixed: false, mergedInto: null };
    topics.push(seed);
    index.add(seed);
    out.push({ signature, topicId: id, created: true, name: nameOf(signature.terms, signature.surfaces) });
  }
  return out;
}
