/**
 * The embedding index kept in step with the documents: a document's chunks are embedded when
 * it is ingested or changes (and in bulk when an org turns embeddings on), its vectors go
 * when it goes, and a search asks the index for the chunks nearest the question. Vectorize
 * when the worker has the binding, the exact D1 index otherwise (vector-index.ts).
 */
import type { EmbeddingsSettings } from "../../shared/knowledge";
import type { Env } from "../env";
import { embeddingInput } from "./embeddings";
import { embeddingsClient } from "./embedding-settings";
import { documentChunks } from "./store";
import { selectVectorIndex, type VectorMatch } from "./vector-index";

/** Embeds one document's chunks under the org's model (replacing any it had). Returns the chunks embedded. */
export async function embedDocument(env: Env, orgId: string, documentId: string, settings: EmbeddingsSettings): Promise<number> {
  const doc = await env.DB.prepare("SELECT title FROM knowledge_documents WHERE id = ? AND org_id = ?").bind(documentId, orgId).first<{ title: string }>();
  if (!doc) return 0;
  const chunks = await documentChunks(env.DB, orgId, documentId);
  if (chunks.length === 0) return 0;
  const client = await embeddingsClient(env, orgId, settings);
  const { vectors } = await client.embed(chunks.map((c) => embeddingInput(c, doc.title)));
  await selectVectorIndex(env, settings.model).upsert(
    chunks.map((c, i) => ({ chunkId: c.id, documentId, orgId, collectionId: c.collectionId, vector: vectors[i]! })),
  );
  return chunks.length;
}

/** Chunks of the org with no vector under `model`, in id order after `afterChunkId`. */
export async function chunksWithoutVectors(
  db: D1Database,
  orgId: string,
  model: string,
  afterChunkId: number,
  limit: number,
): Promise<{ id: number; documentId: string; collectionId: string; text: string; heading: string | null; title: string }[]> {
  const rows = await db
    .prepare(
      `SELECT c.id, c.document_id AS documentId, c.collection_id AS collectionId, c.text, c.heading, d.title
       FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id
       WHERE c.org_id = ?1 AND c.id > ?2 AND NOT EXISTS (SELECT 1 FROM knowledge_embeddings e WHERE e.chunk_id = c.id AND e.model = ?3)
       ORDER BY c.id LIMIT ?4`,
    )
    .bind(orgId, afterChunkId, model, limit)
    .all<{ id: number; documentId: string; collectionId: string; text: string; heading: string | null; title: string }>();
  return rows.results;
}

export async function countChunksWithoutVectors(db: D1Database, orgId: string, model: string): Promise<{ missing: number; total: number }> {
  const row = await db
    .prepare(
      `SELECT COUNT(*) AS total, SUM(CASE WHEN EXISTS (SELECT 1 FROM knowledge_embeddings e WHERE e.chunk_id = c.id AND e.model = ?2) THEN 0 ELSE 1 END) AS missing
       FROM knowledge_chunks c WHERE c.org_id = ?1`,
    )
    .bind(orgId, model)
    .first<{ total: number; missing: number | null }>();
  return { missing: row?.missing ?? 0, total: row?.total ?? 0 };
}

/** Embeds a batch of chunks (as `chunksWithoutVectors` lists them) and stores their vectors. */
export async function embedChunks(
  env: Env,
  orgId: string,
  settings: EmbeddingsSettings,
  chunks: { id: number; documentId: string; collectionId: string; text: string; heading: string | null; title: string }[],
): Promise<void> {
  if (chunks.length === 0) return;
  const client = await embeddingsClient(env, orgId, settings);
  const { vectors } = await client.embed(chunks.map((c) => embeddingInput(c, c.title)));
  await selectVectorIndex(env, settings.model).upsert(
    chunks.map((c, i) => ({ chunkId: c.id, documentId: c.documentId, orgId, collectionId: c.collectionId, vector: vectors[i]! })),
  );
}

/**
 * Removes chunks' vectors from Vectorize (the D1 index loses them with their rows). Called
 * with the chunks of a document that is deleted or replaced.
 */
export async function removeVectors(env: Env, orgId: string, chunkIds: readonly number[]): Promise<void> {
  if (!env.VECTORIZE || chunkIds.length === 0) return;
  await selectVectorIndex(env, "").deleteChunks(orgId, chunkIds);
}

/** Every vector of the org (embeddings turned off or switched to another model). */
export async function removeOrgVectors(env: Env, orgId: string, keepModel?: string): Promise<void> {
  if (env.VECTORIZE) {
    let after = -1;
    while (true) {
      const rows = await env.DB.prepare("SELECT id FROM knowledge_chunks WHERE org_id = ? AND id > ? ORDER BY id LIMIT 1000").bind(orgId, after).all<{ id: number }>();
      if (rows.results.length === 0) break;
      await removeVectors(env, orgId, rows.results.map((r) => r.id));
      after = rows.results[rows.results.length - 1]!.id;
    }
  }
  if (keepModel) await env.DB.prepare("DELETE FROM knowledge_embeddings WHERE org_id = ? AND model <> ?").bind(orgId, keepModel).run();
  else await env.DB.prepare("DELETE FROM knowledge_embeddings WHERE org_id = ?").bind(orgId).run();
}

/** The chunks nearest the question in these collections, closest first. */
export async function nearestChunks(
  env: Env,
  orgId: string,
  settings: EmbeddingsSettings,
  collections: readonly string[],
  query: string,
  topK: number,
  timeoutMs: number,
): Promise<VectorMatch[]> {
  const client = await embeddingsClient(env, orgId, settings, timeoutMs);
  const { vectors } = await client.embed([query]);
  return selectVectorIndex(env, settings.model).query(vectors[0]!, { orgId, collections, topK });
}
