/**
 * Writing knowledge: documents, their chunks, and the FTS index over the chunks, kept in
 * step by this module alone (there are no triggers).
 */
import { randomId } from "../ids";
import { chunkText } from "./chunking";

export interface DocumentInput {
  orgId: string;
  collectionId: string;
  /** Stable name of the document: re-ingesting the same source replaces it. */
  source: string;
  title: string;
  url?: string;
  text: string;
}

export interface DocumentRow {
  id: string;
  collection_id: string;
  source: string;
  title: string;
  url: string | null;
  bytes: number;
  created_at: string;
  chunks?: number;
}

const BATCH = 50;

export async function ensureCollection(db: D1Database, orgId: string, id: string, name = id): Promise<void> {
  await db
    .prepare("INSERT OR IGNORE INTO knowledge_collections (org_id, id, name) VALUES (?, ?, ?)")
    .bind(orgId, id, name)
    .run();
}

export async function ingestDocument(db: D1Database, doc: DocumentInput): Promise<{ id: string; chunks: number; replaced: boolean }> {
  await ensureCollection(db, doc.orgId, doc.collectionId);
  const existing = await db
    .prepare("SELECT id FROM knowledge_documents WHERE org_id = ? AND collection_id = ? AND source = ?")
    .bind(doc.orgId, doc.collectionId, doc.source)
    .first<{ id: string }>();
  if (existing) await deleteDocument(db, doc.orgId, existing.id);

  const id = randomId("doc_", 12);
  const chunks = chunkText(doc.text);
  await db
    .prepare("INSERT INTO knowledge_documents (id, org_id, collection_id, source, title, url, text, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .bind(id, doc.orgId, doc.collectionId, doc.source, doc.title, doc.url ?? null, doc.text, new TextEncoder().encode(doc.text).byteLength)
    .run();
  const insert = db.prepare(
    "INSERT INTO knowledge_chunks (document_id, org_id, collection_id, position, text) VALUES (?, ?, ?, ?, ?)",
  );
  for (let i = 0; i < chunks.length; i += BATCH) {
    await db.batch(
      chunks.slice(i, i + BATCH).map((text, j) => insert.bind(id, doc.orgId, doc.collectionId, i + j, text)),
    );
  }
  await db
    .prepare(
      `INSERT INTO knowledge_fts (title, text, chunk_id, org_id, collection_id)
       SELECT ?, text, id, org_id, collection_id FROM knowledge_chunks WHERE document_id = ?`,
    )
    .bind(doc.title, id)
    .run();
  return { id, chunks: chunks.length, replaced: !!existing };
}

export async function deleteDocument(db: D1Database, orgId: string, id: string): Promise<boolean> {
  const results = await db.batch([
    db
      .prepare("DELETE FROM knowledge_fts WHERE chunk_id IN (SELECT id FROM knowledge_chunks WHERE document_id = ? AND org_id = ?)")
      .bind(id, orgId),
    db.prepare("DELETE FROM knowledge_chunks WHERE document_id = ? AND org_id = ?").bind(id, orgId),
    db.prepare("DELETE FROM knowledge_documents WHERE id = ? AND org_id = ?").bind(id, orgId),
  ]);
  return (results[2]?.meta.changes ?? 0) > 0;
}

