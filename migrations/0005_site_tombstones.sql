-- A deleted site keeps its row (and so its key): conversations and tokens issued under a key
-- must never come to belong to another org that re-creates it.
ALTER TABLE sites ADD COLUMN deleted_at TEXT;
