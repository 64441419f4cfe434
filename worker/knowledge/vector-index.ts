/**
 * Where chunk vectors live and how the nearest are found. Two implementations of one
 * interface:
 *
 * - `ExactVectorIndex`: vectors in D1 (`knowledge_embeddings`), searched exactly inside the
 *   Worker — every vector of the org's collections is compared with the query. Needs nothing
 *   beyond D1 and suits small collections (it refuses past `maxScan` chunks rather than grow
 *   slow; the caller then keeps to BM25). It is what runs locally.
 * - `VectorizeVectorIndex`: Cloudflare Vectorize, used when the worker is deployed with a
 *   `VECTORIZE` binding. Vectorize has no local simulation (wrangler dev can only reach a
 *   real index remotely), so this path is exercised against a recording stand-in in tests
 *   and for real only when deployed. Each org is its own namespace; collections are a
 *   metadata filter (create the `collection_id` metadata index before inserting).
 */
import { bytesToVector, dot, normalize, vectorToBytes } from "./embeddings";

export interface VectorRecord {
  chunkId: number;
  documentId: string;
  orgId: string;
  collectionId: string;
  vector: Float32Array;
}

export interface VectorQuery {
  orgId: string;
  collections: readonly string[];
  topK: number;
}

export interface VectorMatch {
  chunkId: number;
  /** Cosine similarity, higher is closer. */
  score: number;
}

export interface VectorIndex {
  readonly kind: "exact" | "vectorize";
  /** The embedding model whose vectors this index holds. */
  readonly model: string;
  upsert(records: readonly VectorRecord[]): Promise<void>;
  query(vector: Float32Array, query: VectorQuery): Promise<VectorMatch[]>;
  /** Removes these chunks' vectors (before their document is deleted or replaced). */
  deleteChunks(orgId: string, chunkIds: readonly number[]): Promise<void>;
}

export class VectorIndexError extends Error {
  constructor(
    readonly code: "too_large" | "dimension_mismatch" | "unavailable",
    message: string,
  ) {
    super(message);
    this.name = "VectorIndexError";
  }
}

/** Chunks the exact index compares per query, at most (5000 × 1536 dims ≈ 30 MB read). */
export const EXACT_MAX_SCAN = 5000;
const PAGE = 250;
const WRITE_BATCH = 50;

export class ExactVectorIndex implements VectorIndex {
  readonly kind = "exact" as const;

  constructor(
    private readonly db: D1Database,
    readonly model: string,
    private readonly maxScan = EXACT_MAX_SCAN,
  ) {}

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    const insert = this.db.prepare(
      `INSERT INTO knowledge_embeddings (chunk_id, model, document_id, org_id, collection_id, dims, vector) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (chunk_id, model) DO UPDATE SET dims = excluded.dims, vector = excluded.vector, created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
    );
    for (let i = 0; i < records.length; i += WRITE_BATCH) {
      await this.db.batch(
        records.slice(i, i + WRITE_BATCH).map((r) => {
          const v = normalize(Float32Array.from(r.vector));
          return insert.bind(r.chunkId, this.model, r.documentId, r.orgId, r.collectionId, v.length, vectorToBytes(v));
        }),
      );
    }
  }

  async query(vector: Float32Array, q: VectorQuery): Promise<VectorMatch[]> {
    if (q.collections.length === 0 || q.topK <= 0) return [];
    const placeholders = q.collections.map(() => "?").join(", ");
    const scope = `org_id = ? AND model = ? AND collection_id IN (${placeholders})`;
    const count = await this.db
      .prepare(`SELECT COUNT(*) AS n FROM knowledge_embeddings WHERE ${scope}`)
      .bind(q.orgId, this.model, ...q.collections)
      .first<{ n: number }>();
    if ((count?.n ?? 0) > this.maxScan) {
      throw new VectorIndexError("too_large", `${count?.n} chunks is more than exact search compares (${this.maxScan}); bind Vectorize for collections this large`);
    }
    const unit = normalize(Float32Array.from(vector));
    let best: VectorMatch[] = [];
    let after = -1;
    // Pages in chunk order keep memory to one page of vectors plus the top K.
    while (true) {
      const rows = await this.db
        .prepare(`SELECT chunk_id, dims, vector FROM knowledge_embeddings WHERE ${scope} AND chunk_id > ? ORDER BY chunk_id LIMIT ?`)
        .bind(q.orgId, this.model, ...q.collections, after, PAGE)
        .all<{ chunk_id: number; dims: number; vector: ArrayBuffer | number[] }>();
      for (const row of rows.results) {
        if (row.dims !== unit.length) throw new VectorIndexError("dimension_mismatch", `stored vectors have ${row.dims} dimensions, the query ${unit.length}; re-embed the collection`);
        best.push({ chunkId: row.chunk_id, score: dot(unit, bytesToVector(row.vector)) });
      }
      if (best.length > q.topK * 4) best = topK(best, q.topK);
      if (rows.results.length < PAGE) break;
      after = rows.results[rows.results.length - 1]!.chunk_id;
    }
    return topK(best, q.topK);
  }

  async deleteChunks(orgId: string, chunkIds: readonly number[]): Promise<void> {
    for (let i = 0; i < chunkIds.length; i += 90) {
      const ids = chunkIds.slice(i, i + 90);
      await this.db
        .prepare(`DELETE FROM knowledge_embeddings WHERE org_id = ? AND model = ? AND chunk_id IN (${ids.map(() => "?").join(", ")})`)
        .bind(orgId, this.model, ...ids)
        .run();
    }
  }
}

/** Highest scores first; equal scores in chunk order, so results are deterministic. */
function topK(matches: VectorMatch[], k: number): VectorMatch[] {
  return matches.sort((a, b) => b.score - a.score || a.chunkId - b.chunkId).slice(0, k);
}

/** Vectorize's topK ceiling when neither values nor metadata are returned. */
const VECTORIZE_MAX_TOPK = 100;
const VECTORIZE_WRITE_BATCH = 1000;

export class VectorizeVectorIndex implements VectorIndex {
  readonly kind = "vectorize" as const;

  constructor(
    private readonly index: Vectorize,
    readonly model: string,
  ) {}

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += VECTORIZE_WRITE_BATCH) {
      // One namespace per org: a query can never reach another org's vectors.
      await this.index.upsert(
        records.slice(i, i + VECTORIZE_WRITE_BATCH).map((r) => ({
          id: String(r.chunkId),
          values: Array.from(normalize(Float32Array.from(r.vector))),
          namespace: r.orgId,
          metadata: { collection_id: r.collectionId, document_id: r.documentId },
        })),
      );
    }
  }

  async query(vector: Float32Array, q: VectorQuery): Promise<VectorMatch[]> {
    if (q.collections.length === 0 || q.topK <= 0) return [];
    const result = await this.index.query(Array.from(normalize(Float32Array.from(vector))), {
      topK: Math.min(q.topK, VECTORIZE_MAX_TOPK),
      namespace: q.orgId,
      returnValues: false,
      returnMetadata: "none",
      filter: q.collections.length === 1 ? { collection_id: q.collections[0]! } : { collection_id: { $in: [...q.collections] } },
    });
    return result.matches.map((m) => ({ chunkId: Number(m.id), score: m.score })).filter((m) => Number.isInteger(m.chunkId));
  }

  async deleteChunks(_orgId: string, chunkIds: readonly number[]): Promise<void> {
    for (let i = 0; i < chunkIds.length; i += VECTORIZE_WRITE_BATCH) {
      await this.index.deleteByIds(chunkIds.slice(i, i + VECTORIZE_WRITE_BATCH).map(String));
    }
  }
}

/** Vectorize when the worker has the binding, the exact D1 index otherwise. */
export function selectVectorIndex(env: { DB: D1Database; VECTORIZE?: Vectorize }, model: string): VectorIndex {
  return env.VECTORIZE ? new VectorizeVectorIndex(env.VECTORIZE, model) : new ExactVectorIndex(env.DB, model);
}
