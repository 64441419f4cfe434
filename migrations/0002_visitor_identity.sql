-- Who a visitor is, when the site identified them (Switchboard('identify', …)).
ALTER TABLE conversations ADD COLUMN user_id TEXT;
ALTER TABLE conversations ADD COLUMN visitor_name TEXT;
ALTER TABLE conversations ADD COLUMN visitor_email TEXT;
ALTER TABLE conversations ADD COLUMN identity_verified INTEGER NOT NULL DEFAULT 0;
CREATE INDEX conversations_user ON conversations(org_id, user_id);
