/**
 * A conversation's execution log, in its Durable Object's SQLite: every span of every run of
 * the conversation (delegated runs send theirs here before they return). Kept for a number
 * of days (TRACE_RETENTION_DAYS) and pruned by the object's alarm.
 */
import type { SpanKind, SpanRecord, SpanStatus } from "./spans";

interface Row extends Record<string, SqlStorageValue> {
  id: string;
  turn_id: string | null;
  run_id: string;
  parent_id: string | null;
  kind: string;
  name: string;
  agent_id: string | null;
  status: string;
  started_at: number;
  ended_at: number;
  tokens_in: number;
  tokens_out: number;
  error: string | null;
  data: string | null;
}

export const DEFAULT_RETENTION_DAYS = 30;

/** Days a span is kept: TRACE_RETENTION_DAYS when it is a positive number, else 30. */
export function retentionMs(value: unknown): number {
  const days = Number(value);
  return (Number.isFinite(days) && days > 0 ? days : DEFAULT_RETENTION_DAYS) * 86_400_000;
}

export class SpanStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS spans (
      id TEXT PRIMARY KEY,
      turn_id TEXT,
      run_id TEXT NOT NULL,
      parent_id TEXT,
      kind TEXT NOT NULL,
      name TEXT NOT NULL,
      agent_id TEXT,
      status TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      ended_at INTEGER NOT NULL,
      tokens_in INTEGER NOT NULL DEFAULT 0,
      tokens_out INTEGER NOT NULL DEFAULT 0,
      error TEXT,
      data TEXT
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS spans_turn ON spans(turn_id)");
    sql.exec("CREATE INDEX IF NOT EXISTS spans_started ON spans(started_at)");
  }

  /** Idempotent on span ids: a batch sent twice (a retried RPC) is stored once. */
  insert(records: SpanRecord[]): void {
    for (const r of records) {
      this.sql.exec(
        `INSERT OR IGNORE INTO spans (id, turn_id, run_id, parent_id, kind, name, agent_id, status, started_at, ended_at, tokens_in, tokens_out, error, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        r.id,
        r.turnId,
        r.runId,
        r.parentId,
        r.kind,
        r.name,
        r.agentId,
        r.status,
        r.startedAt,
        r.endedAt,
        r.tokensIn,
        r.tokensOut,
        r.error,
        r.data ? JSON.stringify(r.data) : null,
      );
    }
  }

  all(): SpanRecord[] {
    return this.sql.exec<Row>("SELECT * FROM spans ORDER BY started_at, rowid").toArray().map(toRecord);
  }

  ofTurn(turnId: string): SpanRecord[] {
    return this.sql.exec<Row>("SELECT * FROM spans WHERE turn_id = ? ORDER BY started_at, rowid", turnId).toArray().map(toRecord);
  }

  /** When the oldest span was started, or null when there is none. */
  oldest(): number | null {
    return this.sql.exec<{ t: number | null }>("SELECT MIN(started_at) AS t FROM spans").one().t;
  }

  /** Deletes spans started before `cutoff` (epoch ms); returns how many. */
  prune(cutoff: number): number {
    return this.sql.exec("DELETE FROM spans WHERE started_at < ?", cutoff).rowsWritten;
  }
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
    endedAt: r.ended_at,
    tokensIn: r.tokens_in,
    tokensOut: r.tokens_out,
    error: r.error,
    data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : null,
  };
}
