/**
 * Admin access: `Authorization: Bearer <token>`, where the token is ADMIN_TOKEN (every org,
 * every scope) or an issued token (stored hashed in D1) limited to one org and a set of
 * scopes. A scope is `resource:action` — `sites`, `agents`, `knowledge`, `budgets`,
 * `staff`, `conversations`, `leads`, `tokens` × `read` / `write` — with `*` as a wildcard
 * for either part (`agents:*`, `*:read`, `*`). `write` implies `read`.
 */
import type { Context } from "hono";
import { forbidden, unauthorized } from "../http/errors";
import type { AppEnv } from "../env";
import { sha256Hex, timingSafeEqual } from "./hmac";

export const RESOURCES = ["sites", "agents", "knowledge", "budgets", "staff", "conversations", "leads", "tokens"] as const;
export type Resource = (typeof RESOURCES)[number];
export type Action = "read" | "write";

export interface AdminPrincipal {
  /** null: every org. */
  orgId: string | null;
  scopes: string[];
  name: string;
  tokenId: string | null;
}

export function scopeAllows(scopes: string[], resource: Resource, action: Action): boolean {
  return scopes.some((scope) => {
    if (scope === "*") return true;
    const [r, a] = scope.split(":");
    return (r === "*" || r === resource) && (a === "*" || a === action || (a === "write" && action === "read"));
  });
}

/** Every scope of `wanted` is covered by `held` (a token cannot mint a broader one). */
export function scopesCovered(held: string[], wanted: string[]): boolean {
  return wanted.every((scope) => {
    if (scope === "*") return held.includes("*");
    const [r, a] = scope.split(":");
    const resources = r === "*" ? [...RESOURCES] : [r as Resource];
    const actions: Action[] = a === "*" ? ["read", "write"] : [a as Action];
    return resources.every((res) => actions.every((act) => scopeAllows(held, res, act)));
  });
}

async function principal(c: Context<AppEnv>): Promise<AdminPrincipal> {
  const header = c.req.header("authorization") ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  if (!token) throw unauthorized("an admin token is required");
  const adminToken = c.env.ADMIN_TOKEN;
  if (typeof adminToken === "string" && adminToken.length >= 16 && timingSafeEqual(token, adminToken)) {
    return { orgId: null, scopes: ["*"], name: "ADMIN_TOKEN", tokenId: null };
  }
  if (!token.startsWith("sbat_")) throw unauthorized("the admin token is not valid");
  const row = await c.env.DB.prepare("SELECT id, name, org_id, scopes FROM admin_tokens WHERE token_hash = ?")
    .bind(await sha256Hex(token))
    .first<{ id: string; name: string; org_id: string | null; scopes: string }>();
  if (!row) throw unauthorized("the admin token is not valid");
  await c.env.DB.prepare("UPDATE admin_tokens SET last_used_at = ? WHERE id = ?").bind(new Date().toISOString(), row.id).run();
  return { orgId: row.org_id, scopes: JSON.parse(row.scopes) as string[], name: row.name, tokenId: row.id };
}

/**
 * The caller, checked for `resource:action` and, when `orgId` is given, for that org.
 * Another org's data answers 403 (the token names its org, so nothing is revealed).
 */
export async function requireAdmin(
  c: Context<AppEnv>,
  need?: { resource: Resource; action: Action; orgId?: string | null },
): Promise<AdminPrincipal> {
  const admin = await principal(c);
  if (!need) return admin;
  if (!scopeAllows(admin.scopes, need.resource, need.action)) {
    throw forbidden(`this token lacks the ${need.resource}:${need.action} scope`);
  }
  if (need.orgId !== undefined && admin.orgId !== null && need.orgId !== admin.orgId) {
    throw forbidden(`this token is limited to the org ${admin.orgId}`);
  }
  return admin;
}
