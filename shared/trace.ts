/**
 * A span of the execution log as `GET /api/admin/conversations/:id/trace` and the staff
 * inbox return it: a tree, parent → children.
 */
export interface TraceNode {
  id: string;
  kind: string;
  name: string;
  agentId: string | null;
  runId: string;
  turnId: string | null;
  status: string;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  tokensIn: number;
  tokensOut: number;
  error: string | null;
  data: Record<string, unknown> | null;
  children: TraceNode[];
}
