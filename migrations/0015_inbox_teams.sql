-- The support inbox a team works in: teams and who is in them, which sites' conversations
-- each team takes, how the org assigns (round robin on or off, capacity per agent, when an
-- agent may take over), canned replies and the org's labels. Small and read-mostly: the
-- org's InboxDO reads them when it assigns and caches them until an admin write says so.

CREATE TABLE teams (
  org_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (org_id, id)
);

CREATE TABLE team_members (
  org_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  staff_id TEXT NOT NULL,
  PRIMARY KEY (org_id, team_id, staff_id)
);
CREATE INDEX team_members_staff ON team_members(staff_id);

-- A site's conversations go to one team's queue (at most one team per site).
CREATE TABLE team_sites (
  org_id TEXT NOT NULL,
  site_key TEXT NOT NULL,
  team_id TEXT NOT NULL,
  PRIMARY KEY (org_id, site_key)
);

-- One row per org that changed the defaults (no row: auto-assignment off, capacity 5,
-- take over after 300 s without an answer, an agent offline for 60 s counts as away).
CREATE TABLE inbox_settings (
  org_id TEXT PRIMARY KEY,
  auto_assign INTEGER NOT NULL DEFAULT 0,
  default_capacity INTEGER NOT NULL DEFAULT 5,
  takeover_after_sec INTEGER NOT NULL DEFAULT 300,
  offline_grace_sec INTEGER NOT NULL DEFAULT 60,
  -- {"st_…": n}: agents whose capacity is not the default
  capacities TEXT NOT NULL DEFAULT '{}',
  updated_at TEXT NOT NULL
);

CREATE TABLE canned_replies (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  shortcut TEXT NOT NULL,
  title TEXT NOT NULL,
  text TEXT NOT NULL,
  created_by TEXT,
  updated_at TEXT NOT NULL,
  UNIQUE (org_id, shortcut)
);

CREATE TABLE inbox_labels (
  org_id TEXT NOT NULL,
  name TEXT NOT NULL,
  color TEXT NOT NULL DEFAULT 'gray',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (org_id, name)
);
