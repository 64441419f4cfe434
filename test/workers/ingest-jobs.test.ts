/**
 * The INGEST queue's job mechanics inside workerd, driven one delivery at a time: a job
 * resumes from the place its last delivery saved (a crash loses at most the item in hand),
 * an item that has failed to finish three deliveries in a row is listed as `too_slow` and
 * skipped, a finished job's late message changes nothing, and a message that is not ours is
 * dropped. The original is a real ZIP in the R2 bucket.
 */
import { env } from "cloudflare:workers";
import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import { advance, consumeIngest } from "../../worker/knowledge/consumer";
import { getJob } from "../../worker/knowledge/jobs";

const e = env as unknown as Env;
const ORG = "jobs-org";

const exportZip = zipSync({
  "a.md": strToU8("# Alpha\n\nAlpha article about exporting."),
  "b.md": strToU8("# Bravo\n\nBravo article about importing."),
  "c.md": strToU8("# Charlie\n\nCharlie article about syncing."),
});

/** An upload job as the route leaves it, but not queued: the test delivers it. */
async function uploadJob(id: string, extra: { state?: unknown; done?: number; attempts?: number; status?: string } = {}) {
  const key = `${ORG}/kb/${id}/export.zip`;
  await e.DOCUMENTS.put(key, exportZip);
  await e.DB.prepare(
    `INSERT INTO ingest_jobs (id, org_id, collection_id, kind, status, input, state, done, total, attempts) VALUES (?, ?, 'kb', 'upload', ?, ?, ?, ?, 0, ?)`,
  )
    .bind(id, ORG, extra.status ?? "queued", JSON.stringify({ filename: "export.zip", r2Key: key }), extra.state ? JSON.stringify(extra.state) : null, extra.done ?? 0, extra.attempts ?? 0)
    .run();
}

describe("ingest job deliveries", () => {
  it("resume where the last delivery left off", async () => {
    await uploadJob("job_resume", { state: { cursor: 1, previousKeys: [] }, done: 1 });
    await advance(e, { v: 1, orgId: ORG, jobId: "job_resume" });
    const job = await getJob(e.DB, ORG, "job_resume");
    expect(job).toMatchObject({ status: "done", progress: { done: 3, total: 3 }, errors: [] });
    // The first file was the crashed delivery's: this one did the rest only.
    expect(job!.documents.map((d) => d.title)).toEqual(["Bravo", "Charlie"]);
  });

  it("skip an item that failed to finish three deliveries in a row, and go on", async () => {
    await uploadJob("job_stuck", { state: { cursor: 0, previousKeys: [] }, attempts: 3 });
    await advance(e, { v: 1, orgId: ORG, jobId: "job_stuck" });
    const job = await getJob(e.DB, ORG, "job_stuck");
    expect(job?.status).toBe("done");
    expect(job?.errors).toEqual([{ item: "a.md", code: "too_slow", message: "a.md could not be processed in the time a job step has" }]);
    expect(job?.documents.map((d) => d.title)).toEqual(["Bravo", "Charlie"]);
  });

  it("leave a finished job alone, and drop messages that are not ours", async () => {
    await uploadJob("job_done", { status: "done" });
    await advance(e, { v: 1, orgId: ORG, jobId: "job_done" });
    expect(await getJob(e.DB, ORG, "job_done")).toMatchObject({ status: "done", documents: [], startedAt: null });
    // Another org's id for the same job is no job at all.
    await advance(e, { v: 1, orgId: "someone-else", jobId: "job_done" });

    const acked: string[] = [];
    const retried: string[] = [];
    const message = (body: unknown) => ({ id: "m1", timestamp: new Date(), body, attempts: 1, ack: () => acked.push(JSON.stringify(body)), retry: () => retried.push(JSON.stringify(body)) });
    await consumeIngest({ queue: "switchboard-ingest", messages: [message({ hello: "world" }), message({ v: 1, orgId: ORG, jobId: "../../etc" })], ackAll() {}, retryAll() {} } as unknown as MessageBatch<unknown>, e);
    expect(acked).toHaveLength(2);
    expect(retried).toEqual([]);
  });

  it("fail the job with the parser's error when the original cannot be read, and delete the original", async () => {
    const key = `${ORG}/kb/job_broken/export.zip`;
    await e.DOCUMENTS.put(key, strToU8("PK\u0003\u0004 not really a zip"));
    await e.DB.prepare(`INSERT INTO ingest_jobs (id, org_id, collection_id, kind, input) VALUES ('job_broken', ?, 'kb', 'upload', ?)`)
      .bind(ORG, JSON.stringify({ filename: "export.zip", r2Key: key }))
      .run();
    await advance(e, { v: 1, orgId: ORG, jobId: "job_broken" });
    expect(await getJob(e.DB, ORG, "job_broken")).toMatchObject({ status: "failed", error: { code: "malformed_file" } });
    expect(await e.DOCUMENTS.head(key)).toBeNull();
  });
});
