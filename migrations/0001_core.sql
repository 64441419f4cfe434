-- Core schema: orgs, sites, conversations index, knowledge (FTS5), the execution log,
-- budgets and the usage ledger, and the demo billing table.

CREATE TABLE orgs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- The site's config lives in KV; this row is the index that ties a key to its org.
CREATE TABLE sites (
  key TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX sites_org ON sites(org_id);

-- One row per conversation, kept in step by the conversation's Durable Object so that
-- lists (admin, inbox) never have to wake every object.
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  visitor_id TEXT,
  status TEXT NOT NULL DEFAULT 'bot',
  assignee_id TEXT,
  summary TEXT,
  last_message TEXT,
  message_count INTEGER NOT NULL DEFAULT 0,
  waiting_since TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX conversations_org_status ON conversations(org_id, status, updated_at);
CREATE INDEX conversations_site ON conversations(site_key, created_at);

-- Knowledge: documents split into overlapping chunks; chunks indexed by FTS5.
CREATE TABLE knowledge_collections (
  org_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (org_id, id)
);

CREATE TABLE knowledge_documents (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  -- A stable name for the document (its URL or a file name): re-ingesting the same
  -- source replaces the document instead of adding a copy.
  source TEXT NOT NULL,
  title TEXT NOT NULL,
  url TEXT,
  -- The whole extracted text, so a document can be shown and re-chunked.
  text TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (org_id, collection_id, source)
);

CREATE TABLE knowledge_chunks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  document_id TEXT NOT NULL REFERENCES knowledge_documents(id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX knowledge_chunks_document ON knowledge_chunks(document_id);

-- Contentless-style FTS table kept in step by the code that writes chunks (no triggers,
-- so the migration splits cleanly into statements).
CREATE VIRTUAL TABLE knowledge_fts USING fts5(
  title,
  text,
  chunk_id UNINDEXED,
  org_id UNINDEXED,
  collection_id UNINDEXED,
  tokenize = 'porter unicode61'
);

-- Execution log: one span per model call, tool call, delegation, retrieval, budget hit,
-- timeout, cancellation and handoff. parent_id links the tree across Durable Objects.
CREATE TABLE spans (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  turn_id TEXT,
  run_id TEXT NOT NULL,
  parent_id TEXT,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  agent_id TEXT,
  status TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  tokens_in INTEGER NOT NULL DEFAULT 0,
  tokens_out INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  data TEXT
);
CREATE INDEX spans_conversation ON spans(conversation_id, started_at);

-- Budget rules per org or team and period; counters per rule and period window.
CREATE TABLE budget_rules (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  team TEXT,
  period TEXT NOT NULL CHECK (period IN ('day', 'month')),
  limit_tokens INTEGER NOT NULL CHECK (limit_tokens > 0),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX budget_rules_org ON budget_rules(org_id);

CREATE TABLE budget_counters (
  rule_id TEXT NOT NULL,
  window TEXT NOT NULL,
  used INTEGER NOT NULL DEFAULT 0,
  reserved INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (rule_id, window)
);

-- Every settled model call, so that counters can be checked against the sum of spend.
CREATE TABLE usage_ledger (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  team TEXT,
  conversation_id TEXT,
  run_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  tokens INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX usage_ledger_org ON usage_ledger(org_id, created_at);

-- Demo data for the seeded billing specialist's lookup tool.
CREATE TABLE demo_invoices (
  number TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  customer_email TEXT NOT NULL,
  amount_cents INTEGER NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  issued_on TEXT NOT NULL,
  description TEXT NOT NULL
);

CREATE TABLE demo_charges (
  id TEXT PRIMARY KEY,
  invoice_number TEXT NOT NULL REFERENCES demo_invoices(number),
  amount_cents INTEGER NOT NULL,
  charged_at TEXT NOT NULL,
  status TEXT NOT NULL
);

-- Contact details a visitor left (lead form, capture_lead, or the offline email prompt).
CREATE TABLE leads (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  conversation_id TEXT,
  name TEXT,
  email TEXT NOT NULL,
  note TEXT,
  source TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX leads_org ON leads(org_id, created_at);

-- Thumbs up / down on an assistant reply (one vote per message; a new vote replaces it).
CREATE TABLE feedback (
  conversation_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (conversation_id, message_id)
);
