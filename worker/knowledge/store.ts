/**
 * Writing knowledge: documents, their chunks (with the heading, page or second each came
 * from), the FTS index over the chunks and the chunks' stored embeddings, kept in step by
 * this module alone (there are no triggers).
 */
import { randomId } from "../ids";
import { chunkSections, type SectionChunk } from "./chunking";

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
  const { id, chunks, replaced } = await ingestSections(db, { ...doc, sections: [{ text: doc.text }] });
  return { id, chunks, replaced };
}

/** A parsed document (see `formats/`): sections keep their heading, page and start second. */
export interface SectionsInput {
  orgId: string;
  collectionId: string;
  source: string;
  title: string;
  url?: string;
  sections: readonly SectionChunk[];
  /** What it was parsed from: pdf, docx, csv, json, vtt, srt, zip, markdown, html, text. */
  format?: string;
  lang?: string;
  /** The original kept in R2, to parse again. */
  r2Key?: string;
  /** Re-fetch a URL source every N days. */
  refreshDays?: number | null;
  /** Validators of the response this text came from. */
  etag?: string | null;
  lastModified?: string | null;
  fetchedAt?: string;
  /** The URL-based source (sitemap, crawl, …) this document came from. */
  sourceId?: string | null;
  /** A crawled page's in-scope links, kept for a refresh that gets 304 Not Modified. */
  links?: string[] | null;
  /**
   * When the same source already holds this very text (same content hash): keep the document
   * and its id, record the fetch, and report `changed: false` instead of re-indexing.
   */
  skipUnchanged?: boolean;
}

export interface IngestedSections {
  id: string;
  chunks: number;
  replaced: boolean;
  /** False only when `skipUnchanged` found the same text. */
  changed: boolean;
  contentHash: string;
  /** What a replacement changed, in passages ("2 passages added, 1 passage removed"). */
  changeSummary: string | null;
  /** Chunks of the document this one replaced (gone now): their vectors go too. */
  removedChunkIds: number[];
}

/** SHA-256 of a document's text, hex: what a refresh compares. */
export async function contentHash(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const nowIso = () => new Date().toISOString();

export async function ingestSections(db: D1Database, doc: SectionsInput): Promise<IngestedSections> {
  await ensureCollection(db, doc.orgId, doc.collectionId);
  const text = doc.sections.map((s) => s.text).join("\n\n");
  const hash = await contentHash(text);
  const fetchedAt = doc.fetchedAt ?? (doc.etag != null || doc.lastModified != null ? nowIso() : null);
  const existing = await db
    .prepare("SELECT id, content_hash, (SELECT COUNT(*) FROM knowledge_chunks c WHERE c.document_id = d.id) AS chunks FROM knowledge_documents d WHERE org_id = ? AND collection_id = ? AND source = ?")
    .bind(doc.orgId, doc.collectionId, doc.source)
    .first<{ id: string; content_hash: string | null; chunks: number }>();

  const links = doc.links ? JSON.stringify(doc.links) : null;
  if (existing && doc.skipUnchanged && existing.content_hash === hash) {
    await db
      .prepare(
        `UPDATE knowledge_documents SET etag = ?, last_modified = ?, fetched_at = COALESCE(?, fetched_at), links = COALESCE(?, links),
           source_id = COALESCE(?, source_id), refresh_days = COALESCE(?, refresh_days) WHERE id = ? AND org_id = ?`,
      )
      .bind(doc.etag ?? null, doc.lastModified ?? null, fetchedAt, links, doc.sourceId ?? null, doc.refreshDays ?? null, existing.id, doc.orgId)
      .run();
    return { id: existing.id, chunks: existing.chunks, replaced: false, changed: false, contentHash: hash, changeSummary: null, removedChunkIds: [] };
  }

  const chunks = chunkSections(doc.sections);
  let changeSummary: string | null = null;
  let removedChunkIds: number[] = [];
  if (existing) {
    const old = await db.prepare("SELECT id, text FROM knowledge_chunks WHERE document_id = ?").bind(existing.id).all<{ id: number; text: string }>();
    changeSummary = describeChange(old.results.map((r) => r.text), chunks.map((c) => c.text));
    removedChunkIds = old.results.map((r) => r.id);
    await deleteChunks(db, doc.orgId, existing.id);
  }

  // A replaced document keeps its id (and its creation time): the same document, changed.
  const id = existing?.id ?? randomId("doc_", 12);
  const values = [
    doc.title, doc.url ?? null, text, new TextEncoder().encode(text).byteLength, doc.format ?? null, doc.lang ?? null, hash, doc.etag ?? null,
    doc.lastModified ?? null, fetchedAt, nowIso(), changeSummary, doc.r2Key ?? null, doc.refreshDays ?? null, doc.sourceId ?? null, links,
  ];
  if (existing) {
    await db
      .prepare(
        `UPDATE knowledge_documents SET title = ?, url = ?, text = ?, bytes = ?, format = ?, lang = ?, content_hash = ?, etag = ?, last_modified = ?,
           fetched_at = ?, changed_at = ?, change_summary = ?, r2_key = ?, refresh_days = ?, source_id = ?, links = ? WHERE id = ? AND org_id = ?`,
      )
      .bind(...values, id, doc.orgId)
      .run();
  } else {
    await db
      .prepare(
        `INSERT INTO knowledge_documents (title, url, text, bytes, format, lang, content_hash, etag, last_modified, fetched_at, changed_at, change_summary, r2_key, refresh_days, source_id, links, id, org_id, collection_id, source)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(...values, id, doc.orgId, doc.collectionId, doc.source)
      .run();
  }
  const insert = db.prepare(
    "INSERT INTO knowledge_chunks (document_id, org_id, collection_id, position, text, heading, page, start_sec) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  for (let i = 0; i < chunks.length; i += BATCH) {
    await db.batch(
      chunks.slice(i, i + BATCH).map((c, j) => insert.bind(id, doc.orgId, doc.collectionId, i + j, c.text, c.heading ?? null, c.page ?? null, c.startSec ?? null)),
    );
  }
  // A chunk under a heading is indexed with "Title › Heading" as its title, so a question
  // that names the heading finds that part of the document first.
  await db
    .prepare(
      `INSERT INTO knowledge_fts (title, text, chunk_id, org_id, collection_id)
       SELECT CASE WHEN heading IS NULL OR heading = ?1 THEN ?1 ELSE ?1 || ' › ' || heading END, text, id, org_id, collection_id
       FROM knowledge_chunks WHERE document_id = ?2`,
    )
    .bind(doc.title, id)
    .run();
  return { id, chunks: chunks.length, replaced: !!existing, changed: true, contentHash: hash, changeSummary, removedChunkIds };
}

function describeChange(before: string[], after: string[]): string {
  const old = new Set(before);
  const now = new Set(after);
  const added = after.filter((t) => !old.has(t)).length;
  const removed = before.filter((t) => !now.has(t)).length;
  if (!added && !removed) return "same text, indexed again";
  const plural = (n: number) => `${n} passage${n === 1 ? "" : "s"}`;
  return [added ? `${plural(added)} added` : "", removed ? `${plural(removed)} removed` : ""].filter(Boolean).join(", ");
}

export interface StoredChunk {
  id: number;
  documentId: string;
  collectionId: string;
  position: number;
  text: string;
  heading: string | null;
  page: number | null;
  startSec: number | null;
}

/** A document's chunks in order, with their places: what gets embedded, and what cites. */
export async function documentChunks(db: D1Database, orgId: string, documentId: string): Promise<StoredChunk[]> {
  const rows = await db
    .prepare(
      `SELECT id, document_id AS documentId, collection_id AS collectionId, position, text, heading, page, start_sec AS startSec
       FROM knowledge_chunks WHERE org_id = ? AND document_id = ? ORDER BY position`,
    )
    .bind(orgId, documentId)
    .all<StoredChunk>();
  return rows.results;
}

export async function documentChunkIds(db: D1Database, orgId: string, documentId: string): Promise<number[]> {
  const rows = await db.prepare("SELECT id FROM knowledge_chunks WHERE org_id = ? AND document_id = ?").bind(orgId, documentId).all<{ id: number }>();
  return rows.results.map((r) => r.id);
}

/** A document's chunks, their FTS rows and stored vectors (the document row stays). */
async function deleteChunks(db: D1Database, orgId: string, id: string): Promise<void> {
  await db.batch([
    db.prepare("DELETE FROM knowledge_embeddings WHERE document_id = ? AND org_id = ?").bind(id, orgId),
    db.prepare("DELETE FROM knowledge_fts WHERE chunk_id IN (SELECT id FROM knowledge_chunks WHERE document_id = ? AND org_id = ?)").bind(id, orgId),
    db.prepare("DELETE FROM knowledge_chunks WHERE document_id = ? AND org_id = ?").bind(id, orgId),
  ]);
}

export async function deleteDocument(db: D1Database, orgId: string, id: string): Promise<boolean> {
  const results = await db.batch([
    db.prepare("DELETE FROM knowledge_embeddings WHERE document_id = ? AND org_id = ?").bind(id, orgId),
    db
      .prepare("DELETE FROM knowledge_fts WHERE chunk_id IN (SELECT id FROM knowledge_chunks WHERE document_id = ? AND org_id = ?)")
      .bind(id, orgId),
    db.prepare("DELETE FROM knowledge_chunks WHERE document_id = ? AND org_id = ?").bind(id, orgId),
    db.prepare("DELETE FROM knowledge_documents WHERE id = ? AND org_id = ?").bind(id, orgId),
  ]);
  return (results[3]?.meta.changes ?? 0) > 0;
}

