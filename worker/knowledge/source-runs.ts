/**
 * Running and deleting sources, for the admin API and the refresh schedule alike: a source
 * runs one job at a time; deleting one takes its documents and ends its unfinished jobs.
 */
import type { IngestJob } from "../../shared/knowledge";
import type { Env } from "../env";
import { removeDocument } from "./ingest";
import { activeJobOf, createJob, getJob } from "./jobs";
import { markSourceRun, type SourceRow } from "./sources";

/** A run of the source: the running one if there is one (one at a time), else a new job. */
export async function runSourceNow(env: Env, source: SourceRow, kind: IngestJob["kind"], trigger: "create" | "manual" | "schedule", now = new Date()): Promise<IngestJob> {
  const active = await activeJobOf(env.DB, source.org_id, source.id, now);
  if (active) {
    const job = await getJob(env.DB, source.org_id, active);
    if (job) return job;
  }
  const job = await createJob(env, { orgId: source.org_id, collectionId: source.collection_id, kind, sourceId: source.id, input: { url: source.url, trigger } });
  await markSourceRun(env.DB, source.id, job.id, now);
  return job;
}

/** A source, its documents, and its unfinished jobs (failed: the source is gone). */
export async function deleteSource(env: Env, orgId: string, sourceId: string): Promise<number> {
  const docs = await env.DB.prepare("SELECT id FROM knowledge_documents WHERE org_id = ? AND source_id = ?").bind(orgId, sourceId).all<{ id: string }>();
  for (const d of docs.results) await removeDocument(env, orgId, d.id);
  await env.DB.batch([
    env.DB.prepare("DELETE FROM knowledge_sources WHERE id = ? AND org_id = ?").bind(sourceId, orgId),
    env.DB.prepare(
      `UPDATE ingest_jobs SET status = 'failed', error_code = 'source_deleted', error_message = 'the source was deleted', finished_at = ?1, updated_at = ?1
       WHERE org_id = ?2 AND source_id = ?3 AND status IN ('queued', 'running')`,
    ).bind(new Date().toISOString(), orgId, sourceId),
  ]);
  return docs.results.length;
}
