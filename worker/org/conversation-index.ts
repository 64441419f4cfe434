/**
 * An org's conversation index in its inbox object's SQLite: one row per conversation with
 * what lists show (status, last message, counts, assignee, team, labels, visitor, unread,
 * waiting since, site, created and updated). Each conversation's object sends its whole row
 * after every change, numbered (`rev`), so a row that arrives late never overwrites a newer
 * one. The inbox's filters (status, assignee, team, label, site) are queries on it; its
 * full-text side is search-index.ts.
 */
import type { ConversationSummary } from "../../shared/staff";
import type { IndexEntry, IndexQuery, VisitorKey, VisitorMatch } from "../durable/rpc";

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
  team_id: string | null;
  /** JSON array of label names. */
  labels: string;
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
  "team_id",
  "labels",
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
      team_id TEXT,
      labels TEXT NOT NULL DEFAULT '[]',
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      rev INTEGER NOT NULL DEFAULT 0
    )`);
    // Indexes made by an earlier version get the columns added since.
    const columns = new Set(sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('conversations')").toArray().map((c) => c.name));
    if (!columns.has("team_id")) sql.exec("ALTER TABLE conversations ADD COLUMN team_id TEXT");
    if (!columns.has("labels")) sql.exec("ALTER TABLE conversations ADD COLUMN labels TEXT NOT NULL DEFAULT '[]'");
    sql.exec("CREATE INDEX IF NOT EXISTS conversations_status ON conversations(status, updated_at)");
    sql.exec("CREATE INDEX IF NOT EXISTS conversations_created ON conversations(created_at)");
    sql.exec("CREATE INDEX IF NOT EXISTS conversations_site ON conversations(site_key, created_at)");
    sql.exec("CREATE INDEX IF NOT EXISTS conversations_assignee ON conversations(assignee_id, status)");
    sql.exec("CREATE INDEX IF NOT EXISTS conversations_user ON conversations(user_id)");
    sql.exec("CREATE INDEX IF NOT EXISTS conversations_email ON conversations(visitor_email COLLATE NOCASE)");
    sql.exec("CREATE INDEX IF NOT EXISTS conversations_visitor ON conversations(visitor_id)");
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

  /** `teamSites`: the sites routed to `query.teamId` (their unrouted conversations are the team's too). */
  list(query: IndexQuery, teamSites: string[] = []): IndexEntry[] {
    const { where, params } = filters(query, teamSites);
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

  /** Rows among `ids` that pass the filters (the search's matches, narrowed by the filter bar). */
  filterIds(ids: string[], query: IndexQuery, teamSites: string[] = []): Map<string, IndexEntry> {
    const out = new Map<string, IndexEntry>();
    const { where, params } = filters(query, teamSites);
    // SQLite takes at most 100 bound parameters per statement in a Durable Object.
    for (let i = 0; i < ids.length; i += 50) {
      const chunk = ids.slice(i, i + 50);
      const clauses = [`id IN (${chunk.map(() => "?").join(", ")})`, ...where];
      for (const row of this.sql.exec<Row>(`SELECT * FROM conversations WHERE ${clauses.join(" AND ")}`, ...chunk, ...params)) out.set(row.id, toEntry(row));
    }
    return out;
  }

  /** The visitor's conversations: by verified user id, else email, else the browser's visitor id. */
  history(key: VisitorKey, exclude: string, limit: number): { matchedBy: VisitorMatch | null; entries: IndexEntry[] } {
    const [matchedBy, clause, value]: [VisitorMatch | null, string, string] =
      key.userId && key.identityVerified
        ? ["user", "user_id = ? AND identity_verified = 1", key.userId]
        : key.email
          ? ["email", "visitor_email = ? COLLATE NOCASE", key.email]
          : key.visitorId
            ? ["visitor", "visitor_id = ?", key.visitorId]
            : [null, "", ""];
    if (!matchedBy) return { matchedBy, entries: [] };
    const rows = this.sql.exec<Row>(`SELECT * FROM conversations WHERE ${clause} AND id <> ? ORDER BY created_at DESC LIMIT ?`, value, exclude, limit).toArray();
    return { matchedBy, entries: rows.map(toEntry) };
  }

  /** How many conversations each staff member holds now. */
  loads(): Map<string, number> {
    const rows = this.sql.exec<{ assignee_id: string; n: number }>("SELECT assignee_id, COUNT(*) AS n FROM conversations WHERE status = 'human' AND assignee_id IS NOT NULL GROUP BY assignee_id");
    return new Map([...rows].map((r) => [r.assignee_id, r.n]));
  }

  /** Conversations waiting for nobody in particular, longest wait first. */
  unassignedWaiting(limit: number): IndexEntry[] {
    return this.sql
      .exec<Row>("SELECT * FROM conversations WHERE status = 'waiting' AND assignee_id IS NULL ORDER BY waiting_since LIMIT ?", limit)
      .toArray()
      .map(toEntry);
  }

  heldBy(staffId: string): IndexEntry[] {
    return this.sql.exec<Row>("SELECT * FROM conversations WHERE status = 'human' AND assignee_id = ? ORDER BY updated_at", staffId).toArray().map(toEntry);
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
          ...COLUMNS.map((c) => (c === "rev" ? 0 : c === "labels" ? "[]" : ((r[c] ?? (c === "message_count" || c === "unread" || c === "identity_verified" ? 0 : null)) as SqlStorageValue))),
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
    visitorId: e.visitorId,
    userId: e.userId,
    identityVerified: e.identityVerified,
    teamId: e.teamId ?? null,
    labels: e.labels ?? [],
  };
}

/** The WHERE clauses of a query's filters (status, assignee, team, label, site, creation). */
function filters(query: IndexQuery, teamSites: string[]): { where: string[]; params: SqlStorageValue[] } {
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
  if (query.unassigned) where.push("assignee_id IS NULL");
  if (query.siteKey) {
    where.push("site_key = ?");
    params.push(query.siteKey);
  }
  if (query.teamId) {
    const sites = teamSites.slice(0, 40);
    where.push(sites.length ? `(team_id = ? OR (team_id IS NULL AND site_key IN (${sites.map(() => "?").join(", ")})))` : "team_id = ?");
    params.push(query.teamId, ...sites);
  }
  if (query.label) {
    where.push("EXISTS (SELECT 1 FROM json_each(conversations.labels) WHERE value = ?)");
    params.push(query.label);
  }
  if (query.createdBefore) {
    where.push("created_at < ?");
    params.push(query.createdBefore);
  }
  if (query.createdAfter) {
    where.push("created_at >= ?");
    params.push(query.createdAfter);
  }
  return { where, params };
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
    team_id: e.teamId ?? null,
    labels: JSON.stringify(e.labels ?? []),
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
    teamId: r.team_id,
    labels: parseLabels(r.labels),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    rev: r.rev,
  };
}

function parseLabels(text: string | null): string[] {
  try {
    const value: unknown = JSON.parse(text ?? "[]");
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
}
