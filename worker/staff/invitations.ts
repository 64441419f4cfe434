/**
 * Invitations to an org's staff: a one-time link whose secret (`sbi_…`) is stored only as
 * its SHA-256. An invitation is pending until it is accepted (once), revoked, or expires.
 */
import type { Invitation } from "../../shared/admin";
import type { StaffRole } from "../../shared/staff";
import { sha256Hex } from "../auth/hmac";
import { randomId } from "../ids";

export interface InvitationRow {
  id: string;
  org_id: string;
  email: string | null;
  role: StaffRole;
  created_by: string;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
}

export function toInvitation(r: InvitationRow, now = new Date().toISOString()): Invitation {
  const status = r.accepted_at ? "accepted" : r.revoked_at ? "revoked" : r.expires_at <= now ? "expired" : "pending";
  return {
    id: r.id,
    email: r.email,
    role: r.role,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    acceptedAt: r.accepted_at,
    revokedAt: r.revoked_at,
    status,
  };
}

export async function createInvitation(
  db: D1Database,
  input: { orgId: string; role: StaffRole; email?: string; createdBy: string; expiresInDays: number },
): Promise<{ row: InvitationRow; token: string }> {
  const token = randomId("sbi_", 24);
  const row: InvitationRow = {
    id: randomId("inv_", 12),
    org_id: input.orgId,
    email: input.email?.toLowerCase() ?? null,
    role: input.role,
    created_by: input.createdBy,
    created_at: new Date().toISOString(),
    expires_at: new Date(Date.now() + input.expiresInDays * 86_400_000).toISOString(),
    accepted_at: null,
    revoked_at: null,
  };
  await db
    .prepare("INSERT INTO invitations (id, org_id, token_hash, email, role, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .bind(row.id, row.org_id, await sha256Hex(token), row.email, row.role, row.created_by, row.created_at, row.expires_at)
    .run();
  return { row, token };
}

const COLUMNS = "id, org_id, email, role, created_by, created_at, expires_at, accepted_at, revoked_at";

/** The pending invitation a link's token names, or null (unknown, used, revoked or expired alike). */
export async function pendingInvitation(db: D1Database, token: string): Promise<InvitationRow | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM invitations WHERE token_hash = ?`).bind(await sha256Hex(token)).first<InvitationRow>();
  return row && toInvitation(row).status === "pending" ? row : null;
}

/** Marks the invitation used, if it still is pending: of two accepts, one wins. */
export async function claimInvitation(db: D1Database, id: string): Promise<boolean> {
  const now = new Date().toISOString();
  const res = await db
    .prepare("UPDATE invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?")
    .bind(now, id, now)
    .run();
  return res.meta.changes === 1;
}

export async function listInvitations(db: D1Database, orgId: string): Promise<InvitationRow[]> {
  const rows = await db.prepare(`SELECT ${COLUMNS} FROM invitations WHERE org_id = ? ORDER BY created_at DESC LIMIT 200`).bind(orgId).all<InvitationRow>();
  return rows.results;
}

export async function findInvitation(db: D1Database, orgId: string, id: string): Promise<InvitationRow | null> {
  return db.prepare(`SELECT ${COLUMNS} FROM invitations WHERE id = ? AND org_id = ?`).bind(id, orgId).first<InvitationRow>();
}
