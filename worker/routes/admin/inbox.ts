/**
 * How an org's support inbox works: teams (members, and the sites whose conversations go to
 * each), assignment settings (round robin on or off, capacity per agent, when an agent may
 * take over, when a closed inbox counts as away), canned replies and labels. Teams and
 * settings are `staff` scopes (they are about people); canned replies and labels are
 * `conversations` scopes. Every change is told to the org's inbox object, which assigns
 * with the new rules at once.
 */
import type { Context } from "hono";
import { z } from "zod";
import { CannedReply, CannedReplyBody, CannedReplyId, Label, LabelColor, LabelName, Team, TeamId } from "../../../shared/staff";
import { ApiError, notFound } from "../../http/errors";
import type { ApiRoutes, AppEnv } from "../../http/openapi";
import { createCannedReply, deleteCannedReply, listCannedReplies, updateCannedReply } from "../../inbox/canned-replies";
import { createLabel, deleteLabel, listLabels } from "../../inbox/labels";
import { InboxSettings, readSettings, writeSettings } from "../../inbox/settings";
import { deleteTeam, getTeam, listTeams, putTeam, teamProblem } from "../../inbox/teams";
import { ORG, ORG_PARAMS, orgAccess } from "./common";

const StaffIds = z.array(z.string().max(80).regex(/^st_[A-Za-z0-9_-]{1,64}$/, "a staff id (st_…)")).max(200);
const SiteKeys = z.array(z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9_-]*$/, "a site key")).max(100);
const TeamFields = z.object({
  name: z.string().trim().min(1).max(120),
  memberIds: StaffIds.default([]),
  siteKeys: SiteKeys.default([]),
});
const NewTeam = TeamFields.extend({ id: TeamId });
const TEAM_PARAMS = { ...ORG_PARAMS, teamId: TeamId };

/** Tells the org's inbox object that teams or settings changed (it reads them again and assigns). */
const changed = (c: Context<AppEnv>, orgId: string) => c.env.INBOX.get(c.env.INBOX.idFromName(orgId)).configChanged(orgId);

async function saveTeam(c: Context<AppEnv>, orgId: string, team: Team): Promise<Team> {
  const unique = { ...team, memberIds: [...new Set(team.memberIds)], siteKeys: [...new Set(team.siteKeys)] };
  const problem = await teamProblem(c.env.DB, orgId, unique);
  if (problem) throw new ApiError(problem.code === "site_taken" ? 409 : 400, problem.code, problem.message);
  await putTeam(c.env.DB, orgId, unique);
  await changed(c, orgId);
  return (await getTeam(c.env.DB, orgId, team.id)) ?? unique;
}

export function inboxAdmin(api: ApiRoutes): void {
  // ---- teams ----------------------------------------------------------------------------------
  api.add(
    { method: "get", path: `${ORG}/teams`, operationId: "listTeams", summary: "Teams: members and the sites they take", tag: "admin", auth: "admin", params: ORG_PARAMS, response: z.object({ teams: z.array(Team) }) },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "staff", "read");
      return reply({ teams: await listTeams(c.env.DB, orgId) });
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/teams`,
      operationId: "createTeam",
      summary: "Create a team (members: staff of the org; sites: each goes to one team's queue)",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      body: NewTeam,
      status: 201,
      response: Team,
      errors: [409],
    },
    async (c, { body, reply }) => {
      const { orgId } = await orgAccess(c, "staff", "write");
      if (await getTeam(c.env.DB, orgId, body.id)) throw new ApiError(409, "exists", `team ${body.id} exists`);
      return reply(await saveTeam(c, orgId, body));
    },
  );

  api.add(
    { method: "get", path: `${ORG}/teams/{teamId}`, operationId: "getTeam", summary: "A team", tag: "admin", auth: "admin", params: TEAM_PARAMS, response: Team },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "staff", "read");
      const team = await getTeam(c.env.DB, orgId, params.teamId);
      if (!team) throw notFound("team");
      return reply(team);
    },
  );

  api.add(
    {
      method: "put",
      path: `${ORG}/teams/{teamId}`,
      operationId: "updateTeam",
      summary: "Replace a team's name, members and sites",
      tag: "admin",
      auth: "admin",
      params: TEAM_PARAMS,
      body: TeamFields,
      response: Team,
      errors: [409],
    },
    async (c, { params, body, reply }) => {
      const { orgId } = await orgAccess(c, "staff", "write");
      if (!(await getTeam(c.env.DB, orgId, params.teamId))) throw notFound("team");
      return reply(await saveTeam(c, orgId, { id: params.teamId, ...body }));
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/teams/{teamId}`,
      operationId: "deleteTeam",
      summary: "Delete a team (its conversations go back to everyone's queue)",
      tag: "admin",
      auth: "admin",
      params: TEAM_PARAMS,
      response: z.object({ deleted: z.boolean() }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "staff", "write");
      if (!(await deleteTeam(c.env.DB, orgId, params.teamId))) throw notFound("team");
      await changed(c, orgId);
      return reply({ deleted: true });
    },
  );

  // ---- assignment settings ----------------------------------------------------------------------
  api.add(
    {
      method: "get",
      path: `${ORG}/inbox-settings`,
      operationId: "getInboxSettings",
      summary: "How the inbox assigns: round robin on or off, capacity per agent, takeover time, offline grace",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      response: InboxSettings,
    },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "staff", "read");
      return reply(await readSettings(c.env.DB, orgId));
    },
  );

  api.add(
    {
      method: "put",
      path: `${ORG}/inbox-settings`,
      operationId: "updateInboxSettings",
      summary: "Change how the inbox assigns (fields left out keep their value; capacities replace the list)",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      body: InboxSettings.partial(),
      response: InboxSettings,
    },
    async (c, { body, reply }) => {
      const { orgId } = await orgAccess(c, "staff", "write");
      const next = { ...(await readSettings(c.env.DB, orgId)), ...body };
      const ids = Object.keys(next.capacities);
      if (ids.length > 200) throw new ApiError(400, "invalid_request", "capacities: at most 200 agents");
      if (ids.length) {
        const found = await c.env.DB.prepare(`SELECT id FROM staff WHERE org_id = ? AND id IN (${ids.map(() => "?").join(", ")})`)
          .bind(orgId, ...ids)
          .all<{ id: string }>();
        const known = new Set(found.results.map((r) => r.id));
        const missing = ids.find((id) => !known.has(id));
        if (missing) throw new ApiError(400, "unknown_staff", `no staff member ${missing} in this org`);
      }
      await writeSettings(c.env.DB, orgId, next);
      await changed(c, orgId);
      return reply(next);
    },
  );

  // ---- canned replies ---------------------------------------------------------------------------
  api.add(
    {
      method: "get",
      path: `${ORG}/canned-replies`,
      operationId: "listCannedReplies",
      summary: "Canned replies",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      response: z.object({ cannedReplies: z.array(CannedReply) }),
    },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "conversations", "read");
      return reply({ cannedReplies: await listCannedReplies(c.env.DB, orgId) });
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/canned-replies`,
      operationId: "createCannedReply",
      summary: "Add a canned reply (a unique shortcut, a title, the text)",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      body: CannedReplyBody,
      status: 201,
      response: CannedReply,
      errors: [409],
    },
    async (c, { body, reply }) => {
      const { orgId, admin } = await orgAccess(c, "conversations", "write");
      const created = await createCannedReply(c.env.DB, orgId, body, admin.staffId);
      if (!created) throw new ApiError(409, "shortcut_taken", `the shortcut ${body.shortcut} is taken`);
      return reply(created);
    },
  );

  api.add(
    {
      method: "put",
      path: `${ORG}/canned-replies/{id}`,
      operationId: "updateCannedReply",
      summary: "Change a canned reply",
      tag: "admin",
      auth: "admin",
      params: { ...ORG_PARAMS, id: CannedReplyId },
      body: CannedReplyBody,
      response: CannedReply,
      errors: [409],
    },
    async (c, { params, body, reply }) => {
      const { orgId } = await orgAccess(c, "conversations", "write");
      const updated = await updateCannedReply(c.env.DB, orgId, params.id, body);
      if (updated === "missing") throw notFound("canned reply");
      if (updated === "taken") throw new ApiError(409, "shortcut_taken", `the shortcut ${body.shortcut} is taken`);
      return reply(updated);
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/canned-replies/{id}`,
      operationId: "deleteCannedReply",
      summary: "Remove a canned reply",
      tag: "admin",
      auth: "admin",
      params: { ...ORG_PARAMS, id: CannedReplyId },
      response: z.object({ deleted: z.boolean() }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "conversations", "write");
      if (!(await deleteCannedReply(c.env.DB, orgId, params.id))) throw notFound("canned reply");
      return reply({ deleted: true });
    },
  );

  // ---- labels -------------------------------------------------------------------------------------
  api.add(
    { method: "get", path: `${ORG}/labels`, operationId: "listLabels", summary: "Labels staff may put on conversations", tag: "admin", auth: "admin", params: ORG_PARAMS, response: z.object({ labels: z.array(Label) }) },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "conversations", "read");
      return reply({ labels: await listLabels(c.env.DB, orgId) });
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/labels`,
      operationId: "createLabel",
      summary: "Add a label (lowercase; a colour)",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      body: z.object({ name: LabelName, color: LabelColor.default("gray") }),
      status: 201,
      response: Label,
      errors: [409],
    },
    async (c, { body, reply }) => {
      const { orgId } = await orgAccess(c, "conversations", "write");
      if (!(await createLabel(c.env.DB, orgId, body))) throw new ApiError(409, "exists", `the label ${body.name} exists`);
      return reply(body);
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/labels/{name}`,
      operationId: "deleteLabel",
      summary: "Remove a label (conversations that have it keep it; nobody can add it any more)",
      tag: "admin",
      auth: "admin",
      params: { ...ORG_PARAMS, name: LabelName },
      response: z.object({ deleted: z.boolean() }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "conversations", "write");
      if (!(await deleteLabel(c.env.DB, orgId, params.name))) throw notFound("label");
      return reply({ deleted: true });
    },
  );
}
