/**
 * Internal notes of a conversation: staff-only, in their own table so no visitor-facing
 * query can ever return one.
 */
import type { Note } from "../../shared/staff";

interface Row extends Record<string, SqlStorageValue> {
  id: string;
  text: string;
  author: string;
  author_id: string;
  created_at: string;
}

export class Notes {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS notes (
      id TEXT PRIMARY KEY,
      text TEXT NOT NULL,
      author TEXT NOT NULL,
      author_id TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`);
  }

  add(note: Note): Note {
    this.sql.exec("INSERT INTO notes (id, text, author, author_id, created_at) VALUES (?, ?, ?, ?, ?)", note.id, note.text, note.author, note.authorId, note.createdAt);
    return note;
  }

  all(): Note[] {
    return this.sql
      .exec<Row>("SELECT * FROM notes ORDER BY created_at, rowid")
      .toArray()
      .map((r) => ({ id: r.id, text: r.text, author: r.author, authorId: r.author_id, createdAt: r.created_at }));
  }
}
