-- The console (issue 12): invitations to join an org's staff with a one-time link.
-- The link's secret is stored as its SHA-256 only; an invitation is used once (accepted_at),
-- can be revoked, and expires.
CREATE TABLE invitations (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  -- When set, the new account must use this email.
  email TEXT,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  expires_at TEXT NOT NULL,
  accepted_at TEXT,
  staff_id TEXT,
  revoked_at TEXT
);
CREATE INDEX invitations_org ON invitations(org_id, created_at);
