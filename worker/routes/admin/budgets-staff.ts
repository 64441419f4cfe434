/**
 * Budget rules (tokens per org or team, per day or month, with this window's spend) and
 * staff accounts.
 */
import { z } from "zod";
import { Slug } from "../../../shared/config";
import { requireAdmin } from "../../auth/admin";
import { ApiError, notFound } from "../../http/errors";
import type { Env } from "../../env";
import type { ApiRoutes } from "../../http/openapi";
import { createStaff } from "../../staff/store";
import { ORG, orgFromPath } from "./common";

const RuleBody = z.object({
  period: z.enum(["day", "month"]),
  limitTokens: z.number().int().positive().max(1e12),
  team: Slug.optional(),
});

const StaffBody = z.object({
  email: z.email().max(254),
  name: z.string().min(1).max(120),
  password: z.string().min(8, "password must be at least 8 characters").max(256),
  role: z.enum(["agent", "admin"]).default("agent"),
});

const orgObject = (env: Env, orgId: string) => env.ORG.get(env.ORG.idFromName(orgId));

export function budgetsAndStaffAdmin(api: ApiRoutes): void {
  api.add({ method: "get", path: `${ORG}/budgets`, summary: "Budget rules with this window's spend", tag: "admin", auth: "admin" }, async (c) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "budgets", action: "read", orgId });
    // Rules and counters live in the org's object (see durable/OrgDO.ts).
    return c.json({ rules: await orgObject(c.env, orgId).rules(orgId) });
  });

  api.add({ method: "post", path: `${ORG}/budgets`, summary: "Add a budget rule", tag: "admin", auth: "admin", body: RuleBody, status: 201 }, async (c, { body }) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "budgets", action: "write", orgId });
    const { id } = await orgObject(c.env, orgId).addRule(orgId, { team: body.team ?? null, period: body.period, limitTokens: body.limitTokens });
    return c.json({ id, ...body }, 201);
  });

  api.add({ method: "delete", path: `${ORG}/budgets/{id}`, summary: "Remove a budget rule", tag: "admin", auth: "admin" }, async (c) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "budgets", action: "write", orgId });
    const id = c.req.param("id") ?? "";
    if (id.length > 100 || !(await orgObject(c.env, orgId).deleteRule(orgId, id))) throw notFound("budget rule");
    return c.json({ deleted: true });
  });

  api.add({ method: "get", path: `${ORG}/staff`, summary: "Staff accounts", tag: "admin", auth: "admin" }, async (c) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "staff", action: "read", orgId });
    const rows = await c.env.DB.prepare("SELECT id, email, name, role, created_at AS createdAt FROM staff WHERE org_id = ? ORDER BY created_at").bind(orgId).all();
    return c.json({ staff: rows.results });
  });

  api.add({ method: "post", path: `${ORG}/staff`, summary: "Create a staff account", tag: "admin", auth: "admin", body: StaffBody, status: 201 }, async (c, { body }) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "staff", action: "write", orgId });
    const taken = await c.env.DB.prepare("SELECT 1 AS x FROM staff WHERE email = ?").bind(body.email.toLowerCase()).first();
    if (taken) throw new ApiError(409, "exists", `${body.email} already has an account`);
    return c.json(await createStaff(c.env.DB, { orgId, ...body }), 201);
  });

  api.add({ method: "delete", path: `${ORG}/staff/{id}`, summary: "Delete a staff account (ends its sessions)", tag: "admin", auth: "admin" }, async (c) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "staff", action: "write", orgId });
    const id = c.req.param("id") ?? "";
    const res = await c.env.DB.prepare("DELETE FROM staff WHERE id = ? AND org_id = ?").bind(id, orgId).run();
    if (!res.meta.changes) throw notFound("staff member");
    await c.env.DB.prepare("DELETE FROM staff_sessions WHERE staff_id = ?").bind(id).run();
    return c.json({ deleted: true });
  });
}
