/**
 * What a support team works with besides the conversation itself: handing a conversation to
 * a colleague or a team, labels, the visitor's other conversations, being away, who is
 * there (colleagues, teams, sites), and canned replies. Reads are scoped to the staff
 * member's org; writes pass the CSRF checks like every staff write.
 */
import type { Context } from "hono";
import { z } from "zod";
import { ConversationStatus } from "../../shared/protocol";
import {
  CannedReply,
  CannedReplyBody,
  CannedReplyId,
  Colleague,
  ConversationSummary,
  Label,
  LabelsBody,
  Presence,
  PresenceBody,
  ReassignBody,
  Team,
  type StaffMember,
} from "../../shared/staff";
import { requireStaff } from "../auth/staff-session";
import type { ReassignTarget } from "../durable/rpc";
import { ApiError, forbidden, notFound } from "../http/errors";
import type { ApiRoutes, AppEnv } from "../http/openapi";
import { Ids } from "../http/params";
import { createCannedReply, deleteCannedReply, getCannedReply, listCannedReplies, updateCannedReply } from "../inbox/canned-replies";
import { listLabels, unknownLabels } from "../inbox/labels";
import { capacityOf, readSettings } from "../inbox/settings";
import { getTeam, listTeams } from "../inbox/teams";
import { toSummary } from "../org/conversation-index";
import { answer, staffConversation, takeoverContext } from "./staff-common";

const CONVERSATION = { id: Ids.conversation };
const inboxOf = (c: Context<AppEnv>, orgId: string) => c.env.INBOX.get(c.env.INBOX.idFromName(orgId));

/** Owners and admins edit any canned reply; an agent, the ones they wrote. */
function mayEdit(staff: StaffMember, reply: CannedReply): boolean {
  return staff.role === "owner" || staff.role === "admin" || reply.createdBy === staff.id;
}

export function staffInboxApi(api: ApiRoutes): void {
  api.add(
    {
      method: "post",
      path: "/api/staff/conversations/{id}/reassign",
      operationId: "staffReassignConversation",
      summary:
        "Hand the conversation to a colleague (`staffId`: they hold it from now on) or to a team (`teamId`: it waits in that team's queue). Whoever holds it, owners and admins may; agents as for a take over",
      tag: "staff",
      auth: "staff",
      params: CONVERSATION,
      body: ReassignBody,
      response: z.object({ status: ConversationStatus }),
      errors: [403, 409],
    },
    async (c, { body, reply }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const { stub } = staffConversation(c);
      let target: ReassignTarget;
      if (body.staffId) {
        const row = await c.env.DB.prepare("SELECT id, name FROM staff WHERE id = ? AND org_id = ?").bind(body.staffId, staff.orgId).first<{ id: string; name: string }>();
        if (!row) throw new ApiError(400, "unknown_staff", "no such colleague in your org");
        target = { staff: row };
      } else {
        const team = await getTeam(c.env.DB, staff.orgId, body.teamId ?? "");
        if (!team) throw new ApiError(400, "unknown_team", "no such team in your org");
        target = { team: { id: team.id, name: team.name } };
      }
      return reply(answer(await stub.reassign(staff, target, await takeoverContext(c, staff))));
    },
  );

  api.add(
    {
      method: "put",
      path: "/api/staff/conversations/{id}/labels",
      operationId: "staffSetLabels",
      summary: "Replace the conversation's labels (each one of the org's labels)",
      tag: "staff",
      auth: "staff",
      params: CONVERSATION,
      body: LabelsBody,
      response: z.object({ labels: z.array(z.string()) }),
    },
    async (c, { body, reply }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const { stub } = staffConversation(c);
      const unknown = await unknownLabels(c.env.DB, staff.orgId, [...new Set(body.labels)]);
      if (unknown.length) throw new ApiError(400, "unknown_label", `not one of your org's labels: ${unknown.join(", ")}`);
      const labels = await stub.setLabels(staff, body.labels);
      if (!labels) throw notFound("conversation");
      return reply({ labels });
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/staff/conversations/{id}/history",
      operationId: "staffVisitorHistory",
      summary: "The visitor's other conversations, newest first: by verified user id, else email, else the widget's visitor id (matchedBy)",
      tag: "staff",
      auth: "staff",
      params: CONVERSATION,
      response: z.object({ matchedBy: z.enum(["user", "email", "visitor"]).nullable(), conversations: z.array(ConversationSummary) }),
    },
    async (c, { params, reply }) => {
      const { staff } = await requireStaff(c, { mutating: false });
      // The org's index answers only for its own conversations.
      const found = await inboxOf(c, staff.orgId).history(staff.orgId, params.id, 50);
      if (!found) throw notFound("conversation");
      return reply({ matchedBy: found.matchedBy, conversations: found.entries.map(toSummary) });
    },
  );

  api.add(
    {
      method: "put",
      path: "/api/staff/presence",
      operationId: "staffSetPresence",
      summary: "Say you are available or away (away: no new conversations; with auto-assignment on, yours go to colleagues)",
      tag: "staff",
      auth: "staff",
      body: PresenceBody,
      response: z.object({ presence: Presence }),
    },
    async (c, { body, reply }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      return reply({ presence: await inboxOf(c, staff.orgId).setAway(staff.orgId, staff.id, body.status === "away") });
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/staff/directory",
      operationId: "staffDirectory",
      summary: "Your colleagues (presence, conversations held, capacity) and your org's sites: who and where to hand a conversation to, and the filter bar's choices",
      tag: "staff",
      auth: "staff",
      response: z.object({ colleagues: z.array(Colleague), sites: z.array(z.object({ key: z.string(), name: z.string() })), autoAssign: z.boolean() }),
    },
    async (c, { reply }) => {
      const { staff } = await requireStaff(c, { mutating: false });
      const [people, sites, settings, presence] = await Promise.all([
        c.env.DB.prepare("SELECT id, name, role FROM staff WHERE org_id = ? ORDER BY name").bind(staff.orgId).all<{ id: string; name: string; role: Colleague["role"] }>(),
        c.env.DB.prepare("SELECT key, name FROM sites WHERE org_id = ? ORDER BY name").bind(staff.orgId).all<{ key: string; name: string }>(),
        readSettings(c.env.DB, staff.orgId),
        inboxOf(c, staff.orgId).presence(staff.orgId),
      ]);
      const byId = new Map(presence.map((p) => [p.staffId, p]));
      return reply({
        colleagues: people.results.map((p) => ({
          ...p,
          presence: byId.get(p.id)?.presence ?? "offline",
          open: byId.get(p.id)?.open ?? 0,
          capacity: capacityOf(settings, p.id),
        })),
        sites: sites.results,
        autoAssign: settings.autoAssign,
      });
    },
  );

  api.add(
    { method: "get", path: "/api/staff/teams", operationId: "staffListTeams", summary: "Your org's teams: members and the sites they take", tag: "staff", auth: "staff", response: z.object({ teams: z.array(Team) }) },
    async (c, { reply }) => {
      const { staff } = await requireStaff(c, { mutating: false });
      return reply({ teams: await listTeams(c.env.DB, staff.orgId) });
    },
  );

  api.add(
    { method: "get", path: "/api/staff/labels", operationId: "staffListLabels", summary: "Your org's labels", tag: "staff", auth: "staff", response: z.object({ labels: z.array(Label) }) },
    async (c, { reply }) => {
      const { staff } = await requireStaff(c, { mutating: false });
      return reply({ labels: await listLabels(c.env.DB, staff.orgId) });
    },
  );

  // ---- canned replies ---------------------------------------------------------------------------

  api.add(
    {
      method: "get",
      path: "/api/staff/canned-replies",
      operationId: "staffListCannedReplies",
      summary: "Your org's canned replies (type / or # and the shortcut in the composer)",
      tag: "staff",
      auth: "staff",
      response: z.object({ cannedReplies: z.array(CannedReply) }),
    },
    async (c, { reply }) => {
      const { staff } = await requireStaff(c, { mutating: false });
      return reply({ cannedReplies: await listCannedReplies(c.env.DB, staff.orgId) });
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/staff/canned-replies",
      operationId: "staffCreateCannedReply",
      summary: "Add a canned reply (any staff member; the shortcut is unique in the org)",
      tag: "staff",
      auth: "staff",
      body: CannedReplyBody,
      status: 201,
      response: CannedReply,
      errors: [409],
    },
    async (c, { body, reply }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const created = await createCannedReply(c.env.DB, staff.orgId, body, staff.id);
      if (!created) throw new ApiError(409, "shortcut_taken", `the shortcut ${body.shortcut} is taken`);
      return reply(created);
    },
  );

  api.add(
    {
      method: "put",
      path: "/api/staff/canned-replies/{id}",
      operationId: "staffUpdateCannedReply",
      summary: "Change a canned reply (its author, owners and admins)",
      tag: "staff",
      auth: "staff",
      params: { id: CannedReplyId },
      body: CannedReplyBody,
      response: CannedReply,
      errors: [403, 409],
    },
    async (c, { params, body, reply }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const current = await getCannedReply(c.env.DB, staff.orgId, params.id);
      if (!current) throw notFound("canned reply");
      if (!mayEdit(staff, current)) throw forbidden("only its author, owners and admins change a canned reply");
      const updated = await updateCannedReply(c.env.DB, staff.orgId, params.id, body);
      if (updated === "missing") throw notFound("canned reply");
      if (updated === "taken") throw new ApiError(409, "shortcut_taken", `the shortcut ${body.shortcut} is taken`);
      return reply(updated);
    },
  );

  api.add(
    {
      method: "delete",
      path: "/api/staff/canned-replies/{id}",
      operationId: "staffDeleteCannedReply",
      summary: "Remove a canned reply (its author, owners and admins)",
      tag: "staff",
      auth: "staff",
      params: { id: CannedReplyId },
      response: z.object({ deleted: z.boolean() }),
      errors: [403],
    },
    async (c, { params, reply }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const current = await getCannedReply(c.env.DB, staff.orgId, params.id);
      if (!current) throw notFound("canned reply");
      if (!mayEdit(staff, current)) throw forbidden("only its author, owners and admins remove a canned reply");
      await deleteCannedReply(c.env.DB, staff.orgId, params.id);
      return reply({ deleted: true });
    },
  );
}
