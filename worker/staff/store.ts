/**
 * Staff accounts in D1.
 */
import type { StaffMember, StaffRole } from "../../shared/staff";
import { hashPassword } from "../auth/password";
import { randomId } from "../ids";

interface StaffRow {
  id: string;
  org_id: string;
  email: string;
  name: string;
  role: StaffRole;
  password_hash: string;
}

export const toMember = (r: Omit<StaffRow, "password_hash">): StaffMember => ({ id: r.id, orgId: r.org_id, email: r.email, name: r.name, role: r.role });

export async function createStaff(
  db: D1Database,
  input: { orgId: string; email: string; name: string; password: string; role?: StaffRole },
): Promise<StaffMember> {
  const id = randomId("st_", 12);
  const email = input.email.toLowerCase();
  await db
    .prepare("INSERT INTO staff (id, org_id, email, name, password_hash, role) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(id, input.orgId, email, input.name, await hashPassword(input.password), input.role ?? "agent")
    .run();
  return { id, orgId: input.orgId, email, name: input.name, role: input.role ?? "agent" };
}

/** Every account with this email: one per org at most. */
export async function findStaffByEmail(db: D1Database, email: string): Promise<StaffRow[]> {
  const rows = await db.prepare("SELECT id, org_id, email, name, role, password_hash FROM staff WHERE email = ? ORDER BY created_at LIMIT 20").bind(email.toLowerCase()).all<StaffRow>();
  return rows.results;
}

export async function findStaffById(db: D1Database, id: string): Promise<StaffRow | null> {
  return db.prepare("SELECT id, org_id, email, name, role, password_hash FROM staff WHERE id = ?").bind(id).first<StaffRow>();
}

export async function setStaffPassword(db: D1Database, id: string, password: string): Promise<void> {
  await db.prepare("UPDATE staff SET password_hash = ?, password_changed_at = ? WHERE id = ?").bind(await hashPassword(password), new Date().toISOString(), id).run();
}
