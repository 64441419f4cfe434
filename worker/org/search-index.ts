/**
 * Full-text search over an org's conversations, in its inbox object's SQLite (FTS5), so a
 * search never opens a transcript: it is fed by what conversations already send their
 * org's inbox — each stored message (the `message` event of `update`) and each changed
 * row (the visitor's name and email, the handoff summary).
 *
 * One document per message (`seq` > 0) and one per conversation for who the visitor is
 * (`seq` 0, replaced when it changes). `search_docs` maps a document to its conversation and
 * makes a message indexed twice impossible (a row id per conversation and seq).
 *
 * Conversations from before this index existed are found by their visitor, summary and
 * last message; their older messages are not in it.
 */
import type { IndexEntry } from "../durable/rpc";

/** What a visitor wrote, what staff or the bot answered (system lines are not searched). */
const SEARCHED_ROLES = new Set(["user", "assistant", "human"]);
/** Matches are marked between these in snippets (control characters no message shows). */
export const MARK_START = "\u0002";
export const MARK_END = "\u0003";
/** Longest query, in terms. */
const MAX_TERMS = 12;

export interface SearchMatch {
  conversationId: string;
  snippet: string;
  score: number;
}

export class SearchIndex {
  constructor(private readonly storage: DurableObjectStorage) {
    const sql = storage.sql;
    const existed = sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'search_docs'").toArray().length > 0;
    sql.exec(`CREATE TABLE IF NOT EXISTS search_docs (
      id INTEGER PRIMARY KEY,
      conversation_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      profile TEXT,
      UNIQUE (conversation_id, seq)
    )`);
    sql.exec("CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')");
    // An index made before search existed: what its rows hold becomes searchable at once.
    if (!existed) this.backfill();
  }

  /**
   * Rows with no document yet (an index from before search, or rows taken over from D1):
   * their visitor, summary and last message.
   */
  backfill(): void {
    this.storage.transactionSync(() => {
      const rows = this.sql
        .exec<{ id: string; visitor_name: string | null; visitor_email: string | null; summary: string | null; last_message: string | null; user_id: string | null }>(
          `SELECT id, visitor_name, visitor_email, summary, last_message, user_id FROM conversations c
           WHERE NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.conversation_id = c.id)`,
        )
        .toArray();
      for (const r of rows) {
        this.putProfile(r.id, profileText(r.visitor_name, r.visitor_email, r.summary, r.user_id));
        if (r.last_message) this.insert(r.id, -1, r.last_message);
      }
    });
  }

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  /** A stored message (once: a second delivery of the same seq changes nothing). */
  addMessage(conversationId: string, message: { seq: number; role: string; text: string }): void {
    if (!SEARCHED_ROLES.has(message.role) || message.seq <= 0) return;
    this.insert(conversationId, message.seq, message.text);
  }

  /** The row changed: who the visitor is and the handoff summary, if they changed. */
  updateProfile(entry: IndexEntry): void {
    this.putProfile(entry.id, profileText(entry.visitorName, entry.visitorEmail, entry.summary, entry.userId));
  }

  /** Conversations matching every term (the last one as a prefix), best first, one passage each. */
  search(text: string, limit: number): SearchMatch[] {
    const match = ftsQuery(text);
    if (!match) return [];
    const rows = this.sql.exec<{ conversation_id: string; snippet: string; score: number }>(
      `SELECT d.conversation_id, snippet(search_text, 0, ?, ?, '…', 14) AS snippet, bm25(search_text) AS score
       FROM search_text JOIN search_docs d ON d.id = search_text.rowid
       WHERE search_text MATCH ? ORDER BY score LIMIT ?`,
      MARK_START,
      MARK_END,
      match,
      limit * 20,
    );
    const best = new Map<string, SearchMatch>();
    for (const r of rows) {
      if (!best.has(r.conversation_id)) best.set(r.conversation_id, { conversationId: r.conversation_id, snippet: r.snippet, score: r.score });
      if (best.size >= limit) break;
    }
    return [...best.values()];
  }

  private insert(conversationId: string, seq: number, body: string): void {
    const doc = this.sql
      .exec<{ id: number }>("INSERT INTO search_docs (conversation_id, seq) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id", conversationId, seq)
      .toArray()[0];
    if (doc) this.sql.exec("INSERT INTO search_text (rowid, body) VALUES (?, ?)", doc.id, body);
  }

  private putProfile(conversationId: string, profile: string): void {
    const doc = this.sql.exec<{ id: number; profile: string | null }>("SELECT id, profile FROM search_docs WHERE conversation_id = ? AND seq = 0", conversationId).toArray()[0];
    if (doc?.profile === profile) return;
    if (doc) {
      this.sql.exec("DELETE FROM search_text WHERE rowid = ?", doc.id);
      this.sql.exec("UPDATE search_docs SET profile = ? WHERE id = ?", profile, doc.id);
      if (profile) this.sql.exec("INSERT INTO search_text (rowid, body) VALUES (?, ?)", doc.id, profile);
      return;
    }
    if (!profile) return;
    const id = this.sql.exec<{ id: number }>("INSERT INTO search_docs (conversation_id, seq, profile) VALUES (?, 0, ?) RETURNING id", conversationId, profile).one().id;
    this.sql.exec("INSERT INTO search_text (rowid, body) VALUES (?, ?)", id, profile);
  }
}

function profileText(...parts: (string | null | undefined)[]): string {
  return parts.filter((p): p is string => !!p).join(" · ");
}

/**
 * A visitor-typed query as an FTS5 expression that cannot be anything but words: each term
 * quoted (so `OR`, `NEAR`, `*`, `:` and quotes are only text) and matched as a prefix, all
 * required. An email stays one phrase ("ada@example.com" → ada example com, in order).
 */
export function ftsQuery(text: string): string | null {
  const terms = text.match(/[\p{L}\p{N}][\p{L}\p{N}@._+'-]*/gu)?.slice(0, MAX_TERMS) ?? [];
  if (!terms.length) return null;
  return terms.map((t) => `"${t.replace(/"/g, '""')}"*`).join(" ");
}
