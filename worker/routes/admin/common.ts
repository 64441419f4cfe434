/**
 * Shared by the admin routes: the org in the path, for a caller allowed to act in it.
 */
import type { Context } from "hono";
import { type Action, type AdminPrincipal, authenticateAdmin, requireAdmin, type Resource, seesOrg } from "../../auth/admin";
import { notFound } from "../../http/errors";
import type { AppEnv } from "../../http/openapi";
import { Ids } from "../../http/params";

export const ORG = "/api/admin/orgs/{orgId}";
export const ORG_PARAMS = { orgId: Ids.org };

/**
 * The org of the path, once the caller holds `resource:action` there. An org the caller may
 * not see answers exactly like one that does not exist (404 "org not found").
 */
export async function orgAccess(c: Context<AppEnv>, resource: Resource, action: Action): Promise<{ orgId: string; admin: AdminPrincipal }> {
  const orgId = c.req.param("orgId") ?? "";
  const admin = await requireAdmin(c, { resource, action, orgId });
  const exists = await c.env.DB.prepare("SELECT 1 AS x FROM orgs WHERE id = ?").bind(orgId).first();
  if (!exists) throw notFound("org");
  return { orgId, admin };
}

/**
 * The org of the path when it exists (404 otherwise), for routes that check access with
 * `requireAdmin(c, { …, orgId })` themselves — which answers an org the caller may not see
 * with the same 404. New routes: prefer orgAccess, which does both in that order.
 */
export async function orgFromPath(c: Context<AppEnv>): Promise<string> {
  const orgId = c.req.param("orgId") ?? "";
  if (!Ids.org.safeParse(orgId).success || !seesOrg(await authenticateAdmin(c), orgId)) throw notFound("org");
  const exists = await c.env.DB.prepare("SELECT 1 AS x FROM orgs WHERE id = ?").bind(orgId).first();
  if (!exists) throw notFound("org");
  return orgId;
}
