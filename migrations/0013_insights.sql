-- Insights (issue 13): what the FACTS consumer adds to each turn's row (the question's
-- signature and topic, the evidence that it was not answered well, how grounded and how good
-- the answer was, the specialists it called and the models it used), the owner-editable
-- topic list, per-day rollups the insights API reads instead of the facts themselves, the
-- conversation-level facts (status changes, staff replies, CSAT), knowledge drafts made from
-- content gaps, each site's eval cases, and the weekly digests sent.
--
-- Every rollup is kept by the consumer (worker/facts/rollups.ts): counters only ever grow
-- from a turn not seen before (a batch delivered twice counts once), and what changes after
-- a turn (votes, a topic move, a handoff after the answer) is recomputed for the keys it
-- touches. `POST …/insights/rebuild` recomputes a site's rollups from the facts.

ALTER TABLE turn_facts ADD COLUMN signature TEXT;          -- the question's content terms, sorted ('' when it has none)
ALTER TABLE turn_facts ADD COLUMN topic_id TEXT;           -- the topic its signature is placed in (NULL: no topic words)
ALTER TABLE turn_facts ADD COLUMN flags INTEGER NOT NULL DEFAULT 0; -- evidence it was not answered well (insights/evidence.ts)
ALTER TABLE turn_facts ADD COLUMN best_score REAL;         -- best (lowest BM25) retrieval score of the turn
ALTER TABLE turn_facts ADD COLUMN grounded REAL;           -- share of the reply's content words found in what was retrieved
ALTER TABLE turn_facts ADD COLUMN grade REAL;              -- a model grader's 0..1, when one graded the answer
ALTER TABLE turn_facts ADD COLUMN quality REAL;            -- the answer's quality score, 0..1 (NULL: not an answer)
ALTER TABLE turn_facts ADD COLUMN within_budget INTEGER NOT NULL DEFAULT 1;
ALTER TABLE turn_facts ADD COLUMN delegations TEXT NOT NULL DEFAULT '[]'; -- [{agent, status, fallbackFrom?}]
ALTER TABLE turn_facts ADD COLUMN usage TEXT NOT NULL DEFAULT '[]';       -- [{agent, model, calls, tokensIn, tokensOut}]
ALTER TABLE turn_facts ADD COLUMN lang TEXT;
CREATE INDEX turn_facts_topic ON turn_facts(org_id, site_key, topic_id, day);
CREATE INDEX turn_facts_signature ON turn_facts(org_id, site_key, signature);
CREATE INDEX turn_facts_quality ON turn_facts(org_id, quality) WHERE quality IS NOT NULL;

-- The topic list of a site. `auto` topics come from the offline grouping (their terms are
-- their first question's), `owner` topics from the owner (terms from their keywords),
-- `model` topics from a model's placement. An owner's rename, pin or merge is kept by every
-- later grouping: `named_by = 'owner'` names are never replaced, pinned topics never
-- dissolve, a merged topic sends what would match it to `merged_into`.
CREATE TABLE insights_topics (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  name TEXT NOT NULL,
  terms TEXT NOT NULL DEFAULT '[]',
  keywords TEXT NOT NULL DEFAULT '[]',
  origin TEXT NOT NULL CHECK (origin IN ('auto', 'owner', 'model')),
  named_by TEXT NOT NULL DEFAULT 'auto' CHECK (named_by IN ('auto', 'owner', 'model')),
  pinned INTEGER NOT NULL DEFAULT 0,
  merged_into TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX insights_topics_site ON insights_topics(org_id, site_key);

-- Each distinct question signature of a site, and the topic it is placed in.
CREATE TABLE insights_signatures (
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  signature TEXT NOT NULL,
  topic_id TEXT,
  placed_by TEXT NOT NULL DEFAULT 'auto' CHECK (placed_by IN ('auto', 'owner', 'model')),
  sample TEXT NOT NULL,                -- a question with this signature, as a visitor wrote it
  questions INTEGER NOT NULL DEFAULT 0,
  first_day TEXT NOT NULL,
  PRIMARY KEY (org_id, site_key, signature)
);
CREATE INDEX insights_signatures_topic ON insights_signatures(topic_id);

-- Per site, topic and day: questions and how they went (recomputed for the keys a batch touches).
CREATE TABLE insights_topic_days (
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  topic_id TEXT NOT NULL,
  day TEXT NOT NULL,
  questions INTEGER NOT NULL,
  answered INTEGER NOT NULL,
  abstained INTEGER NOT NULL,
  handed_off INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  resolved INTEGER NOT NULL,
  gaps INTEGER NOT NULL,
  no_hit INTEGER NOT NULL,
  weak INTEGER NOT NULL,
  repeated INTEGER NOT NULL,
  handoff_after INTEGER NOT NULL,
  up INTEGER NOT NULL,
  down INTEGER NOT NULL,
  PRIMARY KEY (org_id, site_key, topic_id, day)
) WITHOUT ROWID;

-- Per site, day and answering agent: turns, outcomes, answer quality, latency.
CREATE TABLE insights_days (
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  day TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  turns INTEGER NOT NULL DEFAULT 0,
  answered INTEGER NOT NULL DEFAULT 0,
  abstained INTEGER NOT NULL DEFAULT 0,
  handed_off INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  tokens_in INTEGER NOT NULL DEFAULT 0,
  tokens_out INTEGER NOT NULL DEFAULT 0,
  cited_answers INTEGER NOT NULL DEFAULT 0,
  grounded_sum REAL NOT NULL DEFAULT 0,
  grounded_n INTEGER NOT NULL DEFAULT 0,
  quality_sum REAL NOT NULL DEFAULT 0,
  quality_n INTEGER NOT NULL DEFAULT 0,
  graded INTEGER NOT NULL DEFAULT 0,
  over_budget INTEGER NOT NULL DEFAULT 0,
  first_delta_sum INTEGER NOT NULL DEFAULT 0,
  first_delta_n INTEGER NOT NULL DEFAULT 0,
  turn_ms_sum INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, site_key, day, agent_id)
) WITHOUT ROWID;

-- Per site, day, agent and model: calls and tokens (cost is computed when read, from the price table).
CREATE TABLE insights_usage_days (
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  day TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  model TEXT NOT NULL,
  turns INTEGER NOT NULL DEFAULT 0,
  conversations INTEGER NOT NULL DEFAULT 0,
  calls INTEGER NOT NULL DEFAULT 0,
  tokens_in INTEGER NOT NULL DEFAULT 0,
  tokens_out INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, site_key, day, agent_id, model)
) WITHOUT ROWID;

-- Per site, day and knowledge document: how often it was retrieved and cited.
CREATE TABLE insights_document_days (
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  document_id TEXT NOT NULL,
  day TEXT NOT NULL,
  retrieved INTEGER NOT NULL DEFAULT 0,
  cited INTEGER NOT NULL DEFAULT 0,
  -- Votes on the answers that cited it (by the day of the answer).
  up INTEGER NOT NULL DEFAULT 0,
  down INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, site_key, document_id, day)
) WITHOUT ROWID;
CREATE INDEX insights_document_days_day ON insights_document_days(org_id, site_key, day);

-- Per site, day and specialist: delegations and how they ended.
CREATE TABLE insights_delegation_days (
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  day TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  calls INTEGER NOT NULL DEFAULT 0,
  ok INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  timeouts INTEGER NOT NULL DEFAULT 0,
  cancelled INTEGER NOT NULL DEFAULT 0,
  refused INTEGER NOT NULL DEFAULT 0,
  fallbacks INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, site_key, day, agent_id)
) WITHOUT ROWID;

-- Status changes of a conversation (a `status` fact each): handoff, claim, resolve, back to bot.
CREATE TABLE conversation_events (
  conversation_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  to_status TEXT NOT NULL,
  from_status TEXT NOT NULL,
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  day TEXT NOT NULL,
  reason TEXT,
  staff_id TEXT,
  -- A handoff right after the bot answered (no visitor message in between): that reply's id.
  after_reply_id TEXT,
  PRIMARY KEY (conversation_id, at, to_status)
);
CREATE INDEX conversation_events_org_day ON conversation_events(org_id, day);

-- Staff replies (a `staff_reply` fact each): the human answer a content gap shows.
CREATE TABLE staff_replies (
  message_id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  staff_id TEXT,
  at INTEGER NOT NULL,
  day TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX staff_replies_conversation ON staff_replies(conversation_id, at);

-- One satisfaction rating per conversation (the visitor may change it for a while).
CREATE TABLE csat (
  conversation_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment TEXT,
  day TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX csat_org_day ON csat(org_id, site_key, day);

-- One row per conversation that had a turn or a status change: what its outcome is read from.
-- Recomputed from the facts above whenever one of them arrives.
CREATE TABLE conversation_facts (
  conversation_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  agent_id TEXT,                        -- the conversation's own agent (its first turn's)
  day TEXT NOT NULL,                    -- UTC day it started
  started_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,             -- its last turn or status change
  turns INTEGER NOT NULL DEFAULT 0,
  answered INTEGER NOT NULL DEFAULT 0,
  last_outcome TEXT,
  tokens_in INTEGER NOT NULL DEFAULT 0,
  tokens_out INTEGER NOT NULL DEFAULT 0,
  handoff_at INTEGER,
  handoff_reason TEXT,
  claimed_at INTEGER,
  first_staff_reply_at INTEGER,
  resolved_at INTEGER,
  status TEXT,                          -- the status after its last change
  up INTEGER NOT NULL DEFAULT 0,
  down INTEGER NOT NULL DEFAULT 0,
  last_reply_vote INTEGER,              -- the vote on the reply of its last turn, if any
  csat INTEGER
);
CREATE INDEX conversation_facts_site_day ON conversation_facts(org_id, site_key, day);
-- Conversations active lately (whose outcome still depends on the time); and first-response and
-- resolution times in order, so a percentile is a walk along an index, not a sort.
CREATE INDEX conversation_facts_last ON conversation_facts(org_id, site_key, last_at);
CREATE INDEX conversation_facts_first_response ON conversation_facts(org_id, (first_staff_reply_at - handoff_at), day, site_key)
  WHERE handoff_at IS NOT NULL AND first_staff_reply_at IS NOT NULL;
CREATE INDEX conversation_facts_resolution ON conversation_facts(org_id, (resolved_at - started_at), day, site_key) WHERE resolved_at IS NOT NULL;

-- Per site, start day, agent, time-independent outcome class and day of last activity:
-- conversations, how many the bot answered, how many of those without a handoff. Outcomes
-- read it for conversations quiet for over a day, and classify the recent ones exactly from
-- conversation_facts (insights/read-outcomes.ts).
CREATE TABLE insights_conversation_days (
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  day TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  class TEXT NOT NULL,                 -- handed_off | waiting | failed | confirmed | answered | unanswered
  last_day TEXT NOT NULL,
  conversations INTEGER NOT NULL,
  with_turns INTEGER NOT NULL,
  bot_answered INTEGER NOT NULL,
  no_handoff INTEGER NOT NULL,
  PRIMARY KEY (org_id, site_key, day, agent_id, class, last_day)
) WITHOUT ROWID;

-- Knowledge drafts: a document that is not searchable until it is published (made from a
-- content gap, with the staff's answer as its first text).
CREATE TABLE knowledge_drafts (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  title TEXT NOT NULL,
  text TEXT NOT NULL,
  topic_id TEXT,
  question TEXT,
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
  document_id TEXT,                     -- once published
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  published_at TEXT
);
CREATE INDEX knowledge_drafts_org ON knowledge_drafts(org_id, status, created_at);

-- Each site's eval set: questions with the behaviour expected (`npm run eval -- --site-set`).
CREATE TABLE eval_cases (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  question TEXT NOT NULL,
  expect TEXT NOT NULL,                 -- answer | abstain | small-talk | handoff | answer-or-abstain
  sources TEXT NOT NULL DEFAULT '[]',   -- what the answer must cite (eval/format.ts)
  contains TEXT NOT NULL DEFAULT '[]',
  note TEXT,
  origin TEXT NOT NULL DEFAULT 'owner', -- owner | gap
  topic_id TEXT,
  draft_id TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (org_id, site_key, question)
);

-- Lead quality, scored when the lead is captured (in the conversation's object).
ALTER TABLE leads ADD COLUMN score INTEGER;
ALTER TABLE leads ADD COLUMN score_reasons TEXT;           -- JSON [{factor, points, detail}]
ALTER TABLE leads ADD COLUMN intent TEXT;                  -- high | medium | low | none
CREATE INDEX leads_org_score ON leads(org_id, score);

-- Weekly digests sent per site (the scheduled job sends each week once).
CREATE TABLE insights_digests (
  site_key TEXT NOT NULL,
  week TEXT NOT NULL,                   -- the Monday the week starts, YYYY-MM-DD
  org_id TEXT NOT NULL,
  sent_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (site_key, week)
);

-- Sites whose facts were stored before this migration: the hourly job (insights/rebuild.ts)
-- gives their turns signatures and topics and builds their rollups, then removes the row.
CREATE TABLE insights_backfill (
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  PRIMARY KEY (org_id, site_key)
);
INSERT OR IGNORE INTO insights_backfill (org_id, site_key) SELECT DISTINCT org_id, site_key FROM turn_facts;
