/**
 * The INGEST queue's consumer. A message names a job; the job is advanced for one slice of
 * wall time (parsing and embedding are CPU and network work a request should not wait
 * for), saving its place after every item, then queued again if it is not finished — so a
 * crawl of hundreds of pages runs in many short deliveries, and a crash loses at most the
 * item in hand. An item that kills the consumer three deliveries in a row is listed as
 * failed and skipped; an error that is the input's fault fails the job with that error; any
 * other error is retried by the queue, and fails the job when the retries run out.
 */
import { ApiError } from "../http/errors";
import type { Env } from "../env";
import { IngestMessage } from "./ingest-message";
import { beginSlice, enqueueJob, finishJob, jobInput, jobRow, recordStep, type JobRow } from "./jobs";
import { runEmbed } from "./run-embed";
import { discardOriginal, runReparse, runUpload } from "./run-upload";
import { runSource } from "./run-source";
import type { SliceContext, SliceResult } from "./slice";

/** Wall time one delivery works before it hands the rest of the job to a new message. */
export const SLICE_MS = 20_000;
/** Deliveries of one step (without progress) before its item is given up. */
export const MAX_STEP_ATTEMPTS = 3;
/** Queue deliveries of one message before the job is failed (wrangler.toml: max_retries = 3). */
const MAX_DELIVERIES = 4;

const RUNNERS: Record<JobRow["kind"], (ctx: SliceContext) => Promise<SliceResult>> = {
  upload: runUpload,
  reparse: runReparse,
  url: runSource,
  sitemap: runSource,
  crawl: runSource,
  video: runSource,
  refresh: runSource,
  embed: runEmbed,
};

export async function consumeIngest(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = IngestMessage.safeParse(message.body);
    if (!parsed.success) {
      console.error("dropping a malformed ingest message", parsed.error.issues[0]?.message);
      message.ack();
      continue;
    }
    try {
      await advance(env, parsed.data);
      message.ack();
    } catch (error) {
      console.error(`ingest job ${parsed.data.jobId} failed a delivery`, error);
      if (message.attempts >= MAX_DELIVERIES) {
        await failJob(env, parsed.data.orgId, parsed.data.jobId, "internal", "the job failed on our side; try again");
        message.ack();
      } else message.retry({ delaySeconds: 5 * message.attempts });
    }
  }
}

/** One slice of a job. Exported for tests that drive a job without the queue. */
export async function advance(env: Env, message: IngestMessage): Promise<void> {
  const row = await jobRow(env.DB, message.orgId, message.jobId);
  if (!row || row.status === "done" || row.status === "failed") return;
  const attempts = await beginSlice(env.DB, row);
  if (attempts === 0) return;
  const ctx: SliceContext = {
    env,
    job: row,
    input: jobInput(row),
    deadline: Date.now() + SLICE_MS,
    skipCurrent: attempts > MAX_STEP_ATTEMPTS,
    step: (step) => recordStep(env.DB, row.id, step),
  };
  let result: SliceResult;
  try {
    result = await RUNNERS[row.kind](ctx);
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) {
      await failJob(env, row.org_id, row.id, error.code, error.message);
      return;
    }
    throw error;
  }
  if (result.done) await finishJob(env.DB, row.id, { status: "done" });
  else {
    // The slice ended on time, not by a crash: its attempts do not count against the item.
    await recordStep(env.DB, row.id, {});
    await enqueueJob(env, row.org_id, row.id, result.delaySeconds ?? 0);
  }
}

export async function failJob(env: Env, orgId: string, jobId: string, code: string, message: string): Promise<void> {
  const row = await jobRow(env.DB, orgId, jobId);
  if (!row || row.status === "done" || row.status === "failed") return;
  await finishJob(env.DB, jobId, { status: "failed", code, message });
  // An upload that became nothing keeps nothing.
  if (row.kind === "upload") await discardOriginal(env, orgId, jobInput(row).r2Key);
}
