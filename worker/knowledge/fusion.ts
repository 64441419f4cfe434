/**
 * Reciprocal rank fusion: several ranked lists (BM25 hits, vector hits) into one, each item
 * scoring Σ weight / (k + rank) over the lists it appears in (rank from 1). It needs no score
 * calibration between BM25 and cosine similarity, only ranks; k = 60 is the value of the
 * original paper (Cormack, Clarke & Büttcher, 2009), which damps the head of each list so
 * that agreement between lists outweighs one list's first place.
 */
export const RRF_K = 60;

export interface Fused<T> {
  key: string;
  /** The item as the first list that holds it gave it. */
  item: T;
  score: number;
  /** Its 1-based rank in each list, or null where it is absent. */
  ranks: (number | null)[];
}

export function reciprocalRankFusion<T>(
  lists: readonly (readonly T[])[],
  key: (item: T) => string,
  options: { k?: number; weights?: readonly number[]; limit?: number } = {},
): Fused<T>[] {
  const k = options.k ?? RRF_K;
  const fused = new Map<string, Fused<T>>();
  lists.forEach((list, l) => {
    const weight = options.weights?.[l] ?? 1;
    const seen = new Set<string>();
    list.forEach((item, i) => {
      const id = key(item);
      if (seen.has(id)) return; // a list that repeats an item counts its best rank only
      seen.add(id);
      let entry = fused.get(id);
      if (!entry) {
        entry = { key: id, item, score: 0, ranks: lists.map(() => null) };
        fused.set(id, entry);
      }
      entry.ranks[l] = i + 1;
      entry.score += weight / (k + i + 1);
    });
  });
  const bestRank = (f: Fused<T>) => Math.min(...f.ranks.map((r) => r ?? Infinity));
  const firstList = (f: Fused<T>) => f.ranks.findIndex((r) => r !== null);
  const out = [...fused.values()].sort((a, b) => b.score - a.score || bestRank(a) - bestRank(b) || firstList(a) - firstList(b));
  return options.limit != null ? out.slice(0, options.limit) : out;
}
