/**
 * Budget rules (tokens per org or team, per day or month, with this window's spend) and
 * staff accounts.
 */
import { z } from "zod";
import { Slug } from "../../../shared/config";
import { requireAdmin } from "../../auth/admin";
import { windowOf } from "../../engine/budget";
import { ApiError, notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { randomId } from "../../ids";
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

export function budgetsAndStaffAdmin(api: ApiRoutes): void {
  api.add({ method: "get", path: `${ORG}/budgets`, summary: "Budget rules with this window's spend", tag: "admin", auth: "admin" }, async (c) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "budgets", action: "read", orgId });
    const rules = await c.env.DB.prepare("SELECT id, team, period, limit_tokens AS limitTokens, created_at AS createdAt FROM budget_rules WHERE org_id = ?")
      .bind(orgId)
      .all<{ id: string; period: "day" | "month"; limitTokens: number }>();
    const out = await Promise.all(
      rules.results.map(async (r) => {
        const window = windowOf(r.period);
        const counter = await c.env.DB.prepare("SELECT used, reserved FROM budget_counters WHERE rule_id = ? AND window = ?").bind(r.id, window).first<{ used: number; reserved: number }>();
        return { ...r, window, used: counter?.used ?? 0, reserved: counter?.reserved ?? 0 };
      }),
    );
    return c.json({ rules: out });
  });

  api.add({ method: "post", path: `${ORG}/budgets`, summary: "Add a budget rule", tag: "admin", auth: "admin", body: RuleBody, status: 201 }, async (c, { body }) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "budgets", action: "write", orgId });
    const id = randomId("rule_", 9);
    await c.env.DB.prepare("INSERT INTO budget_rules (id, org_id, team, period, limit_tokens) VALUES (?, ?, ?, ?, ?)").bind(id, orgId, body.team ?? null, body.period, body.limitTokens).run();
    return c.json({ id, ...body }, 201);
  });

  api.add({ method: "delete", path: `${ORG}/budgets/{id}`, summary: "Remove a budget rule", tag: "admin", auth: "admin" }, async (c) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "budgets", action: "write", orgId });
    const res = await c.env.DB.prepare("DELETE FROM budget_rules WHERE id = ? AND org_id = ?").bind(c.req.param("id") ?? "", orgId).run();
    if (!res.meta.changes) throw notFound("budget rule");
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
