/**
 * Orgs, issued admin tokens (auth/admin-tokens.ts) and the audit trail. A caller can only
 * mint tokens narrower than itself, in its own org; a token dies with the one that issued it.
 */
import { z } from "zod";
import { Slug } from "../../../shared/config";
import { type AdminPrincipal, RESOURCES, requireAdmin, scopesCovered, seesOrg } from "../../auth/admin";
import { issueToken, revokeTokenTree } from "../../auth/admin-tokens";
import { AUDIT_ORG } from "../../auth/audit";
import { ApiError, forbidden, notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { Ids } from "../../http/params";

const Scope = z
  .string()
  .max(64)
  .refine((s) => s === "*" || new RegExp(`^(\\*|${RESOURCES.join("|")}):(\\*|read|write)$`).test(s), "scopes look like agents:write, knowledge:*, *:read or *");

const CreateToken = z.object({
  name: z.string().min(1).max(80),
  orgId: Slug.nullable().optional(),
  scopes: z.array(Scope).min(1).max(32),
});

const CreateOrg = z.object({ id: Slug, name: z.string().min(1).max(120) });

const Org = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });
const TokenInfo = z.object({
  id: z.string(),
  name: z.string(),
  orgId: z.string().nullable(),
  scopes: z.array(z.string()),
  createdBy: z.string(),
  parentId: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
const AuditEntry = z.object({
  id: z.string(),
  orgId: z.string().nullable(),
  actor: z.string(),
  actorKind: z.enum(["platform", "token", "staff"]),
  action: z.string(),
  method: z.string(),
  path: z.string(),
  status: z.number(),
  createdAt: z.string(),
});

/** Only a caller with no org limit creates orgs and sees platform-wide records. */
const platformWide = (admin: AdminPrincipal) => admin.orgId === null;

export function orgsAndTokens(api: ApiRoutes): void {
  api.add(
    { method: "get", path: "/api/admin/orgs", operationId: "listOrgs", summary: "Orgs these credentials can see", tag: "admin", auth: "admin", response: z.object({ orgs: z.array(Org) }) },
    async (c, { reply }) => {
      const admin = await requireAdmin(c);
      const select = "SELECT id, name, created_at AS createdAt FROM orgs";
      const rows = admin.orgId ? await c.env.DB.prepare(`${select} WHERE id = ?`).bind(admin.orgId).all<z.infer<typeof Org>>() : await c.env.DB.prepare(`${select} ORDER BY created_at`).all<z.infer<typeof Org>>();
      return reply({ orgs: rows.results });
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/admin/orgs",
      operationId: "createOrg",
      summary: "Create an org (ADMIN_TOKEN or an all-org token)",
      tag: "admin",
      auth: "admin",
      body: CreateOrg,
      status: 201,
      response: Org.omit({ createdAt: true }),
      errors: [409],
    },
    async (c, { body, reply }) => {
      const admin = await requireAdmin(c, { resource: "sites", action: "write" });
      if (!platformWide(admin)) throw forbidden("credentials limited to one org cannot create orgs");
      const res = await c.env.DB.prepare("INSERT OR IGNORE INTO orgs (id, name) VALUES (?, ?)").bind(body.id, body.name).run();
      if (!res.meta.changes) throw new ApiError(409, "exists", `the org ${body.id} exists`);
      c.set(AUDIT_ORG, body.id);
      return reply({ id: body.id, name: body.name });
    },
  );

  api.add(
    { method: "get", path: "/api/admin/tokens", operationId: "listTokens", summary: "Issued admin tokens (never their secrets)", tag: "admin", auth: "admin", response: z.object({ tokens: z.array(TokenInfo) }) },
    async (c, { reply }) => {
      const admin = await requireAdmin(c, { resource: "tokens", action: "read" });
      const rows = await c.env.DB.prepare(
        `SELECT id, name, org_id AS orgId, scopes, created_by AS createdBy, parent_id AS parentId, created_at AS createdAt, last_used_at AS lastUsedAt FROM admin_tokens
         ${admin.orgId ? "WHERE org_id = ?" : ""} ORDER BY created_at`,
      )
        .bind(...(admin.orgId ? [admin.orgId] : []))
        .all<z.infer<typeof TokenInfo> & { scopes: string }>();
      return reply({ tokens: rows.results.map((r) => ({ ...r, scopes: JSON.parse(r.scopes) as string[] })) });
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/admin/tokens",
      operationId: "createToken",
      summary: "Issue a token (its value is returned once); it is revoked with the credential that issued it",
      tag: "admin",
      auth: "admin",
      body: CreateToken,
      status: 201,
      response: z.object({ id: z.string(), name: z.string(), orgId: z.string().nullable(), scopes: z.array(z.string()), token: z.string() }),
    },
    async (c, { body, reply }) => {
      const admin = await requireAdmin(c, { resource: "tokens", action: "write" });
      const orgId = body.orgId ?? null;
      if (admin.orgId && orgId !== admin.orgId) throw forbidden(`these credentials can only issue tokens for the org ${admin.orgId}`);
      if (!scopesCovered(admin.scopes, body.scopes)) throw forbidden("nobody can issue scopes it does not hold");
      if (orgId && !(await c.env.DB.prepare("SELECT 1 AS x FROM orgs WHERE id = ?").bind(orgId).first())) throw notFound("org");
      const { id, token } = await issueToken(c.env.DB, admin, { name: body.name, orgId, scopes: body.scopes });
      if (orgId) c.set(AUDIT_ORG, orgId);
      return reply({ id, name: body.name, orgId, scopes: body.scopes, token });
    },
  );

  api.add(
    {
      method: "delete",
      path: "/api/admin/tokens/{id}",
      operationId: "revokeToken",
      summary: "Revoke a token and every token issued under it",
      tag: "admin",
      auth: "admin",
      params: { id: Ids.token },
      response: z.object({ deleted: z.boolean(), revoked: z.number() }),
    },
    async (c, { params, reply }) => {
      const admin = await requireAdmin(c, { resource: "tokens", action: "write" });
      const row = await c.env.DB.prepare("SELECT org_id, scopes FROM admin_tokens WHERE id = ?").bind(params.id).first<{ org_id: string | null; scopes: string }>();
      if (!row || (admin.orgId && row.org_id !== admin.orgId)) throw notFound("token");
      // Revoking is as strong as issuing: only tokens these credentials could have made.
      if (!scopesCovered(admin.scopes, JSON.parse(row.scopes) as string[])) throw forbidden("nobody can revoke a token with scopes it does not hold");
      if (row.org_id) c.set(AUDIT_ORG, row.org_id);
      return reply({ deleted: true, revoked: await revokeTokenTree(c.env.DB, params.id) });
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/admin/audit",
      operationId: "listAuditLog",
      summary: "The audit trail of admin writes (newest first): an org's, or with platform credentials every org's",
      tag: "admin",
      auth: "admin",
      query: z.object({ org: Slug.optional(), before: z.string().max(40).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: z.object({ entries: z.array(AuditEntry) }),
    },
    async (c, { query, reply }) => {
      const admin = await requireAdmin(c, { resource: "audit", action: "read" });
      if (query.org && !seesOrg(admin, query.org)) throw notFound("org");
      const org = query.org ?? admin.orgId;
      const rows = await c.env.DB.prepare(
        `SELECT id, org_id AS orgId, actor, actor_kind AS actorKind, action, method, path, status, created_at AS createdAt FROM audit_log
         WHERE (?1 IS NULL OR org_id = ?1) AND (?2 IS NULL OR created_at < ?2) ORDER BY created_at DESC, rowid DESC LIMIT ?3`,
      )
        .bind(org ?? null, query.before ?? null, query.limit)
        .all<z.infer<typeof AuditEntry>>();
      return reply({ entries: rows.results });
    },
  );
}
