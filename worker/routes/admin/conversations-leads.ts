/**
 * Reading what happened: conversations (list, transcript with notes, trace) and leads
 * (JSON, or CSV for a spreadsheet).
 */
import { z } from "zod";
import { ConversationRow, Lead } from "../../../shared/admin";
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
  /** Only conversations where this agent ran a turn (from the turn facts). */
  agent: Ids.agent.optional(),
  /** Only conversations with a thumbs-up, a thumbs-down, or no vote at all (from the feedback facts). */
  feedback: z.enum(["up", "down", "none"]).optional(),
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
    const inbox = c.env.INBOX.get(c.env.INBOX.idFromName(orgId));
    const page = (limit: number, before: string | undefined) =>
      inbox.list({
        orgId,
        ...(query.status ? { status: query.status } : {}),
        ...(query.site ? { siteKey: query.site } : {}),
        ...(before ? { createdBefore: before } : {}),
        ...(query.after ? { createdAfter: query.after } : {}),
        order: "newest",
        limit,
      });
    const rows = query.agent || query.feedback ? await byFacts(c.env.DB, orgId, query, page) : await page(query.limit, query.before);
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

/** How many conversations the agent and feedback filters read through at most (newest first). */
export const FACT_FILTER_SCAN = 5_000;
const SCAN_PAGE = 500;

/**
 * The agent and feedback filters: the index's pages (its other filters applied), newest first,
 * each narrowed by the facts in D1 — the turns an agent ran (`turn_facts.agents`) and the votes
 * (`feedback`) — until `limit` conversations match or FACT_FILTER_SCAN were read. A conversation
 * shows up here once the FACTS queue has written its facts.
 */
async function byFacts<E extends { id: string; createdAt: string }>(
  db: D1Database,
  orgId: string,
  query: { limit: number; before?: string | undefined; agent?: string | undefined; feedback?: "up" | "down" | "none" | undefined },
  page: (limit: number, before: string | undefined) => Promise<E[]>,
): Promise<E[]> {
  const out: E[] = [];
  let before = query.before;
  for (let read = 0; read < FACT_FILTER_SCAN && out.length < query.limit; ) {
    const rows = await page(SCAN_PAGE, before);
    read += rows.length;
    if (rows.length === 0) break;
    const keep = await matchingFacts(db, orgId, rows.map((r) => r.id), query);
    for (const r of rows) if (keep.has(r.id) && out.length < query.limit) out.push(r);
    if (rows.length < SCAN_PAGE) break;
    before = rows[rows.length - 1]?.createdAt;
  }
  return out;
}

/** Which of `ids` pass the agent and feedback filters (the ids go as one JSON value: D1 binds at most 100 parameters). */
async function matchingFacts(db: D1Database, orgId: string, ids: string[], query: { agent?: string | undefined; feedback?: "up" | "down" | "none" | undefined }): Promise<Set<string>> {
  const clauses: string[] = [];
  if (query.agent) clauses.push("EXISTS (SELECT 1 FROM turn_facts t, json_each(t.agents) a WHERE t.conversation_id = ids.value AND t.org_id = ?1 AND a.value = ?3)");
  if (query.feedback === "up" || query.feedback === "down") clauses.push(`EXISTS (SELECT 1 FROM feedback f WHERE f.conversation_id = ids.value AND f.org_id = ?1 AND f.rating = ${query.feedback === "up" ? 1 : -1})`);
  if (query.feedback === "none") clauses.push("NOT EXISTS (SELECT 1 FROM feedback f WHERE f.conversation_id = ids.value AND f.org_id = ?1)");
  const rows = await db
    .prepare(`SELECT ids.value AS id FROM json_each(?2) ids WHERE ${clauses.join(" AND ")}`)
    .bind(orgId, JSON.stringify(ids), ...(query.agent ? [query.agent] : []))
    .all<{ id: string }>();
  return new Set(rows.results.map((r) => r.id));
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
