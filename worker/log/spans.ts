/**
 * The execution log. Each run records spans (model call, tool call, delegation, retrieval,
 * budget hit, timeout, cancellation, handoff, refusal) and hands them to its sink in one
 * batch when the run ends, before it reports its result. The sink is the conversation's own
 * Durable Object (its SQLite, see span-store.ts): the conversation's run writes there
 * directly; a delegated run hands its batch back with its result, and its parent adds it to
 * its own (a stopped child, whose result nobody reads, sends it there over RPC before its
 * cancel returns), so by the time a turn's `done` goes out its whole tree is readable. Span
 * ids are made here, so a child run in another Durable Object can name its parent span
 * before anything is written.
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

/** One finished span as stored (and as it travels from a delegated run to the conversation). */
export interface SpanRecord {
  id: string;
  turnId: string | null;
  runId: string;
  parentId: string | null;
  kind: SpanKind;
  name: string;
  agentId: string | null;
  status: SpanStatus;
  startedAt: number;
  endedAt: number;
  tokensIn: number;
  tokensOut: number;
  error: string | null;
  data: Record<string, unknown> | null;
}

/** Where a run's spans go when it flushes. */
export type SpanSink = (records: SpanRecord[]) => Promise<void>;

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
  private adopted: SpanRecord[] = [];

  constructor(
    private readonly sink: SpanSink,
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

  /**
   * Records finished elsewhere (a delegated run's, which travel back with its result) that
   * go to this log's sink with its own at the next flush.
   */
  adopt(records: SpanRecord[]): void {
    this.adopted.push(...records);
  }

  /** Everything recorded so far, handed over instead of sent to the sink (and forgotten here). */
  take(): SpanRecord[] {
    const rows = this.rows;
    const adopted = this.adopted;
    this.rows = [];
    this.adopted = [];
    const turnId = this.scope.turnId ?? null;
    return [
      ...rows.map((r) => {
        const data = { ...r.start.data, ...r.end.data };
        return {
          id: r.id,
          turnId,
          runId: r.start.runId,
          parentId: r.start.parentId ?? null,
          kind: r.kind,
          name: r.name,
          agentId: r.start.agentId ?? null,
          status: r.status,
          startedAt: r.startedAt,
          endedAt: r.endedAt,
          tokensIn: r.end.tokensIn ?? 0,
          tokensOut: r.end.tokensOut ?? 0,
          error: r.end.error ?? null,
          data: Object.keys(data).length ? data : null,
        };
      }),
      ...adopted,
    ];
  }

  async flush(): Promise<void> {
    const records = this.take();
    if (records.length) await this.sink(records);
  }
}
