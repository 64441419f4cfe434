/**
 * The support inbox's API, for signed-in staff (session cookie). Every read is scoped to
 * the staff member's org; every write also passes the CSRF checks. The conversation's
 * Durable Object does the actual change, one call at a time, which is what makes a claim
 * atomic.
 */
import type { Context } from "hono";
import { z } from "zod";
import { ConversationStatus, StoredMessage } from "../../shared/protocol";
import {
  ConversationDetail,
  ConversationHit,
  LabelName,
  LoginBody,
  Note,
  PasswordChangeBody,
  StaffNoteBody,
  StaffReplyBody,
  StaffSessionInfo,
  TeamId,
  type StaffMember,
} from "../../shared/staff";
import { clearFailures, lockedFor, recordFailure } from "../auth/login-lockout";
import { burnPasswordCheck, passwordProblem, verifyPassword } from "../auth/password";
import { createSession, endOtherSessions, endSession, requireStaff, sameOrigin, sessionCookie } from "../auth/staff-session";
import type { IndexQuery, StaffResult } from "../durable/rpc";
import { ApiError, forbidden, notFound, unauthorized } from "../http/errors";
import { clientIp, limitIp, tooMany } from "../http/rate-limit";
import type { ApiRoutes, AppEnv } from "../http/openapi";
import { Ids } from "../http/params";
import { toSummary } from "../org/conversation-index";
import { findStaffByEmail, findStaffById, setStaffPassword, toMember } from "../staff/store";
import { answer, staffConversation, takeoverContext } from "./staff-common";
import { staffInboxApi } from "./staff-inbox";
import { asOrg } from "./visitor-access";

const ListQuery = z.object({
  status: z.union([ConversationStatus, z.literal("open"), z.literal("all"), z.literal("mine")]).default("open"),
  /** `me`, `none` (nobody holds it) or a staff id. */
  assignee: z.union([z.literal("me"), z.literal("none"), Ids.staff]).optional(),
  team: TeamId.optional(),
  label: LabelName.optional(),
  site: Ids.siteKey.optional(),
  /** Words in the messages, the visitor's name or email, the handoff summary. */
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

const CONVERSATION = { id: Ids.conversation };
const StatusOut = z.object({ status: ConversationStatus });
const Ok = z.object({ ok: z.boolean() });
const TraceNodes = z.array(z.record(z.string(), z.unknown()));

/** A sign-in must come from our own pages (or from no browser at all): no login CSRF. */
export function checkLoginOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header("origin");
  const site = c.req.header("sec-fetch-site");
  if ((origin !== undefined && !sameOrigin(c)) || site === "cross-site" || site === "same-site") throw forbidden("sign in from Switchboard's own pages");
}

export function staffApi(api: ApiRoutes): void {
  api.add(
    {
      method: "post",
      path: "/api/staff/login",
      operationId: "staffLogin",
      summary: "Sign in to the inbox (sets the session cookie). JSON only, from our own origin; failed attempts lock the account for a while.",
      tag: "staff",
      auth: "none",
      body: LoginBody,
      jsonOnly: true,
      rateLimited: true,
      response: StaffSessionInfo,
      errors: [403],
    },
    async (c, { body, reply }) => {
      checkLoginOrigin(c);
      await limitIp(c.env, clientIp(c.req.raw), "loginsPerIp", "sign-in attempts");
      const wait = await lockedFor(c.env.DB, body.email);
      if (wait > 0) throw tooMany(wait, "failed sign-ins for this account");
      const rows = (await findStaffByEmail(c.env.DB, body.email)).filter((r) => !body.orgId || r.org_id === body.orgId);
      const matched = [];
      for (const row of rows) if (await verifyPassword(body.password, row.password_hash)) matched.push(row);
      if (rows.length === 0) await burnPasswordCheck(body.password);
      if (matched.length === 0) {
        await recordFailure(c.env.DB, body.email);
        throw unauthorized("wrong email or password");
      }
      if (matched.length > 1) throw new ApiError(400, "org_required", "this email has accounts in several orgs: give orgId");
      await clearFailures(c.env.DB, body.email);
      const staff = toMember(matched[0] as (typeof matched)[number]);
      const session = await createSession(c.env.DB, staff);
      c.header("set-cookie", sessionCookie(c, session.cookieValue, session.maxAge));
      return reply({ staff, csrfToken: session.csrfToken });
    },
  );

  api.add({ method: "post", path: "/api/staff/logout", operationId: "staffLogout", summary: "Sign out", tag: "staff", auth: "staff", response: Ok }, async (c, { reply }) => {
    await requireStaff(c, { mutating: true });
    await endSession(c);
    c.header("set-cookie", sessionCookie(c, "", 0));
    return reply({ ok: true });
  });

  api.add(
    {
      method: "post",
      path: "/api/staff/password",
      operationId: "changeStaffPassword",
      summary: "Change your own password (ends your other sessions)",
      tag: "staff",
      auth: "staff",
      body: PasswordChangeBody,
      jsonOnly: true,
      rateLimited: true,
      response: z.object({ ok: z.boolean(), otherSessionsEnded: z.boolean() }),
    },
    async (c, { body, reply }) => {
      const session = await requireStaff(c, { mutating: true });
      const email = session.staff.email;
      const wait = await lockedFor(c.env.DB, email);
      if (wait > 0) throw tooMany(wait, "failed password checks for this account");
      const row = await findStaffById(c.env.DB, session.staff.id);
      if (!row || !(await verifyPassword(body.currentPassword, row.password_hash))) {
        await recordFailure(c.env.DB, email);
        throw new ApiError(403, "wrong_password", "the current password is not right");
      }
      const weak = passwordProblem(body.newPassword, email);
      if (weak) throw new ApiError(400, "weak_password", weak);
      if (body.newPassword === body.currentPassword) throw new ApiError(400, "weak_password", "the new password must differ from the current one");
      await setStaffPassword(c.env.DB, row.id, body.newPassword);
      await endOtherSessions(c.env.DB, row.id, session.idHash);
      await clearFailures(c.env.DB, email);
      return reply({ ok: true, otherSessionsEnded: true });
    },
  );

  api.add(
    { method: "get", path: "/api/staff/me", operationId: "staffMe", summary: "The signed-in staff member and the session's CSRF token", tag: "staff", auth: "staff", response: StaffSessionInfo },
    async (c, { reply }) => {
      const session = await requireStaff(c, { mutating: false });
      return reply({ staff: session.staff, csrfToken: session.csrfToken });
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/staff/conversations",
      operationId: "staffListConversations",
      summary: "The inbox queue: open (waiting + human), mine, a status, or all; filtered by assignee, team, label, site, and words (full-text, best match first, with the matching passage)",
      tag: "staff",
      auth: "staff",
      query: ListQuery,
      response: z.object({ conversations: z.array(ConversationHit) }),
    },
    async (c, { query, reply }) => {
      const { staff } = await requireStaff(c, { mutating: false });
      // The org's index, in its inbox object.
      const inbox = c.env.INBOX.get(c.env.INBOX.idFromName(staff.orgId));
      const mine = query.status === "mine" || query.assignee === "me";
      const assigneeId = mine ? staff.id : query.assignee && query.assignee !== "none" ? query.assignee : undefined;
      const filter: IndexQuery = {
        orgId: staff.orgId,
        status: query.status === "mine" ? "human" : query.status,
        ...(assigneeId ? { assigneeId } : {}),
        ...(query.assignee === "none" ? { unassigned: true } : {}),
        ...(query.team ? { teamId: query.team } : {}),
        ...(query.label ? { label: query.label } : {}),
        ...(query.site ? { siteKey: query.site } : {}),
        order: query.status === "resolved" || query.status === "all" ? "queue-recent" : "queue",
        limit: query.limit,
      };
      const text = query.q?.trim();
      if (text) return reply({ conversations: await inbox.search({ ...filter, text }) });
      const rows = await inbox.list(filter);
      return reply({ conversations: rows.map((r) => ({ ...toSummary(r), snippet: null })) });
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/staff/conversations/{id}",
      operationId: "staffGetConversation",
      summary: "A conversation for staff: transcript, internal notes, handoff summary, trace",
      tag: "staff",
      auth: "staff",
      params: CONVERSATION,
      response: ConversationDetail.extend({ trace: TraceNodes }),
    },
    async (c, { reply }) => {
      const { staff } = await requireStaff(c, { mutating: false });
      const { stub } = staffConversation(c);
      // The conversation's object answers only for its own org, with its trace.
      // (RPC typing cannot see through the spans' free-form `data`; the shape is ConversationRpc's.)
      const detail = (await stub.detail(staff.orgId, true)) as unknown as (z.input<typeof ConversationDetail> & { trace?: z.input<typeof TraceNodes> }) | null;
      if (!detail) throw notFound("conversation");
      return reply({ ...detail, trace: detail.trace ?? [] });
    },
  );

  const action = (
    path: string,
    operationId: string,
    summary: string,
    run: (stub: ReturnType<typeof staffConversation>["stub"], staff: StaffMember, c: Context<AppEnv>) => Promise<StaffResult>,
    errors: number[] = [],
  ) =>
    api.add(
      { method: "post", path: `/api/staff/conversations/{id}/${path}`, operationId, summary, tag: "staff", auth: "staff", params: CONVERSATION, response: StatusOut, errors: [409, ...errors] },
      async (c, { reply }) => {
        const { staff } = await requireStaff(c, { mutating: true });
        const { stub } = staffConversation(c);
        return reply(answer(await run(stub, staff, c)));
      },
    );

  action("claim", "staffClaimConversation", "Take the conversation (atomic: of two staff, one gets it, the other 409)", (stub, staff) => stub.claim(staff));
  action(
    "take-over",
    "staffTakeOverConversation",
    "Take the conversation from the colleague who holds it: owners and admins at any time, agents when the assignee is away or offline or the visitor has waited the org's takeover time (403 otherwise); claims one nobody holds",
    async (stub, staff, c) => stub.takeOver(staff, await takeoverContext(c, staff)),
    [403],
  );
  action("resolve", "staffResolveConversation", "Mark resolved", (stub, staff) => stub.resolve(staff));
  action("return-to-bot", "staffReturnToBot", "Hand the conversation back to the bot", (stub, staff) => stub.returnToBot(staff));

  api.add(
    { method: "post", path: "/api/staff/conversations/{id}/read", operationId: "staffMarkRead", summary: "Mark the visitor's messages read", tag: "staff", auth: "staff", params: CONVERSATION, response: Ok },
    async (c, { reply }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const { stub } = staffConversation(c);
      if (!(await stub.markRead(staff))) throw notFound("conversation");
      return reply({ ok: true });
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/staff/conversations/{id}/reply",
      operationId: "staffReply",
      summary: "Reply to the visitor (Markdown); claims an unclaimed conversation",
      tag: "staff",
      auth: "staff",
      params: CONVERSATION,
      body: StaffReplyBody,
      status: 201,
      response: z.object({ status: ConversationStatus, message: StoredMessage }),
      errors: [409],
    },
    async (c, { body, reply }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const { stub } = staffConversation(c);
      const result = await stub.staffReply(staff, body.text);
      if (!result.ok) throw new ApiError(result.httpStatus, result.code, result.message);
      return reply({ status: result.status, message: result.stored as StoredMessage });
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/staff/conversations/{id}/notes",
      operationId: "staffAddNote",
      summary: "Add an internal note (never shown to the visitor)",
      tag: "staff",
      auth: "staff",
      params: CONVERSATION,
      body: StaffNoteBody,
      status: 201,
      response: z.object({ note: Note }),
    },
    async (c, { body, reply }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const { stub } = staffConversation(c);
      const note = await stub.addNote(staff, body.text);
      if (!note) throw notFound("conversation");
      return reply({ note });
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/staff/conversations/{id}/ws",
      operationId: "staffConversationSocket",
      summary: "WebSocket: the conversation's live events for staff (with notes and typing)",
      tag: "staff",
      auth: "staff",
      params: CONVERSATION,
      status: 101,
      response: { contentType: "application/websocket", description: "101 Switching Protocols" },
      errors: [426],
    },
    async (c) => {
      const { staff } = await requireStaff(c, { mutating: false });
      checkSocketOrigin(c);
      const { stub } = staffConversation(c);
      const url = new URL(c.req.url);
      const after = Number(url.searchParams.get("after") ?? "0");
      const params = new URLSearchParams({ staffId: staff.id, name: staff.name, after: String(Number.isSafeInteger(after) && after > 0 ? after : 0) });
      return stub.fetch(asOrg(new Request(`https://conversation/staff-ws?${params}`, { headers: c.req.raw.headers }), staff.orgId));
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/staff/inbox/ws",
      operationId: "staffInboxSocket",
      summary: "WebSocket: live updates of the org's whole inbox",
      tag: "staff",
      auth: "staff",
      status: 101,
      response: { contentType: "application/websocket", description: "101 Switching Protocols" },
      errors: [426],
    },
    async (c) => {
      const { staff } = await requireStaff(c, { mutating: false });
      checkSocketOrigin(c);
      const inbox = c.env.INBOX.get(c.env.INBOX.idFromName(staff.orgId));
      const params = new URLSearchParams({ staff: staff.id, name: staff.name, org: staff.orgId });
      return inbox.fetch(new Request(`https://inbox/ws?${params}`, { headers: c.req.raw.headers }));
    },
  );

  staffInboxApi(api);
}

/** Browsers send cookies with cross-site WebSocket upgrades regardless of CORS: check Origin. */
function checkSocketOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin) throw new ApiError(403, "forbidden", "cross-site WebSocket refused");
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new ApiError(426, "upgrade_required", "this endpoint speaks WebSocket");
}
