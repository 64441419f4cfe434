/**
 * Canned replies (D1): per org, each with a unique shortcut staff type after `/` or `#` in
 * the composer.
 */
import type { CannedReply } from "../../shared/staff";
import { randomId } from "../ids";

interface Row {
  id: string;
  shortcut: string;
  title: string;
  text: string;
  created_by: string | null;
  updated_at: string;
}

const toReply = (r: Row): CannedReply => ({ id: r.id, shortcut: r.shortcut, title: r.title, text: r.text, createdBy: r.created_by, updatedAt: r.updated_at });

export async function listCannedReplies(db: D1Database, orgId: string): Promise<CannedReply[]> {
  const rows = await db.prepare("SELECT id, shortcut, title, text, created_by, updated_at FROM canned_replies WHERE org_id = ? ORDER BY shortcut LIMIT 500").bind(orgId).all<Row>();
  return rows.results.map(toReply);
}

export async function getCannedReply(db: D1Database, orgId: string, id: string): Promise<CannedReply | null> {
  const row = await db.prepare("SELECT id, shortcut, title, text, created_by, updated_at FROM canned_replies WHERE org_id = ? AND id = ?").bind(orgId, id).first<Row>();
  return row ? toReply(row) : null;
}

async function shortcutTaken(db: D1Database, orgId: string, shortcut: string, except: string | null): Promise<boolean> {
  return !!(await db.prepare("SELECT 1 AS x FROM canned_replies WHERE org_id = ? AND shortcut = ? AND id <> ?").bind(orgId, shortcut, except ?? "").first());
}

/** null when the shortcut is taken (the caller answers 409). */
export async function createCannedReply(db: D1Database, orgId: string, input: { shortcut: string; title: string; text: string }, createdBy: string | null): Promise<CannedReply | null> {
  if (await shortcutTaken(db, orgId, input.shortcut, null)) return null;
  const row: Row = { id: randomId("cr_", 12), shortcut: input.shortcut, title: input.title, text: input.text, created_by: createdBy, updated_at: new Date().toISOString() };
  const done = await db
    .prepare("INSERT OR IGNORE INTO canned_replies (id, org_id, shortcut, title, text, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .bind(row.id, orgId, row.shortcut, row.title, row.text, row.created_by, row.updated_at)
    .run();
  return done.meta.changes ? toReply(row) : null;
}

/** "missing" (404), "taken" (409), or the reply as it is now. */
export async function updateCannedReply(db: D1Database, orgId: string, id: string, input: { shortcut: string; title: string; text: string }): Promise<CannedReply | "missing" | "taken"> {
  if (await shortcutTaken(db, orgId, input.shortcut, id)) return "taken";
  const updatedAt = new Date().toISOString();
  const done = await db
    .prepare("UPDATE OR IGNORE canned_replies SET shortcut = ?, title = ?, text = ?, updated_at = ? WHERE org_id = ? AND id = ?")
    .bind(input.shortcut, input.title, input.text, updatedAt, orgId, id)
    .run();
  if (!done.meta.changes) return (await getCannedReply(db, orgId, id)) ? "taken" : "missing";
  return (await getCannedReply(db, orgId, id)) ?? "missing";
}

export async function deleteCannedReply(db: D1Database, orgId: string, id: string): Promise<boolean> {
  const done = await db.prepare("DELETE FROM canned_replies WHERE org_id = ? AND id = ?").bind(orgId, id).run();
  return done.meta.changes > 0;
}
