/**
 * Shared by the admin routes: the org in the path, checked for shape and existence.
 */
import type { Context } from "hono";
import { Slug } from "../../../shared/config";
import { notFound } from "../../http/errors";
import type { AppEnv } from "../../http/openapi";

export async function orgFromPath(c: Context<AppEnv>): Promise<string> {
  const orgId = c.req.param("orgId") ?? "";
  if (!Slug.safeParse(orgId).success) throw notFound("org");
  const exists = await c.env.DB.prepare("SELECT 1 AS x FROM orgs WHERE id = ?").bind(orgId).first();
  if (!exists) throw notFound("org");
  return orgId;
}

export const ORG = "/api/admin/orgs/{orgId}";
