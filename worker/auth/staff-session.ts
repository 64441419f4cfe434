/**
 * Staff sessions: an HttpOnly, SameSite=Strict cookie holding a random id (stored hashed),
 * with a per-session CSRF token. A state-changing request must carry that token in
 * `X-CSRF-Token` and come from our own origin (the Origin header is required on writes): a
 * cross-site form or script cannot supply either, and SameSite keeps the cookie off
 * cross-site requests in the first place.
 */
import type { Context } from "hono";
import { CSRF_HEADER, SESSION_COOKIE, type StaffMember, type StaffRole } from "../../shared/staff";
import { ApiError, forbidden, unauthorized } from "../http/errors";
import type { AppEnv } from "../env";
import { randomId } from "../ids";
import { sha256Hex, timingSafeEqual } from "./hmac";

const SESSION_DAYS = 14;

export interface StaffSession {
  staff: StaffMember;
  csrfToken: string;
  /** The stored id of this session (the SHA-256 of its cookie). */
  idHash: string;
}

interface SessionRow {
  staff_id: string;
  org_id: string;
  csrf_token: string;
  expires_at: number;
  email: string;
  name: string;
  role: StaffRole;
}

export async function createSession(db: D1Database, staff: StaffMember): Promise<{ cookieValue: string; csrfToken: string; maxAge: number }> {
  const cookieValue = randomId("", 32);
  const csrfToken = randomId("", 24);
  const maxAge = SESSION_DAYS * 86_400;
  await db
    .prepare("INSERT INTO staff_sessions (id_hash, staff_id, org_id, csrf_token, expires_at) VALUES (?, ?, ?, ?, ?)")
    .bind(await sha256Hex(cookieValue), staff.id, staff.orgId, csrfToken, Date.now() + maxAge * 1000)
    .run();
  return { cookieValue, csrfToken, maxAge };
}

export function sessionCookie(c: Context<AppEnv>, value: string, maxAge: number): string {
  const secure = new URL(c.req.url).protocol === "https:" ? "; Secure" : "";
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
}

function cookieValue(c: Context<AppEnv>): string | null {
  const header = c.req.header("cookie") ?? "";
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) return rest.join("=") || null;
  }
  return null;
}

export const hasSessionCookie = (c: Context<AppEnv>) => cookieValue(c) !== null;

/** The request comes from our own origin (browsers send Origin on every write). */
export function sameOrigin(c: Context<AppEnv>): boolean {
  return c.req.header("origin") === new URL(c.req.url).origin;
}

const SESSION = "staffSession";

/**
 * The signed-in staff member, or 401. With `mutating`, also the CSRF checks: our own Origin
 * and the session's token in the header, or 403. Cached on the request.
 */
export async function requireStaff(c: Context<AppEnv>, options: { mutating: boolean }): Promise<StaffSession> {
  let session = c.get(SESSION) as StaffSession | undefined;
  if (!session) {
    const value = cookieValue(c);
    if (!value || !/^[A-Za-z0-9_-]{20,100}$/.test(value)) throw unauthorized("sign in to the inbox first");
    const idHash = await sha256Hex(value);
    const row = await c.env.DB.prepare(
      `SELECT s.staff_id, s.org_id, s.csrf_token, s.expires_at, st.email, st.name, st.role
       FROM staff_sessions s JOIN staff st ON st.id = s.staff_id WHERE s.id_hash = ?`,
    )
      .bind(idHash)
      .first<SessionRow>();
    if (!row || row.expires_at < Date.now()) throw unauthorized("the session has expired; sign in again");
    session = {
      staff: { id: row.staff_id, orgId: row.org_id, email: row.email, name: row.name, role: row.role },
      csrfToken: row.csrf_token,
      idHash,
    };
    c.set(SESSION, session);
  }
  if (options.mutating) {
    if (!sameOrigin(c)) throw forbidden("cross-site request refused");
    const token = c.req.header(CSRF_HEADER) ?? "";
    if (!timingSafeEqual(token, session.csrfToken)) throw new ApiError(403, "csrf", "missing or wrong CSRF token");
  }
  return session;
}

export async function endSession(c: Context<AppEnv>): Promise<void> {
  const value = cookieValue(c);
  if (value) await c.env.DB.prepare("DELETE FROM staff_sessions WHERE id_hash = ?").bind(await sha256Hex(value)).run();
}

/** Ends every session of a staff member but `keep` (after a password change). */
export async function endOtherSessions(db: D1Database, staffId: string, keep: string | null): Promise<void> {
  await db.prepare("DELETE FROM staff_sessions WHERE staff_id = ? AND id_hash != ?").bind(staffId, keep ?? "").run();
}
