/**
 * Full-text search over an org's knowledge collections (D1 FTS5, BM25 ranking).
 */
import type { Source } from "../../shared/protocol";
import { detectLanguage } from "../providers/language";
import type { KnowledgeProbe } from "../providers/types";
import { isStopWord } from "../providers/words";

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
  // Stop words of the question's language (and English, which visitors mix in) are left out.
  const lang = detectLanguage(text);
  const keep = [...new Set(words)].filter((w) => w.length > 1 && !isStopWord(w, lang) && !isStopWord(w, "en")).slice(0, 24);
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

/**
 * How many of the org's documents use each term, out of how many documents it has: the
 * rarity that tells a telling word from one every article uses. A term is a list of forms
 * (words or phrases), any of which counts. One round trip for all terms.
 */
export async function documentFrequencies(db: D1Database, orgId: string, terms: string[][]): Promise<{ documents: number; counts: number[] }> {
  const total = db.prepare("SELECT COUNT(*) AS n FROM knowledge_documents WHERE org_id = ?").bind(orgId);
  const queries = terms.map((forms) => {
    const match = forms
      .map((f) => f.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]+/gu)?.join(" "))
      .filter((f): f is string => !!f)
      .map((f) => `"${f}"`)
      .join(" OR ");
    return match
      ? db
          .prepare(
            `SELECT COUNT(DISTINCT c.document_id) AS n FROM knowledge_fts f JOIN knowledge_chunks c ON c.id = f.chunk_id
             WHERE knowledge_fts MATCH ? AND f.org_id = ?`,
          )
          .bind(match, orgId)
      : null;
  });
  const statements = [total, ...queries.filter((q): q is D1PreparedStatement => q !== null)];
  const results = await db.batch<{ n: number }>(statements);
  let k = 1;
  const counts = queries.map((q) => (q ? (results[k++]?.results[0]?.n ?? 0) : 0));
  return { documents: results[0]?.results[0]?.n ?? 0, counts };
}

/** The offline provider's look at an org's knowledge (see KnowledgeProbe). */
export function knowledgeProbe(db: D1Database, orgId: string): KnowledgeProbe {
  return {
    search: (collections, query, limit) => searchKnowledge(db, orgId, collections, query, limit),
    documentFrequencies: (terms) => documentFrequencies(db, orgId, terms),
    names: async () => {
      const rows = await db
        .prepare("SELECT name FROM orgs WHERE id = ?1 UNION SELECT name FROM sites WHERE org_id = ?1")
        .bind(orgId)
        .all<{ name: string }>();
      return rows.results.map((r) => r.name);
    },
  };
}

export const passageSource = (p: Passage): Source => ({ id: p.ref, title: p.title, ...(p.url ? { url: p.url } : {}) });
