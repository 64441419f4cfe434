/**
 * The support inbox's API, for signed-in staff (session cookie). Every read is scoped to
 * the staff member's org; every write also passes the CSRF checks. The conversation's
 * Durable Object does the actual change, one call at a time, which is what makes a claim
 * atomic.
 */
import type { Context } from "hono";
import { z } from "zod";
import { type ConversationStatus, ConversationStatus as StatusSchema } from "../../shared/protocol";
import { LoginBody, StaffNoteBody, StaffReplyBody, type ConversationSummary, type StaffMember } from "../../shared/staff";
import { burnPasswordCheck, verifyPassword } from "../auth/password";
import { createSession, endSession, requireStaff, sessionCookie } from "../auth/staff-session";
import type { StaffResult } from "../durable/ConversationDO";
import { ApiError, notFound, unauthorized } from "../http/errors";
import { clientIp, limitIp } from "../http/rate-limit";
import type { ApiRoutes, AppEnv } from "../http/openapi";
import { readTrace } from "../log/trace";
import { findStaffByEmail, toMember } from "../staff/store";
import { CONVERSATION_ID } from "./visitor-access";

const ListQuery = z.object({
  status: z.union([StatusSchema, z.literal("open"), z.literal("all"), z.literal("mine")]).default("open"),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

interface Row {
  id: string;
  site_key: string;
  status: ConversationStatus;
  summary: string | null;
  last_message: string | null;
  assignee_id: string | null;
  assignee_name: string | null;
  unread: number;
  waiting_since: string | null;
  updated_at: string;
  visitor_name: string | null;
  visitor_email: string | null;
}

const toSummary = (r: Row): ConversationSummary => ({
  id: r.id,
  siteKey: r.site_key,
  status: r.status,
  summary: r.summary,
  lastMessage: r.last_message,
  assigneeId: r.assignee_id,
  assigneeName: r.assignee_name,
  unread: r.unread,
  waitingSince: r.waiting_since,
  updatedAt: r.updated_at,
  visitorName: r.visitor_name,
  visitorEmail: r.visitor_email,
});

/** The conversation's object, if the conversation belongs to this staff member's org (else 404). */
async function staffConversation(c: Context<AppEnv>, staff: StaffMember) {
  const id = c.req.param("id") ?? "";
  if (!CONVERSATION_ID.test(id)) throw notFound("conversation");
  const row = await c.env.DB.prepare("SELECT org_id FROM conversations WHERE id = ?").bind(id).first<{ org_id: string }>();
  // Another org's conversation answers exactly like one that does not exist.
  if (!row || row.org_id !== staff.orgId) throw notFound("conversation");
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
      const where =
        query.status === "all"
          ? ""
          : query.status === "open"
            ? "AND status IN ('waiting', 'human')"
            : query.status === "mine"
              ? "AND status = 'human' AND assignee_id = ?3"
              : "AND status = ?2";
      const rows = await c.env.DB.prepare(
        `SELECT id, site_key, status, summary, last_message, assignee_id, assignee_name, unread, waiting_since, updated_at, visitor_name, visitor_email
         FROM conversations WHERE org_id = ?1 ${where}
         ORDER BY CASE status WHEN 'waiting' THEN 0 WHEN 'human' THEN 1 ELSE 2 END, COALESCE(waiting_since, updated_at) ${query.status === "resolved" || query.status === "all" ? "DESC" : "ASC"}
         LIMIT ?4`,
      )
        .bind(staff.orgId, query.status, staff.id, query.limit)
        .all<Row>();
      return c.json({ conversations: rows.results.map(toSummary) });
    },
  );

  api.add({ method: "get", path: "/api/staff/conversations/{id}", summary: "A conversation for staff: transcript, internal notes, handoff summary, trace", tag: "staff", auth: "staff" }, async (c) => {
    const { staff } = await requireStaff(c, { mutating: false });
    const { id, stub } = await staffConversation(c, staff);
    const detail = await stub.staffDetail();
    if (!detail) throw notFound("conversation");
    const trace = await readTrace(c.env.DB, staff.orgId, id);
    return c.json({ ...detail, trace: trace.roots });
  });

  const action = (path: string, summary: string, run: (stub: Awaited<ReturnType<typeof staffConversation>>["stub"], staff: StaffMember) => Promise<StaffResult>) =>
    api.add({ method: "post", path: `/api/staff/conversations/{id}/${path}`, summary, tag: "staff", auth: "staff" }, async (c) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const { stub } = await staffConversation(c, staff);
      return answer(c, await run(stub, staff));
    });

  action("claim", "Take the conversation (atomic: of two staff, one gets it, the other 409)", (stub, staff) => stub.claim(staff));
  action("resolve", "Mark resolved", (stub, staff) => stub.resolve(staff));
  action("return-to-bot", "Hand the conversation back to the bot", (stub, staff) => stub.returnToBot(staff));

  api.add({ method: "post", path: "/api/staff/conversations/{id}/read", summary: "Mark the visitor's messages read", tag: "staff", auth: "staff" }, async (c) => {
    const { staff } = await requireStaff(c, { mutating: true });
    const { stub } = await staffConversation(c, staff);
    await stub.markRead();
    return c.json({ ok: true });
  });

  api.add(
    { method: "post", path: "/api/staff/conversations/{id}/reply", summary: "Reply to the visitor (Markdown); claims an unclaimed conversation", tag: "staff", auth: "staff", body: StaffReplyBody },
    async (c, { body }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const { stub } = await staffConversation(c, staff);
      const result = await stub.staffReply(staff, body.text);
      if (!result.ok) throw new ApiError(result.httpStatus, result.code, result.message);
      return c.json({ status: result.status, message: result.stored }, 201);
    },
  );

  api.add(
    { method: "post", path: "/api/staff/conversations/{id}/notes", summary: "Add an internal note (never shown to the visitor)", tag: "staff", auth: "staff", body: StaffNoteBody },
    async (c, { body }) => {
      const { staff } = await requireStaff(c, { mutating: true });
      const { stub } = await staffConversation(c, staff);
      return c.json({ note: await stub.addNote(staff, body.text) }, 201);
    },
  );

  api.add(
    { method: "get", path: "/api/staff/conversations/{id}/ws", summary: "WebSocket: the conversation's live events for staff (with notes and typing)", tag: "staff", auth: "staff", status: 101 },
    async (c) => {
      const { staff } = await requireStaff(c, { mutating: false });
      checkSocketOrigin(c);
      const { stub } = await staffConversation(c, staff);
      const url = new URL(c.req.url);
      const params = new URLSearchParams({ staffId: staff.id, name: staff.name, after: url.searchParams.get("after") ?? "0" });
      return stub.fetch(new Request(`https://conversation/staff-ws?${params}`, { headers: c.req.raw.headers }));
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
