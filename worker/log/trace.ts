/**
 * A conversation's execution log as a tree of spans (parent → children), the shape
 * `GET /api/admin/conversations/:id/trace` and the staff inbox answer.
 */
import type { TraceNode } from "../../shared/trace";
import type { SpanRecord } from "./spans";

export type { TraceNode };

export interface Trace {
  roots: TraceNode[];
  spans: number;
}

/** `records` in the order they started; a span whose parent is missing becomes a root. */
export function traceTree(records: SpanRecord[]): Trace {
  const nodes = new Map<string, TraceNode>();
  for (const r of records) {
    nodes.set(r.id, {
      id: r.id,
      kind: r.kind,
      name: r.name,
      agentId: r.agentId,
      runId: r.runId,
      turnId: r.turnId,
      status: r.status,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      durationMs: r.endedAt - r.startedAt,
      tokensIn: r.tokensIn,
      tokensOut: r.tokensOut,
      error: r.error,
      data: r.data,
      children: [],
    });
  }
  const roots: TraceNode[] = [];
  for (const r of records) {
    const node = nodes.get(r.id) as TraceNode;
    const parent = r.parentId ? nodes.get(r.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return { roots, spans: records.length };
}
