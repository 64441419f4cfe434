/**
 * Issued admin tokens in D1: `sbat_<id>_<secret>`, shown once, stored as its SHA-256, with
 * its lineage — the token or staff member that issued it. Revoking a token revokes every
 * token issued under it, at any depth, and deleting a staff member revokes the tokens that
 * member issued (and theirs): a credential never outlives the one it was derived from.
 */
import { randomId } from "../ids";
import type { AdminPrincipal } from "./admin";
import { sha256Hex } from "./hmac";

export async function issueToken(db: D1Database, by: AdminPrincipal, input: { name: string; orgId: string | null; scopes: string[] }): Promise<{ id: string; token: string }> {
  const id = randomId("tok_", 9);
  const token = `sbat_${id.slice(4)}_${randomId("", 24)}`;
  await db
    .prepare("INSERT INTO admin_tokens (id, name, token_hash, org_id, scopes, created_by, parent_id, staff_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .bind(id, input.name, await sha256Hex(token), input.orgId, JSON.stringify(input.scopes), by.name, by.tokenId, by.staffId)
    .run();
  return { id, token };
}

/** Deletes the token and every token issued under it; answers how many were revoked. */
export async function revokeTokenTree(db: D1Database, id: string): Promise<number> {
  const res = await db
    .prepare(
      `WITH RECURSIVE tree(id) AS (SELECT ?1 UNION SELECT t.id FROM admin_tokens t JOIN tree ON t.parent_id = tree.id)
       DELETE FROM admin_tokens WHERE id IN (SELECT id FROM tree)`,
    )
    .bind(id)
    .run();
  return res.meta.changes;
}

/** Deletes every token a staff member issued, and every token issued under those. */
export async function revokeStaffTokens(db: D1Database, staffId: string): Promise<number> {
  const res = await db
    .prepare(
      `WITH RECURSIVE tree(id) AS (SELECT id FROM admin_tokens WHERE staff_id = ?1 UNION SELECT t.id FROM admin_tokens t JOIN tree ON t.parent_id = tree.id)
       DELETE FROM admin_tokens WHERE id IN (SELECT id FROM tree)`,
    )
    .bind(staffId)
    .run();
  return res.meta.changes;
}
