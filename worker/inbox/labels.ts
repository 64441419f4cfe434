/**
 * The org's labels (D1): the names staff may put on conversations, each with a colour. A
 * conversation keeps its own labels (in its object, and in the index); deleting a label here
 * stops new uses and leaves past conversations as they are.
 */
import type { Label } from "../../shared/staff";

export async function listLabels(db: D1Database, orgId: string): Promise<Label[]> {
  const rows = await db.prepare("SELECT name, color FROM inbox_labels WHERE org_id = ? ORDER BY name LIMIT 500").bind(orgId).all<Label>();
  return rows.results;
}

/** false when the name exists (409). */
export async function createLabel(db: D1Database, orgId: string, label: Label): Promise<boolean> {
  const done = await db.prepare("INSERT OR IGNORE INTO inbox_labels (org_id, name, color) VALUES (?, ?, ?)").bind(orgId, label.name, label.color).run();
  return done.meta.changes > 0;
}

export async function deleteLabel(db: D1Database, orgId: string, name: string): Promise<boolean> {
  const done = await db.prepare("DELETE FROM inbox_labels WHERE org_id = ? AND name = ?").bind(orgId, name).run();
  return done.meta.changes > 0;
}

/** The names among `names` that are not the org's labels. */
export async function unknownLabels(db: D1Database, orgId: string, names: string[]): Promise<string[]> {
  if (!names.length) return [];
  const rows = await db
    .prepare(`SELECT name FROM inbox_labels WHERE org_id = ? AND name IN (${names.map(() => "?").join(", ")})`)
    .bind(orgId, ...names)
    .all<{ name: string }>();
  const known = new Set(rows.results.map((r) => r.name));
  return names.filter((n) => !known.has(n));
}
