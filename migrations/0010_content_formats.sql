-- Content formats and retrieval (issue 15): where each chunk came from (its heading, PDF
-- page, second of a video) so answers can cite "page 4" or link to #t=93; what a document
-- was parsed from and when it was last fetched, so sources can be re-parsed from R2 and
-- refreshed on a schedule; and embedding vectors for the optional vector index.

ALTER TABLE knowledge_chunks ADD COLUMN heading TEXT;
ALTER TABLE knowledge_chunks ADD COLUMN page INTEGER;
ALTER TABLE knowledge_chunks ADD COLUMN start_sec REAL;

-- pdf, docx, csv, json, vtt, srt, zip, markdown, html, text (NULL: ingested before 0010).
ALTER TABLE knowledge_documents ADD COLUMN format TEXT;
ALTER TABLE knowledge_documents ADD COLUMN lang TEXT;
-- SHA-256 (hex) of the extracted text: a refresh that finds the same hash changes nothing.
ALTER TABLE knowledge_documents ADD COLUMN content_hash TEXT;
-- Validators of the last fetch, for conditional requests (If-None-Match / If-Modified-Since).
ALTER TABLE knowledge_documents ADD COLUMN etag TEXT;
ALTER TABLE knowledge_documents ADD COLUMN last_modified TEXT;
ALTER TABLE knowledge_documents ADD COLUMN fetched_at TEXT;
-- When the text last changed, and a one-line account of what changed.
ALTER TABLE knowledge_documents ADD COLUMN changed_at TEXT;
ALTER TABLE knowledge_documents ADD COLUMN change_summary TEXT;
-- The uploaded original in R2, so the document can be parsed again.
ALTER TABLE knowledge_documents ADD COLUMN r2_key TEXT;
-- Re-fetch a URL source every N days (NULL: never).
ALTER TABLE knowledge_documents ADD COLUMN refresh_days INTEGER;

-- One vector per chunk per embedding model, little-endian float32, unit length (so cosine
-- similarity is a dot product). Used by the exact in-Worker index; Vectorize keeps its own.
CREATE TABLE knowledge_embeddings (
  chunk_id INTEGER NOT NULL REFERENCES knowledge_chunks(id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  document_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  dims INTEGER NOT NULL,
  vector BLOB NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (chunk_id, model)
);
CREATE INDEX knowledge_embeddings_scope ON knowledge_embeddings(org_id, collection_id, model, chunk_id);
CREATE INDEX knowledge_embeddings_document ON knowledge_embeddings(document_id);
