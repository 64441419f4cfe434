/**
 * The support inbox's API, for signed-in staff (session cookie). Every read is scoped to
 * the staff member's org; every write also passes the CSRF checks. The conversation's
 * Durable Object does the actual change, one call at a time, which is what makes a claim
 * atomic.
 */
import type { Context } from "hono";
import { z } from "zod";
import { ConversationStatus as StatusSchema } from "../../shared/protocol";
import { LoginBody, StaffNoteBody, StaffReplyBody, type StaffMember } from "../../shared/staff";
import { burnPasswordCheck, verifyPassword } from "../auth/password";
import { createSession, endSession, requireStaff, sessionCookie } from "../auth/staff-session";
import type { StaffResult } from "../durable/rpc";
import { ApiError, notFound, unauthorized } from "../http/errors";
import { clientIp, limitIp } from "../http/rate-limit";
import type { ApiRoutes, AppEnv } from "../http/openapi";
import { toSummary } from "../org/conversation-index";
import { findStaffByEmail, toMember } from "../staff/store";
import { asOrg, CONVERSATION_ID } from "./visitor-access";

const ListQuery = z.object({
  status: z.union([StatusSchema, z.literal("open"), z.literal("all"), z.literal("mine")]).default("open"),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

/**
 * The conversation's object. Every call names the staff member, whose org the object
 * compares with its own: another org's conversation answers exactly like one that does not
 * exist (404), without a lookup anywhere else.
 */
function staffConversation(c: Context<AppEnv>) {
  const id = c.req.param("id") ?? "";
  if (!CONVERSATION_ID.test(id)) throw notFound("conversation");
  return { id, stub: c.env.CONVERSATION.get(c.env.CONVERSATION.idFromName(id)) };
}

function answer(c: Context<AppEnv>, result: StaffResult) {
  if (!result.ok) throw new ApiError(result.httpStatus, result.code, result.message);
  return c.json({ status: result.status });
}

export function staffApi(api: ApiRoutes): void {
  const StaffOut = z.object({ staff: z.object({ id: z.string(), orgId: z.string(), email: z.string(), name: z.string(), role: z.string() }), csrfToken: z.string() });

  api.add({ method: "post", path: "/api/staff/login", summary: "Sign in to the inbox (sets the session cookie)", tag: "staff", auth: "none", body: LoginBody, response: StaffOut }, async (c, { body }) => {
    await limitIp(c.env, clientIp(c.req.raw), "loginsPerIp", "sign-in attempts");
    const row = await findStaffByEmail(c.env.DB, body.email);
    if (!row) {
      await burnPasswordCheck(body.password);
      throw unauthorized("wrong email or password");
    }
    if (!(await verifyPassword(body.password, row.password_hash))) throw unauthorized("wrong email or password");
    const staff = toMember(row);
    const session = await createSession(c.env.DB, staff);
    c.header("set-cookie", sessionCookie(c, session.cookieValue, session.maxAge));
    c.header("cache-control", "no-store");
    return c.json({ staff, csrfToken: session.csrfToken });
  });

  api.add({ method: "post", path: "/api/staff/logout", summary: "Sign out", tag: "staff", auth: "staff" }, async (c) => {
    await requireStaff(c, { mutating: true });
    await endSession(c);
    c.header("set-cookie", sessionCookie(c, "", 0));
    return c.json({ ok: true });
  });

  api.add({ method: "get", path: "/api/staff/me", summary: "The signed-in staff member and the session's CSRF token", tag: "staff", auth: "staff", response: StaffOut }, async (c) => {
    const session = await requireStaff(c, { mutating: false });
    c.header("cache-control", "no-store");
    return c.json({ staff: session.staff, csrfToken: session.csrfToken });
  });

  api.add(
    { method: "get", path: "/api/staff/conversations", summary: "The inbox queue: open (waiting + human), mine, a status, or all", tag: "staff", auth: "staff", query: ListQuery },
    async (c, { query }) => {
      const { staff } = await requireStaff(c, { mutating: false });
      // The org's index, in its inbox object.
      const inbox = c.env.INBOX.get(c.env.INBOX.idFromName(staff.orgId));
      const rows = await inbox.list({
        orgId: staff.orgId,
        status: query.status === "mine" ? "human" : query.status,
        ...(query.status === "mine" ? { assigneeId: staff.id } : {}),
        order: query.status === "resolved" || query.status === "all" ? "queue-recent" : "queue",
        limit: query.limit,
      });
      return c.json({ conversations: rows.map(toSummary) });
    },
  );

  api.add({ method: "get", path: "/api/staff/conversations/{id}", summary: "A conversation for staff: transcript, internal notes, handoff summary, trace", tag: "staff", auth: "staff" }, async (c) => {
    const { staff } = await requireStaff(c, { mutating: false });
    const { stub } = staffConversation(c);
    const detail = await stub.detail(staff.orgId, true);
    if (!detail) throw notFound("conversation");
    return c.json(detail);
  });

  const action = (path: string, summary: string, run: (stub: ReturnType<typeof staffConversation>["stub"], staff: StaffMember) => Promise<StaffResult>) =>
    api.add({ method: "post", path: `/api/staff/conversations/{id}/${path}`, summary, tag: "staff", auth: "staff" }, async (c) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const { stub } = staffConversation(c);
      return answer(c, await run(stub, staff));
    });

  action("claim", "Take the conversation (atomic: of two staff, one gets it, the other 409)", (stub, staff) => stub.claim(staff));
  action("resolve", "Mark resolved", (stub, staff) => stub.resolve(staff));
  action("return-to-bot", "Hand the conversation back to the bot", (stub, staff) => stub.returnToBot(staff));

  api.add({ method: "post", path: "/api/staff/conversations/{id}/read", summary: "Mark the visitor's messages read", tag: "staff", auth: "staff" }, async (c) => {
    const { staff } = await requireStaff(c, { mutating: true });
    const { stub } = staffConversation(c);
    if (!(await stub.markRead(staff))) throw notFound("conversation");
    return c.json({ ok: true });
  });

  api.add(
    { method: "post", path: "/api/staff/conversations/{id}/reply", summary: "Reply to the visitor (Markdown); claims an unclaimed conversation", tag: "staff", auth: "staff", body: StaffReplyBody },
    async (c, { body }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const { stub } = staffConversation(c);
      const result = await stub.staffReply(staff, body.text);
      if (!result.ok) throw new ApiError(result.httpStatus, result.code, result.message);
      return c.json({ status: result.status, message: result.stored }, 201);
    },
  );

  api.add(
    { method: "post", path: "/api/staff/conversations/{id}/notes", summary: "Add an internal note (never shown to the visitor)", tag: "staff", auth: "staff", body: StaffNoteBody },
    async (c, { body }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const { stub } = staffConversation(c);
      const note = await stub.addNote(staff, body.text);
      if (!note) throw notFound("conversation");
      return c.json({ note }, 201);
    },
  );

  api.add(
    { method: "get", path: "/api/staff/conversations/{id}/ws", summary: "WebSocket: the conversation's live events for staff (with notes and typing)", tag: "staff", auth: "staff", status: 101 },
    async (c) => {
      const { staff } = await requireStaff(c, { mutating: false });
      checkSocketOrigin(c);
      const { stub } = staffConversation(c);
      const url = new URL(c.req.url);
      const params = new URLSearchParams({ staffId: staff.id, name: staff.name, after: url.searchParams.get("after") ?? "0" });
      return stub.fetch(asOrg(new Request(`https://conversation/staff-ws?${params}`, { headers: c.req.raw.headers }), staff.orgId));
    },
  );

  api.add({ method: "get", path: "/api/staff/inbox/ws", summary: "WebSocket: live updates of the org's whole inbox", tag: "staff", auth: "staff", status: 101 }, async (c) => {
    const { staff } = await requireStaff(c, { mutating: false });
    checkSocketOrigin(c);
    const inbox = c.env.INBOX.get(c.env.INBOX.idFromName(staff.orgId));
    return inbox.fetch(new Request(`https://inbox/ws?staff=${encodeURIComponent(staff.id)}`, { headers: c.req.raw.headers }));
  });
}

/** Browsers send cookies with cross-site WebSocket upgrades regardless of CORS: check Origin. */
function checkSocketOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin) throw new ApiError(403, "forbidden", "cross-site WebSocket refused");
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new ApiError(426, "upgrade_required", "this endpoint speaks WebSocket");
}
