/**
 * Admin access. A caller is one AdminPrincipal, whichever way it signed in:
 * - `Authorization: Bearer <ADMIN_TOKEN>`: the platform, every org and scope;
 * - `Authorization: Bearer sbat_…`: an issued token (stored hashed in D1), limited to an org
 *   (or every org) and a set of scopes;
 * - a staff session (the inbox cookie; writes also need the session's CSRF token and our own
 *   Origin) of an `owner` or `admin`, limited to the staff member's org. `agent` staff get 403.
 *
 * A scope is `resource:action` — resources in RESOURCES × `read` / `write` — with `*` as a
 * wildcard for either part (`agents:*`, `*:read`, `*`). `write` implies `read`.
 * Roles: `owner` holds every scope in its org; `admin` every scope except `tokens:*` and
 * `secrets:*` (it runs the org's sites, agents, knowledge, budgets, staff and conversations,
 * but cannot mint credentials or read secret names); `agent` has no admin access.
 */
import type { Context } from "hono";
import type { StaffRole } from "../../shared/staff";
import type { AppEnv } from "../env";
import { forbidden, notFound, unauthorized } from "../http/errors";
import { sha256Hex, timingSafeEqual } from "./hmac";
import { hasSessionCookie, requireStaff } from "./staff-session";

export const RESOURCES = ["sites", "agents", "knowledge", "budgets", "staff", "conversations", "leads", "tokens", "secrets", "audit", "insights"] as const;
export type Resource = (typeof RESOURCES)[number];
export type Action = "read" | "write";

/** What each staff role may do on the admin API, within its own org. */
export const ROLE_SCOPES: Record<StaffRole, string[]> = {
  owner: ["*"],
  admin: RESOURCES.filter((r) => r !== "tokens" && r !== "secrets").map((r) => `${r}:*`),
  agent: [],
};

export interface AdminPrincipal {
  kind: "platform" | "token" | "staff";
  /** null: every org. */
  orgId: string | null;
  scopes: string[];
  /** Who, for the audit log: `ADMIN_TOKEN`, the token's name, or the staff member's email. */
  name: string;
  tokenId: string | null;
  staffId: string | null;
}

export function scopeAllows(scopes: string[], resource: Resource, action: Action): boolean {
  return scopes.some((scope) => {
    if (scope === "*") return true;
    const [r, a] = scope.split(":");
    return (r === "*" || r === resource) && (a === "*" || a === action || (a === "write" && action === "read"));
  });
}

/** Every scope of `wanted` is covered by `held` (nobody grants more than it holds). */
export function scopesCovered(held: string[], wanted: string[]): boolean {
  return wanted.every((scope) => {
    if (scope === "*") return held.includes("*");
    const [r, a] = scope.split(":");
    const resources = r === "*" ? [...RESOURCES] : [r as Resource];
    const actions: Action[] = a === "*" ? ["read", "write"] : [a as Action];
    return resources.every((res) => actions.every((act) => scopeAllows(held, res, act)));
  });
}

/** Where the request's principal is kept (the audit log reads it). */
export const PRINCIPAL = "adminPrincipal";

/**
 * Who is calling, or 401 (403 for staff without admin access). Cached on the request: the
 * route layer authenticates every admin route before it looks at anything else.
 */
export async function authenticateAdmin(c: Context<AppEnv>): Promise<AdminPrincipal> {
  const cached = c.get(PRINCIPAL) as AdminPrincipal | undefined;
  if (cached) return cached;
  const principal = await resolve(c);
  c.set(PRINCIPAL, principal);
  return principal;
}

async function resolve(c: Context<AppEnv>): Promise<AdminPrincipal> {
  const header = c.req.header("authorization");
  if (!header && hasSessionCookie(c)) {
    const { staff } = await requireStaff(c, { mutating: c.req.method !== "GET" && c.req.method !== "HEAD" });
    const scopes = ROLE_SCOPES[staff.role] ?? [];
    if (!scopes.length) throw forbidden("support agents have no access to the admin API");
    return { kind: "staff", orgId: staff.orgId, scopes, name: staff.email, tokenId: null, staffId: staff.id };
  }
  const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : "";
  if (!token) throw unauthorized("an admin token (or a staff session) is required");
  const adminToken = c.env.ADMIN_TOKEN;
  if (typeof adminToken === "string" && adminToken.length >= 16 && timingSafeEqual(token, adminToken)) {
    return { kind: "platform", orgId: null, scopes: ["*"], name: "ADMIN_TOKEN", tokenId: null, staffId: null };
  }
  if (!token.startsWith("sbat_") || token.length > 200) throw unauthorized("the admin token is not valid");
  const row = await c.env.DB.prepare("SELECT id, name, org_id, scopes FROM admin_tokens WHERE token_hash = ?")
    .bind(await sha256Hex(token))
    .first<{ id: string; name: string; org_id: string | null; scopes: string }>();
  if (!row) throw unauthorized("the admin token is not valid");
  await c.env.DB.prepare("UPDATE admin_tokens SET last_used_at = ? WHERE id = ?").bind(new Date().toISOString(), row.id).run();
  return { kind: "token", orgId: row.org_id, scopes: JSON.parse(row.scopes) as string[], name: row.name, tokenId: row.id, staffId: null };
}

/** The principal may see `orgId`'s data (a platform principal sees every org). */
export const seesOrg = (admin: AdminPrincipal, orgId: string) => admin.orgId === null || admin.orgId === orgId;

/**
 * The caller, checked for `resource:action` and, when `orgId` is given, for that org. What
 * the caller may not see answers exactly like what does not exist: 404 `<what> not found`.
 */
export async function requireAdmin(
  c: Context<AppEnv>,
  need?: { resource: Resource; action: Action; orgId?: string | null; what?: string },
): Promise<AdminPrincipal> {
  const admin = await authenticateAdmin(c);
  if (!need) return admin;
  if (!scopeAllows(admin.scopes, need.resource, need.action)) {
    throw forbidden(`these credentials lack the ${need.resource}:${need.action} scope`);
  }
  if (need.orgId !== undefined && need.orgId !== null && !seesOrg(admin, need.orgId)) throw notFound(need.what ?? "org");
  return admin;
}
