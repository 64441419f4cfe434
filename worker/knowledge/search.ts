/**
 * Search over an org's knowledge collections: D1 FTS5 (BM25) always, and — when the org has
 * turned on an embedding index — the chunks nearest the question by meaning, the two
 * rankings fused by reciprocal rank fusion. The vector side is best effort: a slow or
 * failing endpoint, or an index too large for exact search, leaves BM25's answer as it is.
 */
import type { Source } from "../../shared/protocol";
import type { Env } from "../env";
import { detectLanguage } from "../providers/language";
import type { KnowledgePassage, KnowledgeProbe } from "../providers/types";
import { isStopWord } from "../providers/words";
import { embeddingSettings } from "./embedding-settings";
import { citationLabel, citationUrl } from "./formats/citation";
import { reciprocalRankFusion } from "./fusion";
import { nearestChunks } from "./vectors";

export interface Passage extends KnowledgePassage {
  /** The document's id: what a source link points at. */
  ref: string;
  title: string;
  /** The document's URL, opening at the passage where it can (`#page=4`, `#t=93`). */
  url?: string;
  text: string;
  /** BM25 (lower is better) when words matched; 0 for a passage only the vector index found. */
  score: number;
  /** The heading the passage sits under, its PDF page, its second of a video. */
  heading?: string;
  page?: number;
  startSec?: number;
  /** How to cite the place: "page 4", "1:33", or the heading. */
  cite?: string;
}

/** What a search can use: D1 always, the embedding endpoint and Vectorize when the org has them. */
export type SearchEnv = Env;

/**
 * The vector ranking's weight in the fusion (BM25's is 1). At half weight a chunk both lists
 * rank well still rises, and a chunk only the vectors find still enters, but the vectors alone
 * do not push BM25's clear first hit down: on the demo's eval sets (scripted embeddings) equal
 * weights lost first places BM25 had right, half weight kept them and found more (BENCHMARKS.md).
 */
export const VECTOR_WEIGHT = 0.5;

/** A question is embedded within this long, or searched by words alone. */
const QUERY_EMBED_TIMEOUT_MS = 4000;

interface ChunkHit {
  chunkId: number;
  ref: string;
  title: string;
  url: string | null;
  text: string;
  heading: string | null;
  page: number | null;
  startSec: number | null;
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

export async function searchKnowledge(env: SearchEnv, orgId: string, collections: string[], query: string, limit = 4): Promise<Passage[]> {
  if (collections.length === 0) return [];
  const [words, meaning] = await Promise.all([bm25Chunks(env.DB, orgId, collections, query, limit * 3), vectorChunks(env, orgId, collections, query, limit * 3)]);
  const ranked = meaning.length
    ? reciprocalRankFusion([words, meaning], (h) => String(h.chunkId), { weights: [1, VECTOR_WEIGHT] }).map((f) => f.item)
    : words;
  // One passage per document: several chunks of one article are one source to a visitor.
  const seen = new Set<string>();
  const out: Passage[] = [];
  for (const hit of ranked) {
    if (seen.has(hit.ref)) continue;
    seen.add(hit.ref);
    out.push(passageOf(hit));
    if (out.length >= limit) break;
  }
  return out;
}

function passageOf(h: ChunkHit): Passage {
  const place = { heading: h.heading, page: h.page, startSec: h.startSec };
  const cite = h.page != null || h.startSec != null ? citationLabel(place) : null;
  return {
    ref: h.ref,
    title: h.title,
    ...(h.url ? { url: citationUrl(h.url, place) } : {}),
    text: h.text,
    score: h.score,
    ...(h.heading ? { heading: h.heading } : {}),
    ...(h.page != null ? { page: h.page } : {}),
    ...(h.startSec != null ? { startSec: h.startSec } : {}),
    ...(cite ? { cite } : {}),
  };
}

const CHUNK_COLUMNS = `c.id AS chunkId, c.document_id AS ref, d.title AS title, d.url AS url, c.text AS text, c.heading AS heading, c.page AS page, c.start_sec AS startSec`;

async function bm25Chunks(db: D1Database, orgId: string, collections: string[], query: string, limit: number): Promise<ChunkHit[]> {
  const match = ftsQuery(query);
  if (!match) return [];
  const placeholders = collections.map(() => "?").join(", ");
  const rows = await db
    .prepare(
      `SELECT ${CHUNK_COLUMNS}, bm25(knowledge_fts, 2.0, 1.0) AS score
       FROM knowledge_fts f
       JOIN knowledge_chunks c ON c.id = f.chunk_id
       JOIN knowledge_documents d ON d.id = c.document_id
       WHERE knowledge_fts MATCH ? AND f.org_id = ? AND f.collection_id IN (${placeholders})
       ORDER BY score
       LIMIT ?`,
    )
    .bind(match, orgId, ...collections, limit)
    .all<ChunkHit>();
  return rows.results;
}

/** The chunks nearest the question, when the org has an embedding index; [] when not, or when it fails. */
async function vectorChunks(env: SearchEnv, orgId: string, collections: string[], query: string, limit: number): Promise<ChunkHit[]> {
  if (!query.trim()) return [];
  let settings;
  try {
    settings = await embeddingSettings(env.DB, orgId);
  } catch {
    // Before migration 0016, or D1 hiccuped: words alone.
    return [];
  }
  if (!settings) return [];
  let matches;
  try {
    matches = await nearestChunks(env, orgId, settings, collections, query, limit, QUERY_EMBED_TIMEOUT_MS);
  } catch (error) {
    console.error("vector search skipped:", error instanceof Error ? error.message : String(error));
    return [];
  }
  if (matches.length === 0) return [];
  const ids = matches.map((m) => m.chunkId);
  const rows = await env.DB.prepare(
    `SELECT ${CHUNK_COLUMNS}, 0 AS score FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id
     WHERE c.org_id = ? AND c.collection_id IN (${collections.map(() => "?").join(", ")}) AND c.id IN (${ids.map(() => "?").join(", ")})`,
  )
    .bind(orgId, ...collections, ...ids)
    .all<ChunkHit>();
  const byId = new Map(rows.results.map((r) => [r.chunkId, r]));
  return ids.map((id) => byId.get(id)).filter((h): h is ChunkHit => !!h);
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
export function knowledgeProbe(env: SearchEnv, orgId: string): KnowledgeProbe {
  const db = env.DB;
  return {
    search: (collections, query, limit) => searchKnowledge(env, orgId, collections, query, limit),
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

export const passageSource = (p: Passage): Source => ({ id: p.ref, title: p.title, ...(p.url ? { url: p.url } : {}), ...(p.cite ? { cite: p.cite } : {}) });
