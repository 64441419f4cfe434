/**
 * Ingest jobs in D1: created by the admin API and the refresh schedule, advanced by the
 * INGEST queue's consumer, read by the console for progress. A job's row holds what was
 * asked, where the run stands (`state`, to resume after a crash or between slices), and
 * what it produced — documents and per-item errors appended as each item finishes, by SQL
 * (json_insert), so no write reads the list first.
 */
import type { IngestJob, JobDocument, JobError, JobKind, JobStatus } from "../../shared/knowledge";
import type { Env } from "../env";
import { randomId } from "../ids";
import type { IngestMessage } from "./ingest-message";

export interface JobInput {
  filename?: string;
  contentType?: string;
  bytes?: number;
  url?: string;
  title?: string;
  documentId?: string;
  /** Where the uploaded original is in R2 (not shown). */
  r2Key?: string;
  /** Why a refresh runs: the schedule or a person. */
  trigger?: "schedule" | "manual" | "create";
}

export interface JobRow {
  id: string;
  org_id: string;
  collection_id: string | null;
  kind: JobKind;
  status: JobStatus;
  source_id: string | null;
  input: string;
  state: string | null;
  done: number;
  total: number;
  documents: string;
  errors: string;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  updated_at: string;
  finished_at: string | null;
}

const now = () => new Date().toISOString();

export interface NewJob {
  orgId: string;
  collectionId: string | null;
  kind: JobKind;
  sourceId?: string | null;
  input: JobInput;
  total?: number;
}

/** Creates the job and queues its first slice. */
export async function createJob(env: Env, job: NewJob): Promise<IngestJob> {
  const id = randomId("job_", 12);
  const createdAt = now();
  await env.DB.prepare(
    `INSERT INTO ingest_jobs (id, org_id, collection_id, kind, status, source_id, input, total, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
  )
    .bind(id, job.orgId, job.collectionId, job.kind, job.sourceId ?? null, JSON.stringify(job.input), job.total ?? 0, createdAt, createdAt)
    .run();
  await enqueueJob(env, job.orgId, id);
  return (await getJob(env.DB, job.orgId, id)) as IngestJob;
}

export async function enqueueJob(env: Env, orgId: string, jobId: string, delaySeconds = 0): Promise<void> {
  const message: IngestMessage = { v: 1, orgId, jobId };
  await env.INGEST.send(message, delaySeconds > 0 ? { delaySeconds: Math.min(Math.ceil(delaySeconds), 43_200) } : undefined);
}

export async function jobRow(db: D1Database, orgId: string, id: string): Promise<JobRow | null> {
  return db.prepare("SELECT * FROM ingest_jobs WHERE id = ? AND org_id = ?").bind(id, orgId).first<JobRow>();
}

export async function getJob(db: D1Database, orgId: string, id: string): Promise<IngestJob | null> {
  const row = await jobRow(db, orgId, id);
  return row ? jobView(row) : null;
}

/** Newest first; `documents` and `errors` of each are cut to the last `items` (the job itself has them all). */
export async function listJobs(
  db: D1Database,
  orgId: string,
  filter: { collection?: string; status?: JobStatus; before?: string; limit: number; items?: number },
): Promise<IngestJob[]> {
  const where = ["org_id = ?"];
  const binds: unknown[] = [orgId];
  if (filter.collection) {
    where.push("collection_id = ?");
    binds.push(filter.collection);
  }
  if (filter.status) {
    where.push("status = ?");
    binds.push(filter.status);
  }
  if (filter.before) {
    where.push("created_at < ?");
    binds.push(filter.before);
  }
  const rows = await db
    .prepare(`SELECT * FROM ingest_jobs WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .bind(...binds, filter.limit)
    .all<JobRow>();
  return rows.results.map((r) => {
    const view = jobView(r);
    const items = filter.items ?? 20;
    return { ...view, documents: view.documents.slice(-items), errors: view.errors.slice(-items) };
  });
}

function parseList<T>(text: string): T[] {
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

export function jobInput(row: Pick<JobRow, "input">): JobInput {
  try {
    return JSON.parse(row.input) as JobInput;
  } catch {
    return {};
  }
}

export function jobView(row: JobRow): IngestJob {
  const { r2Key: _hidden, trigger: _trigger, ...input } = jobInput(row);
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    collection: row.collection_id,
    sourceId: row.source_id,
    input,
    progress: { done: row.done, total: Math.max(row.total, row.done) },
    documents: parseList<JobDocument>(row.documents),
    errors: parseList<JobError>(row.errors),
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? "" } : null,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** A delivery of the job begins: running, and one more attempt at its current step. */
export async function beginSlice(db: D1Database, row: JobRow): Promise<number> {
  const res = await db
    .prepare(
      `UPDATE ingest_jobs SET status = 'running', started_at = COALESCE(started_at, ?1), attempts = attempts + 1, updated_at = ?1
       WHERE id = ?2 AND status IN ('queued', 'running') RETURNING attempts`,
    )
    .bind(now(), row.id)
    .first<{ attempts: number }>();
  return res?.attempts ?? 0;
}

export interface Step {
  state?: unknown;
  done?: number;
  total?: number;
  document?: JobDocument;
  error?: JobError;
}

/** One item finished: its outcome appended, the run's place saved, attempts back to zero. */
export async function recordStep(db: D1Database, jobId: string, step: Step): Promise<void> {
  await db
    .prepare(
      `UPDATE ingest_jobs SET
         state = COALESCE(?1, state),
         done = COALESCE(?2, done),
         total = COALESCE(?3, total),
         documents = CASE WHEN ?4 IS NULL THEN documents ELSE json_insert(documents, '$[#]', json(?4)) END,
         errors = CASE WHEN ?5 IS NULL THEN errors ELSE json_insert(errors, '$[#]', json(?5)) END,
         attempts = 0,
         updated_at = ?6
       WHERE id = ?7`,
    )
    .bind(
      step.state === undefined ? null : JSON.stringify(step.state),
      step.done ?? null,
      step.total ?? null,
      step.document ? JSON.stringify(step.document) : null,
      step.error ? JSON.stringify(step.error) : null,
      now(),
      jobId,
    )
    .run();
}

export async function finishJob(db: D1Database, jobId: string, outcome: { status: "done" } | { status: "failed"; code: string; message: string }): Promise<void> {
  const at = now();
  await db
    .prepare(
      `UPDATE ingest_jobs SET status = ?1, error_code = ?2, error_message = ?3, finished_at = ?4, updated_at = ?4, state = NULL
       WHERE id = ?5 AND status IN ('queued', 'running')`,
    )
    .bind(outcome.status, outcome.status === "failed" ? outcome.code : null, outcome.status === "failed" ? outcome.message.slice(0, 1000) : null, at, jobId)
    .run();
}

/** A job that has not moved for this long is taken for lost (a message that never came back). */
export const STALLED_AFTER_MS = 60 * 60 * 1000;

/**
 * The unfinished job of a source, if any (a source runs one job at a time). One that has not
 * moved for STALLED_AFTER_MS is failed as stalled first, so a lost message blocks nothing.
 */
export async function activeJobOf(db: D1Database, orgId: string, sourceId: string, at = new Date()): Promise<string | null> {
  const cutoff = new Date(at.getTime() - STALLED_AFTER_MS).toISOString();
  await db
    .prepare(
      `UPDATE ingest_jobs SET status = 'failed', error_code = 'stalled', error_message = 'the job stopped making progress', finished_at = ?1, updated_at = ?1
       WHERE org_id = ?2 AND source_id = ?3 AND status IN ('queued', 'running') AND updated_at < ?4`,
    )
    .bind(at.toISOString(), orgId, sourceId, cutoff)
    .run();
  const row = await db
    .prepare("SELECT id FROM ingest_jobs WHERE org_id = ? AND source_id = ? AND status IN ('queued', 'running') ORDER BY created_at DESC LIMIT 1")
    .bind(orgId, sourceId)
    .first<{ id: string }>();
  return row?.id ?? null;
}
