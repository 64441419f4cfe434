-- Tenant isolation and accountability: org secrets encrypted at rest, staff roles with a
-- per-org email, sign-in lockout, token lineage, and an audit trail of admin writes.

-- An org's secrets: AES-256-GCM under a key derived from SECRETS_KEY, bound to (org, name)
-- by the cipher's additional data (worker/config/secrets.ts). Never stored in clear.
CREATE TABLE org_secrets (
  org_id TEXT NOT NULL,
  name TEXT NOT NULL,
  iv TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  key_version INTEGER NOT NULL DEFAULT 1,
  updated_at TEXT NOT NULL,
  updated_by TEXT,
  PRIMARY KEY (org_id, name)
);

-- Staff: roles owner / admin / agent (existing rows keep theirs), and an email unique within
-- an org rather than across orgs, so creating an account says nothing about other orgs.
-- SQLite cannot change a CHECK or a UNIQUE in place: the tables are rebuilt (sessions first,
-- so dropping the old staff table cascades into nothing).
CREATE TABLE staff_v6 (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'agent' CHECK (role IN ('owner', 'admin', 'agent')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  password_changed_at TEXT,
  UNIQUE (org_id, email)
);
INSERT INTO staff_v6 (id, org_id, email, name, password_hash, role, created_at)
  SELECT id, org_id, email, name, password_hash, role, created_at FROM staff;

CREATE TABLE staff_sessions_v6 (
  id_hash TEXT PRIMARY KEY,
  staff_id TEXT NOT NULL REFERENCES staff_v6(id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO staff_sessions_v6 (id_hash, staff_id, org_id, csrf_token, expires_at, created_at)
  SELECT id_hash, staff_id, org_id, csrf_token, expires_at, created_at FROM staff_sessions;

DROP TABLE staff_sessions;
DROP TABLE staff;
ALTER TABLE staff_v6 RENAME TO staff;
ALTER TABLE staff_sessions_v6 RENAME TO staff_sessions;
CREATE INDEX staff_org ON staff(org_id);
CREATE INDEX staff_email ON staff(email);
CREATE INDEX staff_sessions_staff ON staff_sessions(staff_id);

-- Failed sign-ins per account (by the SHA-256 of the lowercased email, whether or not an
-- account has it), for the lockout with backoff.
CREATE TABLE staff_login_failures (
  email_hash TEXT PRIMARY KEY,
  failures INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  last_failure_at INTEGER NOT NULL
);

-- Token lineage: the token (or staff member) that issued a token. Revoking either revokes
-- every token issued under it.
ALTER TABLE admin_tokens ADD COLUMN parent_id TEXT;
ALTER TABLE admin_tokens ADD COLUMN staff_id TEXT;
CREATE INDEX admin_tokens_parent ON admin_tokens(parent_id);
CREATE INDEX admin_tokens_staff ON admin_tokens(staff_id);

-- Who changed what, when: every successful admin write (never request bodies).
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  org_id TEXT,
  actor TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  action TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status INTEGER NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX audit_log_org ON audit_log(org_id, created_at);
