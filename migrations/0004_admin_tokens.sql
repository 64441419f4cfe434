-- Issued admin tokens. Only the SHA-256 of a token is stored; the token itself is shown once.
-- org_id NULL: every org. scopes: JSON array such as ["agents:write", "knowledge:*"] or ["*"].
CREATE TABLE admin_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  org_id TEXT,
  scopes TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  last_used_at TEXT
);
