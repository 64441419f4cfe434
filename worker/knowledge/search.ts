/**
 * Full-text search over an org's knowledge collections (D1 FTS5, BM25 ranking).
 */
import type { Source } from "../../shared/protocol";
import { contentWords } from "../providers/words";

export interface Passage {
  /** The document's id: what a source link points at. */
  ref: string;
  title: string;
  url?: string;
  text: string;
  score: number;
}

/**
 * Visitors type anything; FTS5 has a query language. Quoting each word keeps operators and
 * punctuation from being parsed, and OR-ing the words lets partial matches rank instead of
 * failing outright. Stemming is FTS5's job (porter tokenizer), so words go in whole.
 */
export function ftsQuery(text: string): string | null {
  const words = text
    .toLowerCase()
    .normalize("NFKC")
    .match(/[\p{L}\p{N}]+/gu);
  if (!words) return null;
  const keep = [...new Set(words)].filter((w) => contentWords(w).length > 0).slice(0, 24);
  if (keep.length === 0) return null;
  return keep.map((w) => `"${w}"`).join(" OR ");
}

export async function searchKnowledge(
  db: D1Database,
  orgId: string,
  collections: string[],
  query: string,
  limit = 4,
): Promise<Passage[]> {
  const match = ftsQuery(query);
  if (!match || collections.length === 0) return [];
  const placeholders = collections.map(() => "?").join(", ");
  const rows = await db
    .prepare(
      `SELECT c.document_id AS ref, d.title AS title, d.url AS url, c.text AS text, bm25(knowledge_fts, 2.0, 1.0) AS score
       FROM knowledge_fts f
       JOIN knowledge_chunks c ON c.id = f.chunk_id
       JOIN knowledge_documents d ON d.id = c.document_id
       WHERE knowledge_fts MATCH ? AND f.org_id = ? AND f.collection_id IN (${placeholders})
       ORDER BY score
       LIMIT ?`,
    )
    .bind(match, orgId, ...collections, limit * 3)
    .all<{ ref: string; title: string; url: string | null; text: string; score: number }>();
  // One passage per document: several chunks of one article are one source to a visitor.
  const seen = new Set<string>();
  const out: Passage[] = [];
  for (const r of rows.results) {
    if (seen.has(r.ref)) continue;
    seen.add(r.ref);
    out.push({ ref: r.ref, title: r.title, ...(r.url ? { url: r.url } : {}), text: r.text, score: r.score });
    if (out.length >= limit) break;
  }
  return out;
}

/** The best BM25 score of `query` in these collections (lower is better), or null for no match. */
export async function bestScore(db: D1Database, orgId: string, collections: string[], query: string): Promise<number | null> {
  const [best] = await searchKnowledge(db, orgId, collections, query, 1);
  return best ? best.score : null;
}

export const passageSource = (p: Passage): Source => ({ id: p.ref, title: p.title, ...(p.url ? { url: p.url } : {}) });
