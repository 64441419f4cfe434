-- Staff accounts and their sessions, for the support inbox.
CREATE TABLE staff (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  -- pbkdf2$<iterations>$<salt b64url>$<hash b64url> (PBKDF2-SHA256 via WebCrypto)
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'agent' CHECK (role IN ('agent', 'admin')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX staff_org ON staff(org_id);

-- A session is stored by the SHA-256 of its cookie value, so a database read does not
-- yield a usable cookie. Each session has its own CSRF token.
CREATE TABLE staff_sessions (
  id_hash TEXT PRIMARY KEY,
  staff_id TEXT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX staff_sessions_staff ON staff_sessions(staff_id);

-- What the inbox list shows without waking each conversation.
ALTER TABLE conversations ADD COLUMN assignee_name TEXT;
ALTER TABLE conversations ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;
