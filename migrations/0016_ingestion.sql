-- Ingestion in the background (issue 15): uploads, sitemaps, crawls and video pages run as
-- jobs on the INGEST queue with progress the console can show; URL-based sources are kept
-- so they can be re-fetched on a schedule; an org can turn on an embedding index.

-- A URL-based source of documents: one page, a sitemap, a crawl of a site section, a video
-- page. Refreshing a source re-fetches what it yields and removes what it no longer does.
CREATE TABLE knowledge_sources (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  -- url | sitemap | crawl | video
  kind TEXT NOT NULL,
  url TEXT NOT NULL,
  -- Kind-specific settings (a crawl's include/exclude patterns, depth and page caps), JSON.
  options TEXT NOT NULL DEFAULT '{}',
  -- Re-fetch every N days; NULL: the collection's setting (and never when that is NULL too).
  refresh_days INTEGER,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  -- When its last run (first ingestion or refresh) was queued, and that job.
  refreshed_at TEXT,
  last_job_id TEXT,
  UNIQUE (org_id, collection_id, kind, url)
);
CREATE INDEX knowledge_sources_org ON knowledge_sources(org_id, collection_id);

-- The refresh interval of every URL-based source in a collection that sets none itself.
ALTER TABLE knowledge_collections ADD COLUMN refresh_days INTEGER;

-- The source a document came from (NULL: uploaded or sent as text), and the in-scope links a
-- crawled page had, so a refresh that gets 304 Not Modified can still follow them.
ALTER TABLE knowledge_documents ADD COLUMN source_id TEXT;
ALTER TABLE knowledge_documents ADD COLUMN links TEXT;
CREATE INDEX knowledge_documents_source ON knowledge_documents(source_id);

-- Documents fetched from a URL before this migration become single-page sources.
INSERT OR IGNORE INTO knowledge_sources (id, org_id, collection_id, kind, url, created_at)
  SELECT 'src_' || lower(hex(randomblob(9))), org_id, collection_id, 'url', source, created_at
  FROM knowledge_documents WHERE source LIKE 'http://%' OR source LIKE 'https://%';
UPDATE knowledge_documents SET source_id = (
  SELECT s.id FROM knowledge_sources s
  WHERE s.org_id = knowledge_documents.org_id AND s.collection_id = knowledge_documents.collection_id AND s.kind = 'url' AND s.url = knowledge_documents.source
) WHERE source LIKE 'http://%' OR source LIKE 'https://%';

-- One background ingestion: an upload, a source's run, a re-embedding, a re-parse. `state`
-- is where an interrupted run resumes (the queue delivers the job again); `documents` and
-- `errors` are JSON lists appended to as items finish.
CREATE TABLE ingest_jobs (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  collection_id TEXT,
  -- upload | url | sitemap | crawl | video | refresh | embed | reparse
  kind TEXT NOT NULL,
  -- queued | running | done | failed
  status TEXT NOT NULL DEFAULT 'queued',
  source_id TEXT,
  -- What was asked (the file's name, type, size and R2 key; a URL), JSON.
  input TEXT NOT NULL DEFAULT '{}',
  state TEXT,
  done INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  documents TEXT NOT NULL DEFAULT '[]',
  errors TEXT NOT NULL DEFAULT '[]',
  -- Why the whole job failed (code and message), when it did.
  error_code TEXT,
  error_message TEXT,
  -- Deliveries of the current step, to give up on an item that keeps killing the consumer.
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  started_at TEXT,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  finished_at TEXT
);
CREATE INDEX ingest_jobs_org ON ingest_jobs(org_id, created_at);
CREATE INDEX ingest_jobs_source ON ingest_jobs(source_id, status);

-- An org's embedding index (off when absent): an OpenAI-compatible endpoint, its model and
-- the org secret holding its key.
CREATE TABLE org_embeddings (
  org_id TEXT PRIMARY KEY,
  base_url TEXT NOT NULL,
  model TEXT NOT NULL,
  api_key_secret TEXT,
  dimensions INTEGER,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
