-- The usage ledger is now written by each org's Durable Object in batches (the counters
-- themselves live in that object). A day column makes spend per org and day an index read.
ALTER TABLE usage_ledger ADD COLUMN day TEXT;
UPDATE usage_ledger SET day = strftime('%Y-%m-%d', created_at / 1000, 'unixepoch');
CREATE INDEX usage_ledger_org_day ON usage_ledger(org_id, day);

-- What an earlier version kept in D1 on every turn is moved out when it is first needed,
-- then deleted here: `conversations` rows by the org's inbox object (its index), `spans` by
-- the conversation's object (its trace), `budget_rules` and `budget_counters` by the org's
-- object. New data never lands in these tables; they stay so old stores can be read once.
