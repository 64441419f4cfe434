/**
 * A conversation started by an earlier version kept its execution log in D1's `spans`
 * table. The first time its trace is read, the rows move into the conversation's own store
 * (and leave D1); after that the conversation is like any other.
 */
import type { SpanKind, SpanRecord, SpanStatus } from "../log/spans";
import { STORAGE_VERSION } from "./meta";
import type { ConversationState } from "./state";

interface Row {
  id: string;
  turn_id: string | null;
  run_id: string;
  parent_id: string | null;
  kind: string;
  name: string;
  agent_id: string | null;
  status: string;
  started_at: number;
  ended_at: number | null;
  tokens_in: number;
  tokens_out: number;
  error: string | null;
  data: string | null;
}

export async function moveLegacySpans(c: ConversationState): Promise<void> {
  const meta = c.requireMeta();
  if ((meta.version ?? 1) >= STORAGE_VERSION) return;
  const rows = await c.env.DB.prepare(
    `SELECT id, turn_id, run_id, parent_id, kind, name, agent_id, status, started_at, ended_at, tokens_in, tokens_out, error, data
     FROM spans WHERE conversation_id = ? AND org_id = ? ORDER BY started_at, rowid`,
  )
    .bind(meta.conversationId, meta.orgId)
    .all<Row>();
  c.spans.insert(rows.results.map(toRecord));
  c.meta.update({ version: STORAGE_VERSION });
  if (rows.results.length) await c.env.DB.prepare("DELETE FROM spans WHERE conversation_id = ?").bind(meta.conversationId).run();
}

function toRecord(r: Row): SpanRecord {
  return {
    id: r.id,
    turnId: r.turn_id,
    runId: r.run_id,
    parentId: r.parent_id,
    kind: r.kind as SpanKind,
    name: r.name,
    agentId: r.agent_id,
    status: r.status as SpanStatus,
    startedAt: r.started_at,
    endedAt: r.ended_at ?? r.started_at,
    tokensIn: r.tokens_in,
    tokensOut: r.tokens_out,
    error: r.error,
    data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : null,
  };
}
