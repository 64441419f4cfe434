/**
 * The execution log. Each run records spans (model call, tool call, delegation, retrieval,
 * budget hit, timeout, cancellation, handoff, refusal) and writes them to D1 in one batch
 * when the run ends, before it reports its result: by the time a turn's `done` goes out,
 * its whole tree is readable. Span ids are made here, so a child run in another Durable
 * Object can name its parent span before anything is written.
 */
import { randomId } from "../ids";

export type SpanKind =
  | "turn"
  | "run"
  | "model"
  | "tool"
  | "delegation"
  | "retrieval"
  | "budget"
  | "timeout"
  | "cancel"
  | "handoff"
  | "refusal"
  | "transfer"
  | "status";

export type SpanStatus = "ok" | "error" | "timeout" | "cancelled" | "refused" | "blocked";

export interface SpanScope {
  conversationId: string;
  orgId: string;
  turnId?: string;
}

export interface SpanStart {
  runId: string;
  parentId?: string;
  agentId?: string;
  data?: Record<string, unknown>;
}

export interface SpanEnd {
  tokensIn?: number;
  tokensOut?: number;
  error?: string;
  data?: Record<string, unknown>;
}

interface Row {
  id: string;
  kind: SpanKind;
  name: string;
  start: SpanStart;
  startedAt: number;
  endedAt: number;
  status: SpanStatus;
  end: SpanEnd;
}

export class Span {
  readonly id = randomId("sp_", 12);
  readonly startedAt = Date.now();
  private ended = false;

  constructor(
    private readonly log: SpanLog,
    readonly kind: SpanKind,
    readonly name: string,
    readonly start: SpanStart,
  ) {}

  end(status: SpanStatus, end: SpanEnd = {}): void {
    if (this.ended) return;
    this.ended = true;
    this.log.push({
      id: this.id,
      kind: this.kind,
      name: this.name,
      start: this.start,
      startedAt: this.startedAt,
      endedAt: Date.now(),
      status,
      end,
    });
  }
}

export class SpanLog {
  private rows: Row[] = [];

  constructor(
    private readonly db: D1Database,
    readonly scope: SpanScope,
  ) {}

  start(kind: SpanKind, name: string, start: SpanStart): Span {
    return new Span(this, kind, name, start);
  }

  /** A span that has no duration of its own (a refusal, a budget hit, a status change). */
  event(kind: SpanKind, name: string, status: SpanStatus, start: SpanStart, end: SpanEnd = {}): string {
    const span = this.start(kind, name, start);
    span.end(status, end);
    return span.id;
  }

  push(row: Row): void {
    this.rows.push(row);
  }

  async flush(): Promise<void> {
    const rows = this.rows;
    if (rows.length === 0) return;
    this.rows = [];
    const stmt = this.db.prepare(
      `INSERT INTO spans (id, conversation_id, org_id, turn_id, run_id, parent_id, kind, name, agent_id, status,
                          started_at, ended_at, tokens_in, tokens_out, error, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const { conversationId, orgId, turnId } = this.scope;
    await this.db.batch(
      rows.map((r) => {
        const data = { ...r.start.data, ...r.end.data };
        return stmt.bind(
          r.id,
          conversationId,
          orgId,
          turnId ?? null,
          r.start.runId,
          r.start.parentId ?? null,
          r.kind,
          r.name,
          r.start.agentId ?? null,
          r.status,
          r.startedAt,
          r.endedAt,
          r.end.tokensIn ?? 0,
          r.end.tokensOut ?? 0,
          r.end.error ?? null,
          Object.keys(data).length ? JSON.stringify(data) : null,
        );
      }),
    );
  }
}
