/**
 * Reading what happened: conversations (list, transcript with notes, trace) and leads
 * (JSON, or CSV for a spreadsheet).
 */
import { z } from "zod";
import { ConversationStatus } from "../../../shared/protocol";
import { ConversationDetail } from "../../../shared/staff";
import { requireAdmin } from "../../auth/admin";
import { notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { CONVERSATION_ID, Ids } from "../../http/params";
import type { Trace } from "../../log/trace";
import { ORG, ORG_PARAMS, orgAccess } from "./common";

const ListQuery = z.object({
  status: ConversationStatus.optional(),
  site: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.string().max(40).optional(),
  /** Created at or after this time (ISO 8601; with `before`, a date range). */
  after: z.string().max(40).optional(),
});

const ConversationRow = z.object({
  id: z.string(),
  siteKey: z.string(),
  status: z.string(),
  summary: z.string().nullable(),
  lastMessage: z.string().nullable(),
  messages: z.number(),
  assignee: z.string().nullable(),
  userId: z.string().nullable(),
  visitorName: z.string().nullable(),
  visitorEmail: z.string().nullable(),
  identityVerified: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const Lead = z.object({
  id: z.string(),
  siteKey: z.string(),
  conversationId: z.string().nullable(),
  name: z.string().nullable(),
  email: z.string(),
  note: z.string().nullable(),
  source: z.string(),
  createdAt: z.string(),
});

/** A cell a spreadsheet will not run as a formula, quoted when it needs to be. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function conversationsAndLeadsAdmin(api: ApiRoutes): void {
  api.add(
    {
      method: "get",
      path: `${ORG}/conversations`,
      operationId: "listConversations",
      summary: "List conversations (newest first)",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      query: ListQuery,
      response: z.object({ conversations: z.array(ConversationRow) }),
    },
    async (c, { query, reply }) => {
    const { orgId } = await orgAccess(c, "conversations", "read");
    // The org's index, in its inbox object.
    const rows = await c.env.INBOX.get(c.env.INBOX.idFromName(orgId)).list({
      orgId,
      ...(query.status ? { status: query.status } : {}),
      ...(query.site ? { siteKey: query.site } : {}),
      ...(query.before ? { createdBefore: query.before } : {}),
      ...(query.after ? { createdAfter: query.after } : {}),
      order: "newest",
      limit: query.limit,
    });
    return reply({
      conversations: rows.map((r) => ({
        id: r.id,
        siteKey: r.siteKey,
        status: r.status,
        summary: r.summary,
        lastMessage: r.lastMessage,
        messages: r.messageCount,
        assignee: r.assigneeName,
        userId: r.userId,
        visitorName: r.visitorName,
        visitorEmail: r.visitorEmail,
        identityVerified: r.identityVerified,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
      })),
    });
  });

  api.add(
    {
      method: "get",
      path: `${ORG}/conversations/{id}`,
      operationId: "getConversation",
      summary: "A conversation: transcript and internal notes",
      tag: "admin",
      auth: "admin",
      params: { ...ORG_PARAMS, id: Ids.conversation },
      response: ConversationDetail,
    },
    async (c, { reply }) => {
    const { orgId } = await orgAccess(c, "conversations", "read");
    const id = c.req.param("id") ?? "";
    if (!CONVERSATION_ID.test(id)) throw notFound("conversation");
    // The conversation's object answers only for its own org.
    const detail = await c.env.CONVERSATION.get(c.env.CONVERSATION.idFromName(id)).detail(orgId, false);
    if (!detail) throw notFound("conversation");
    return reply(detail);
  });

  api.add(
    {
      method: "get",
      path: "/api/admin/conversations/{id}/trace",
      summary: "The execution log of a conversation as a tree of spans",
      tag: "admin",
      auth: "admin",
      operationId: "getConversationTrace",
      params: { id: Ids.conversation },
      response: z.object({ conversationId: z.string(), spans: z.number(), roots: z.array(z.unknown()) }),
    },
    async (c, { reply }) => {
      const id = c.req.param("id") ?? "";
      if (!CONVERSATION_ID.test(id)) throw notFound("conversation");
      // The log lives in the conversation's object, which knows its org (checked against the caller's scope).
      const stub = c.env.CONVERSATION.get(c.env.CONVERSATION.idFromName(id));
      const orgId = await stub.owner();
      if (!orgId) throw notFound("conversation");
      // Another org's conversation answers exactly like one that does not exist.
      await requireAdmin(c, { resource: "conversations", action: "read", orgId, what: "conversation" });
      // (RPC typing cannot see through the spans' free-form `data`; the shape is ConversationRpc's.)
      const trace = (await stub.executionLog(orgId)) as unknown as Trace | null;
      if (!trace) throw notFound("conversation");
      return reply({ conversationId: id, spans: trace.spans, roots: trace.roots });
    },
  );

  api.add(
    {
      method: "get",
      path: `${ORG}/leads`,
      operationId: "listLeads",
      summary: "Leads (newest first)",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      query: z.object({ site: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(5000).default(500) }),
      response: z.object({ leads: z.array(Lead) }),
    },
    async (c, { query, reply }) => {
      const { orgId } = await orgAccess(c, "leads", "read");
      return reply({ leads: (await leadRows(c.env.DB, orgId, query.site, query.limit)) as z.input<typeof Lead>[] });
    },
  );

  api.add(
    {
      method: "get",
      path: `${ORG}/leads.csv`,
      operationId: "exportLeadsCsv",
      params: ORG_PARAMS,
      summary: "Leads as CSV",
      tag: "admin",
      auth: "admin",
      query: z.object({ site: z.string().max(64).optional() }),
      response: { contentType: "text/csv", description: "one lead per row" },
    },
    async (c, { query }) => {
      const { orgId } = await orgAccess(c, "leads", "read");
      const rows = await leadRows(c.env.DB, orgId, query.site, 100_000);
      const columns = ["createdAt", "name", "email", "note", "source", "siteKey", "conversationId"] as const;
      const csv = [columns.join(","), ...rows.map((r) => columns.map((k) => csvCell(r[k])).join(","))].join("\r\n");
      return c.body(`${csv}\r\n`, 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="leads-${orgId}.csv"`,
      });
    },
  );
}

async function leadRows(db: D1Database, orgId: string, site: string | undefined, limit: number) {
  const rows = await db
    .prepare(
      `SELECT id, site_key AS siteKey, conversation_id AS conversationId, name, email, note, source, created_at AS createdAt
       FROM leads WHERE org_id = ?1 AND (?2 IS NULL OR site_key = ?2) ORDER BY created_at DESC LIMIT ?3`,
    )
    .bind(orgId, site ?? null, limit)
    .all<Record<string, unknown>>();
  return rows.results;
}
