/**
 * An org's conversation index in its inbox object's SQLite: one row per conversation with
 * what lists show (status, last message, counts, assignee, visitor, unread, waiting since,
 * site, created and updated). Each conversation's object sends its whole row after every
 * change, numbered (`rev`), so a row that arrives late never overwrites a newer one.
 */
import type { ConversationSummary } from "../../shared/staff";
import type { IndexEntry, IndexQuery } from "../durable/rpc";

interface Row extends Record<string, SqlStorageValue> {
  id: string;
  site_key: string;
  visitor_id: string | null;
  status: string;
  summary: string | null;
  last_message: string | null;
  message_count: number;
  assignee_id: string | null;
  assignee_name: string | null;
  unread: number;
  waiting_since: string | null;
  user_id: string | null;
  visitor_name: string | null;
  visitor_email: string | null;
  identity_verified: number;
  created_at: string;
  updated_at: string;
  rev: number;
}

const COLUMNS = [
  "id",
  "site_key",
  "visitor_id",
  "status",
  "summary",
  "last_message",
  "message_count",
  "assignee_id",
  "assignee_name",
  "unread",
  "waiting_since",
  "user_id",
  "visitor_name",
  "visitor_email",
  "identity_verified",
  "created_at",
  "updated_at",
  "rev",
] as const;

export class ConversationIndex {
  constructor(private readonly storage: DurableObjectStorage) {
    const sql = storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS conversations (
      id TEXT PRIMARY KEY,
      site_key TEXT NOT NULL,
      visitor_id TEXT,
      status TEXT NOT NULL,
      summary TEXT,
      last_message TEXT,
      message_count INTEGER NOT NULL DEFAULT 0,
      assignee_id TEXT,
      assignee_name TEXT,
      unread INTEGER NOT NULL DEFAULT 0,
      waiting_since TEXT,
      user_id TEXT,
      visitor_name TEXT,
      visitor_email TEXT,
      identity_verified INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      rev INTEGER NOT NULL DEFAULT 0
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS conversations_status ON conversations(status, updated_at)");
    sql.exec("CREATE INDEX IF NOT EXISTS conversations_created ON conversations(created_at)");
    sql.exec("CREATE INDEX IF NOT EXISTS conversations_site ON conversations(site_key, created_at)");
    sql.exec("CREATE TABLE IF NOT EXISTS index_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  /** Stores the row unless a newer one (higher rev) is there; true when it was stored. */
  upsert(entry: IndexEntry): boolean {
    const values = toRow(entry);
    const written = this.sql.exec(
      `INSERT INTO conversations (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})
       ON CONFLICT (id) DO UPDATE SET ${COLUMNS.filter((c) => c !== "id").map((c) => `${c} = excluded.${c}`).join(", ")}
       WHERE excluded.rev > conversations.rev`,
      ...COLUMNS.map((c) => values[c]),
    ).rowsWritten;
    return written > 0;
  }

  get(id: string): IndexEntry | null {
    const row = this.sql.exec<Row>("SELECT * FROM conversations WHERE id = ?", id).toArray()[0];
    return row ? toEntry(row) : null;
  }

  list(query: IndexQuery): IndexEntry[] {
    const where: string[] = [];
    const params: SqlStorageValue[] = [];
    if (query.status === "open") where.push("status IN ('waiting', 'human')");
    else if (query.status && query.status !== "all") {
      where.push("status = ?");
      params.push(query.status);
    }
    if (query.assigneeId) {
      where.push("assignee_id = ?");
      params.push(query.assigneeId);
    }
    if (query.siteKey) {
      where.push("site_key = ?");
      params.push(query.siteKey);
    }
    if (query.createdBefore) {
      where.push("created_at < ?");
      params.push(query.createdBefore);
    }
    if (query.createdAfter) {
      where.push("created_at >= ?");
      params.push(query.createdAfter);
    }
    // The inbox's queue: waiting first (longest wait first), then claimed, then the rest.
    const order =
      query.order === "newest"
        ? "created_at DESC"
        : `CASE status WHEN 'waiting' THEN 0 WHEN 'human' THEN 1 ELSE 2 END, COALESCE(waiting_since, updated_at) ${query.order === "queue-recent" ? "DESC" : "ASC"}`;
    const rows = this.sql
      .exec<Row>(`SELECT * FROM conversations ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${order} LIMIT ?`, ...params, query.limit)
      .toArray();
    return rows.map(toEntry);
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM conversations").one().n;
  }

  imported(): boolean {
    return this.sql.exec("SELECT 1 FROM index_state WHERE key = 'imported'").toArray().length > 0;
  }

  /** How far a takeover of D1's rows got (their rowid), so one cut short resumes there. */
  importCursor(): number {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM index_state WHERE key = 'import_cursor'").toArray()[0];
    return row ? Number(row.value) : 0;
  }

  /**
   * Rows an earlier version kept in D1's `conversations` (one page, up to D1 rowid `cursor`);
   * a row already here is newer and stays.
   */
  importLegacy(rows: Record<string, unknown>[], cursor: number, done: boolean): void {
    this.storage.transactionSync(() => {
      for (const r of rows) {
        this.sql.exec(
          `INSERT OR IGNORE INTO conversations (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})`,
          ...COLUMNS.map((c) => (c === "rev" ? 0 : ((r[c] ?? (c === "message_count" || c === "unread" || c === "identity_verified" ? 0 : null)) as SqlStorageValue))),
        );
      }
      this.sql.exec("INSERT OR REPLACE INTO index_state (key, value) VALUES ('import_cursor', ?)", String(cursor));
      if (done) this.sql.exec("INSERT OR REPLACE INTO index_state (key, value) VALUES ('imported', ?)", new Date().toISOString());
    });
  }
}

export function toSummary(e: IndexEntry): ConversationSummary {
  return {
    id: e.id,
    siteKey: e.siteKey,
    status: e.status,
    summary: e.summary,
    lastMessage: e.lastMessage,
    assigneeId: e.assigneeId,
    assigneeName: e.assigneeName,
    unread: e.unread,
    waitingSince: e.waitingSince,
    updatedAt: e.updatedAt,
    visitorName: e.visitorName,
    visitorEmail: e.visitorEmail,
  };
}

function toRow(e: IndexEntry): Record<(typeof COLUMNS)[number], SqlStorageValue> {
  return {
    id: e.id,
    site_key: e.siteKey,
    visitor_id: e.visitorId,
    status: e.status,
    summary: e.summary,
    last_message: e.lastMessage,
    message_count: e.messageCount,
    assignee_id: e.assigneeId,
    assignee_name: e.assigneeName,
    unread: e.unread,
    waiting_since: e.waitingSince,
    user_id: e.userId,
    visitor_name: e.visitorName,
    visitor_email: e.visitorEmail,
    identity_verified: e.identityVerified ? 1 : 0,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
    rev: e.rev,
  };
}

function toEntry(r: Row): IndexEntry {
  return {
    id: r.id,
    siteKey: r.site_key,
    visitorId: r.visitor_id,
    status: r.status as IndexEntry["status"],
    summary: r.summary,
    lastMessage: r.last_message,
    messageCount: r.message_count,
    assigneeId: r.assignee_id,
    assigneeName: r.assignee_name,
    unread: r.unread,
    waitingSince: r.waiting_since,
    userId: r.user_id,
    visitorName: r.visitor_name,
    visitorEmail: r.visitor_email,
    identityVerified: r.identity_verified === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    rev: r.rev,
  };
}
