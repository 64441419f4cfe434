/**
 * A conversation's messages in its Durable Object's SQLite storage: one row per message,
 * `seq` assigned by SQLite in insertion order, `client_message_id` unique so a resent
 * message is found instead of stored twice.
 */
import type { Attachment, Role, Source, StoredMessage } from "../../shared/protocol";

export interface NewMessage {
  id: string;
  role: Role;
  text: string;
  author?: string;
  clientMessageId?: string;
  agentId?: string;
  sources?: Source[];
  offline?: boolean;
  attachments?: Attachment[];
}

interface Row extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  client_message_id: string | null;
  role: string;
  text: string;
  author: string | null;
  agent_id: string | null;
  sources: string | null;
  offline: number | null;
  attachments: string | null;
  created_at: string;
}

export class Transcript {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      client_message_id TEXT UNIQUE,
      role TEXT NOT NULL,
      text TEXT NOT NULL,
      author TEXT,
      agent_id TEXT,
      sources TEXT,
      offline INTEGER,
      created_at TEXT NOT NULL
    )`);
    // Added with attachments: a store created before gets the column once.
    if (!sql.exec<{ name: string }>("PRAGMA table_info(messages)").toArray().some((c) => c.name === "attachments")) {
      sql.exec("ALTER TABLE messages ADD COLUMN attachments TEXT");
    }
  }

  append(message: NewMessage): StoredMessage {
    const createdAt = new Date().toISOString();
    const row = this.sql
      .exec<Row>(
        `INSERT INTO messages (id, client_message_id, role, text, author, agent_id, sources, offline, attachments, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        message.id,
        message.clientMessageId ?? null,
        message.role,
        message.text,
        message.author ?? null,
        message.agentId ?? null,
        message.sources?.length ? JSON.stringify(message.sources) : null,
        message.offline ? 1 : null,
        message.attachments?.length ? JSON.stringify(message.attachments) : null,
        createdAt,
      )
      .one();
    return toMessage(row);
  }

  byId(id: string): StoredMessage | null {
    const rows = this.sql.exec<Row>("SELECT * FROM messages WHERE id = ?", id).toArray();
    return rows[0] ? toMessage(rows[0]) : null;
  }

  byClientId(clientMessageId: string): StoredMessage | null {
    const rows = this.sql.exec<Row>("SELECT * FROM messages WHERE client_message_id = ?", clientMessageId).toArray();
    return rows[0] ? toMessage(rows[0]) : null;
  }

  after(seq: number, limit: number): StoredMessage[] {
    return this.sql.exec<Row>("SELECT * FROM messages WHERE seq > ? ORDER BY seq LIMIT ?", seq, limit).toArray().map(toMessage);
  }

  /** The last `limit` messages up to and including `seq`, oldest first. */
  recent(upTo: number, limit: number): StoredMessage[] {
    return this.sql
      .exec<Row>("SELECT * FROM (SELECT * FROM messages WHERE seq <= ? ORDER BY seq DESC LIMIT ?) ORDER BY seq", upTo, limit)
      .toArray()
      .map(toMessage);
  }

  /** The visitor's messages after `after` up to and including `upTo`, oldest first. */
  userMessages(after: number, upTo: number): StoredMessage[] {
    return this.sql.exec<Row>("SELECT * FROM messages WHERE role = 'user' AND seq > ? AND seq <= ? ORDER BY seq", after, upTo).toArray().map(toMessage);
  }

  lastSeq(): number {
    return this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM messages").one().s ?? 0;
  }

  lastSeqOf(role: Role): number {
    return this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM messages WHERE role = ?", role).one().s ?? 0;
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM messages").one().n;
  }

  /** How many messages of these roles there are up to and including `seq`. */
  countThrough(seq: number, roles: Role[]): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM messages WHERE seq <= ? AND role IN (${roles.map(() => "?").join(",")})`, seq, ...roles).one().n;
  }
}

function toMessage(row: Row): StoredMessage {
  return {
    id: row.id,
    seq: row.seq,
    role: row.role as Role,
    text: row.text,
    createdAt: row.created_at,
    ...(row.author ? { author: row.author } : {}),
    ...(row.client_message_id ? { clientMessageId: row.client_message_id } : {}),
    ...(row.agent_id ? { agentId: row.agent_id } : {}),
    ...(row.sources ? { sources: JSON.parse(row.sources) as Source[] } : {}),
    ...(row.offline ? { offline: true } : {}),
    ...(row.attachments ? { attachments: JSON.parse(row.attachments) as Attachment[] } : {}),
  };
}
