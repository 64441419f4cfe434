/**
 * Budget rules (tokens per org or team, per day or month, with this window's spend) and
 * staff accounts. A staff email is unique within its org, so creating an account says
 * nothing about other orgs; nobody creates or deletes an account with more admin access
 * than the caller holds (an `owner` needs every scope).
 */
import { z } from "zod";
import { Slug } from "../../../shared/config";
import { NewPassword, StaffRole } from "../../../shared/staff";
import { ROLE_SCOPES, scopesCovered } from "../../auth/admin";
import { revokeStaffTokens } from "../../auth/admin-tokens";
import { passwordProblem } from "../../auth/password";
import type { Env } from "../../env";
import { ApiError, forbidden, notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { Ids } from "../../http/params";
import { createStaff } from "../../staff/store";
import { ORG, ORG_PARAMS, orgAccess } from "./common";

const RuleBody = z.object({
  period: z.enum(["day", "month"]),
  limitTokens: z.number().int().positive().max(1e12),
  team: Slug.optional(),
});
const Rule = z.object({
  id: z.string(),
  team: z.string().nullable().optional(),
  period: z.enum(["day", "month"]),
  limitTokens: z.number(),
  createdAt: z.string().optional(),
});

const StaffBody = z.object({
  email: z.email().max(254),
  name: z.string().min(1).max(120),
  password: NewPassword,
  role: StaffRole.default("agent"),
});
const StaffOut = z.object({ id: z.string(), orgId: z.string(), email: z.string(), name: z.string(), role: StaffRole });

const orgObject = (env: Env, orgId: string) => env.ORG.get(env.ORG.idFromName(orgId));

export function budgetsAndStaffAdmin(api: ApiRoutes): void {
  api.add(
    {
      method: "get",
      path: `${ORG}/budgets`,
      operationId: "listBudgetRules",
      summary: "Budget rules with this window's spend",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      response: z.object({ rules: z.array(Rule.extend({ window: z.string(), used: z.number(), reserved: z.number() })) }),
    },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "budgets", "read");
      // Rules and counters live in the org's object (see durable/OrgDO.ts).
      return reply({ rules: await orgObject(c.env, orgId).rules(orgId) });
    },
  );

  api.add(
    { method: "post", path: `${ORG}/budgets`, operationId: "createBudgetRule", summary: "Add a budget rule", tag: "admin", auth: "admin", params: ORG_PARAMS, body: RuleBody, status: 201, response: Rule },
    async (c, { body, reply }) => {
      const { orgId } = await orgAccess(c, "budgets", "write");
      const { id } = await orgObject(c.env, orgId).addRule(orgId, { team: body.team ?? null, period: body.period, limitTokens: body.limitTokens });
      return reply({ id, ...body });
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/budgets/{id}`,
      operationId: "deleteBudgetRule",
      summary: "Remove a budget rule",
      tag: "admin",
      auth: "admin",
      params: { ...ORG_PARAMS, id: Ids.budgetRule },
      response: z.object({ deleted: z.boolean() }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "budgets", "write");
      if (!(await orgObject(c.env, orgId).deleteRule(orgId, params.id))) throw notFound("budget rule");
      return reply({ deleted: true });
    },
  );

  api.add(
    {
      method: "get",
      path: `${ORG}/staff`,
      operationId: "listStaff",
      summary: "Staff accounts",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      response: z.object({ staff: z.array(StaffOut.omit({ orgId: true }).extend({ createdAt: z.string() })) }),
    },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "staff", "read");
      const rows = await c.env.DB.prepare("SELECT id, email, name, role, created_at AS createdAt FROM staff WHERE org_id = ? ORDER BY created_at")
        .bind(orgId)
        .all<{ id: string; email: string; name: string; role: StaffRole; createdAt: string }>();
      return reply({ staff: rows.results });
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/staff`,
      operationId: "createStaff",
      summary: "Create a staff account (role owner, admin or agent; a password of 10+ characters that is not a common one)",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      body: StaffBody,
      status: 201,
      response: StaffOut,
      errors: [409],
    },
    async (c, { body, reply }) => {
      const { orgId, admin } = await orgAccess(c, "staff", "write");
      if (!scopesCovered(admin.scopes, ROLE_SCOPES[body.role])) throw forbidden(`these credentials cannot create an ${body.role}: it would hold more than they do`);
      const weak = passwordProblem(body.password, body.email);
      if (weak) throw new ApiError(400, "weak_password", weak);
      // Unique within the org: the same person may work for several orgs.
      const taken = await c.env.DB.prepare("SELECT 1 AS x FROM staff WHERE org_id = ? AND email = ?").bind(orgId, body.email.toLowerCase()).first();
      if (taken) throw new ApiError(409, "exists", `${body.email} already has an account in this org`);
      return reply(await createStaff(c.env.DB, { orgId, ...body }));
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/staff/{id}`,
      operationId: "deleteStaff",
      summary: "Delete a staff account (ends its sessions and revokes the tokens it issued)",
      tag: "admin",
      auth: "admin",
      params: { ...ORG_PARAMS, id: Ids.staff },
      response: z.object({ deleted: z.boolean() }),
    },
    async (c, { params, reply }) => {
      const { orgId, admin } = await orgAccess(c, "staff", "write");
      const row = await c.env.DB.prepare("SELECT role FROM staff WHERE id = ? AND org_id = ?").bind(params.id, orgId).first<{ role: StaffRole }>();
      if (!row) throw notFound("staff member");
      if (!scopesCovered(admin.scopes, ROLE_SCOPES[row.role])) throw forbidden(`these credentials cannot delete an ${row.role}`);
      await c.env.DB.prepare("DELETE FROM staff_sessions WHERE staff_id = ?").bind(params.id).run();
      await c.env.DB.prepare("DELETE FROM staff WHERE id = ? AND org_id = ?").bind(params.id, orgId).run();
      await revokeStaffTokens(c.env.DB, params.id);
      return reply({ deleted: true });
    },
  );
}
