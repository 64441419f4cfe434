/**
 * Orgs and issued admin tokens. A token is `sbat_<id>_<secret>`, shown once; D1 keeps its
 * SHA-256. A token can only mint tokens narrower than itself, in its own org.
 */
import { z } from "zod";
import { Slug } from "../../../shared/config";
import { RESOURCES, requireAdmin, scopesCovered } from "../../auth/admin";
import { sha256Hex } from "../../auth/hmac";
import { ApiError, forbidden, notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { randomId } from "../../ids";

const Scope = z
  .string()
  .refine((s) => s === "*" || new RegExp(`^(\\*|${RESOURCES.join("|")}):(\\*|read|write)$`).test(s), "scopes look like agents:write, knowledge:*, *:read or *");

const CreateToken = z.object({
  name: z.string().min(1).max(80),
  orgId: Slug.nullable().optional(),
  scopes: z.array(Scope).min(1).max(32),
});

const CreateOrg = z.object({ id: Slug, name: z.string().min(1).max(120) });

export function orgsAndTokens(api: ApiRoutes): void {
  api.add({ method: "get", path: "/api/admin/orgs", summary: "Orgs this token can see", tag: "admin" , auth: "admin" }, async (c) => {
    const admin = await requireAdmin(c);
    const rows = admin.orgId
      ? await c.env.DB.prepare("SELECT id, name, created_at FROM orgs WHERE id = ?").bind(admin.orgId).all()
      : await c.env.DB.prepare("SELECT id, name, created_at FROM orgs ORDER BY created_at").all();
    return c.json({ orgs: rows.results });
  });

  api.add({ method: "post", path: "/api/admin/orgs", summary: "Create an org (ADMIN_TOKEN or an all-org token)", tag: "admin", auth: "admin", body: CreateOrg, status: 201 }, async (c, { body }) => {
    const admin = await requireAdmin(c, { resource: "sites", action: "write" });
    if (admin.orgId) throw forbidden("a token limited to one org cannot create orgs");
    const res = await c.env.DB.prepare("INSERT OR IGNORE INTO orgs (id, name) VALUES (?, ?)").bind(body.id, body.name).run();
    if (!res.meta.changes) throw new ApiError(409, "exists", `the org ${body.id} exists`);
    return c.json({ id: body.id, name: body.name }, 201);
  });

  api.add({ method: "get", path: "/api/admin/tokens", summary: "Issued admin tokens (never their secrets)", tag: "admin", auth: "admin" }, async (c) => {
    const admin = await requireAdmin(c, { resource: "tokens", action: "read" });
    const rows = await c.env.DB.prepare(
      `SELECT id, name, org_id AS orgId, scopes, created_by AS createdBy, created_at AS createdAt, last_used_at AS lastUsedAt FROM admin_tokens
       ${admin.orgId ? "WHERE org_id = ?" : ""} ORDER BY created_at`,
    )
      .bind(...(admin.orgId ? [admin.orgId] : []))
      .all<{ scopes: string }>();
    return c.json({ tokens: rows.results.map((r) => ({ ...r, scopes: JSON.parse(r.scopes) })) });
  });

  api.add(
    { method: "post", path: "/api/admin/tokens", summary: "Issue a token (its value is returned once)", tag: "admin", auth: "admin", body: CreateToken, status: 201 },
    async (c, { body }) => {
      const admin = await requireAdmin(c, { resource: "tokens", action: "write" });
      const orgId = body.orgId ?? null;
      if (admin.orgId && orgId !== admin.orgId) throw forbidden(`this token can only issue tokens for the org ${admin.orgId}`);
      if (!scopesCovered(admin.scopes, body.scopes)) throw forbidden("a token cannot issue scopes it does not hold");
      if (orgId && !(await c.env.DB.prepare("SELECT 1 AS x FROM orgs WHERE id = ?").bind(orgId).first())) throw notFound("org");
      const id = randomId("tok_", 9);
      const token = `sbat_${id.slice(4)}_${randomId("", 24)}`;
      await c.env.DB.prepare("INSERT INTO admin_tokens (id, name, token_hash, org_id, scopes, created_by) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(id, body.name, await sha256Hex(token), orgId, JSON.stringify(body.scopes), admin.name)
        .run();
      return c.json({ id, name: body.name, orgId, scopes: body.scopes, token }, 201);
    },
  );

  api.add({ method: "delete", path: "/api/admin/tokens/{id}", summary: "Revoke a token", tag: "admin", auth: "admin" }, async (c) => {
    const admin = await requireAdmin(c, { resource: "tokens", action: "write" });
    const id = c.req.param("id") ?? "";
    const row = await c.env.DB.prepare("SELECT org_id, scopes FROM admin_tokens WHERE id = ?").bind(id).first<{ org_id: string | null; scopes: string }>();
    if (!row || (admin.orgId && row.org_id !== admin.orgId)) throw notFound("token");
    // Revoking is as strong as issuing: only tokens this one could have made.
    if (!scopesCovered(admin.scopes, JSON.parse(row.scopes) as string[])) throw forbidden("a token cannot revoke a token with scopes it does not hold");
    await c.env.DB.prepare("DELETE FROM admin_tokens WHERE id = ?").bind(id).run();
    return c.json({ deleted: true });
  });
}
