-- The store analytics read: one fact record per finished turn and one per feedback vote,
-- written in batches by the FACTS queue's consumer (worker/facts/consumer.ts), never on a
-- turn's own path. Queries are per org and per day (top questions, content gaps, source
-- usage, outcomes); every index starts with org_id and the day.

CREATE TABLE turn_facts (
  turn_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  day TEXT NOT NULL,                  -- UTC YYYY-MM-DD the turn ended
  ended_at INTEGER NOT NULL,          -- epoch ms
  question TEXT NOT NULL,             -- the visitor's words, clipped to 500 characters
  agents TEXT NOT NULL,               -- JSON array of agent ids, in the order they ran
  answered_by TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('answered', 'abstained', 'handed_off', 'failed')),
  reason TEXT,
  tokens_in INTEGER NOT NULL DEFAULT 0,
  tokens_out INTEGER NOT NULL DEFAULT 0,
  first_delta_ms INTEGER,
  turn_ms INTEGER NOT NULL,
  model TEXT,
  family TEXT,
  queries TEXT NOT NULL DEFAULT '[]', -- JSON array of knowledge queries
  retrieved INTEGER NOT NULL DEFAULT 0,
  cited INTEGER NOT NULL DEFAULT 0,
  reply_message_id TEXT               -- joins feedback.message_id
);
CREATE INDEX turn_facts_org_day ON turn_facts(org_id, day, outcome);
CREATE INDEX turn_facts_org_site_day ON turn_facts(org_id, site_key, day);
CREATE INDEX turn_facts_conversation ON turn_facts(conversation_id, ended_at);
CREATE INDEX turn_facts_reply ON turn_facts(reply_message_id);

-- Each knowledge document a turn retrieved (best BM25 score, lower is better) or cited.
CREATE TABLE turn_documents (
  turn_id TEXT NOT NULL,
  document_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  day TEXT NOT NULL,
  score REAL,
  cited INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (turn_id, document_id)
);
CREATE INDEX turn_documents_org_day ON turn_documents(org_id, day, document_id);
CREATE INDEX turn_documents_document ON turn_documents(document_id, day);

-- Votes now arrive as fact records too: which site and day, and when the vote was cast (a
-- later vote on the same reply replaces an earlier one even if the queue delivers it first).
ALTER TABLE feedback ADD COLUMN site_key TEXT;
ALTER TABLE feedback ADD COLUMN day TEXT;
ALTER TABLE feedback ADD COLUMN voted_at INTEGER;
UPDATE feedback SET day = substr(created_at, 1, 10),
  voted_at = CAST(strftime('%s', created_at) AS INTEGER) * 1000;
CREATE INDEX feedback_org_day ON feedback(org_id, day);
