/**
 * Reads a conversation's execution log back as a tree of spans (parent → children), the
 * shape `GET /api/admin/conversations/:id/trace` answers.
 */
import type { TraceNode } from "../../shared/trace";

export type { TraceNode };

interface SpanRow {
  id: string;
  parent_id: string | null;
  kind: string;
  name: string;
  agent_id: string | null;
  run_id: string;
  turn_id: string | null;
  status: string;
  started_at: number;
  ended_at: number | null;
  tokens_in: number;
  tokens_out: number;
  error: string | null;
  data: string | null;
}

export async function readTrace(db: D1Database, orgId: string | null, conversationId: string): Promise<{ roots: TraceNode[]; spans: number }> {
  const rows = await db
    .prepare(
      `SELECT id, parent_id, kind, name, agent_id, run_id, turn_id, status, started_at, ended_at, tokens_in, tokens_out, error, data
       FROM spans WHERE conversation_id = ? ${orgId ? "AND org_id = ?" : ""} ORDER BY started_at, rowid`,
    )
    .bind(...(orgId ? [conversationId, orgId] : [conversationId]))
    .all<SpanRow>();
  const nodes = new Map<string, TraceNode>();
  for (const r of rows.results) {
    nodes.set(r.id, {
      id: r.id,
      kind: r.kind,
      name: r.name,
      agentId: r.agent_id,
      runId: r.run_id,
      turnId: r.turn_id,
      status: r.status,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      durationMs: r.ended_at === null ? null : r.ended_at - r.started_at,
      tokensIn: r.tokens_in,
      tokensOut: r.tokens_out,
      error: r.error,
      data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : null,
      children: [],
    });
  }
  const roots: TraceNode[] = [];
  for (const r of rows.results) {
    const node = nodes.get(r.id) as TraceNode;
    const parent = r.parent_id ? nodes.get(r.parent_id) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return { roots, spans: rows.results.length };
}
