/**
 * Admin access: `Authorization: Bearer <ADMIN_TOKEN>` (every org, every scope).
 */
import type { Context } from "hono";
import { unauthorized } from "../http/errors";
import type { AppEnv } from "../http/openapi";
import { timingSafeEqual } from "./hmac";

export interface AdminPrincipal {
  /** null: every org. */
  orgId: string | null;
  scopes: string[];
  name: string;
}

export async function requireAdmin(c: Context<AppEnv>): Promise<AdminPrincipal> {
  const header = c.req.header("authorization") ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  if (!token) throw unauthorized("an admin token is required");
  const adminToken = c.env.ADMIN_TOKEN;
  if (typeof adminToken === "string" && adminToken.length >= 16 && timingSafeEqual(token, adminToken)) {
    return { orgId: null, scopes: ["*"], name: "ADMIN_TOKEN" };
  }
  throw unauthorized("the admin token is not valid");
}
