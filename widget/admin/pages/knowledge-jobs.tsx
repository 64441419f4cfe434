/**
 * Ingestion jobs as the console shows them: the one follower that polls a running job until
 * it is done (an upload, a source added or refreshed, embedding the org's chunks), a
 * collection's recent jobs kept live, and the words for what a job changed
 * ("1 updated, 4 unchanged").
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { IngestJob, JobDocument } from "../../../shared/knowledge";
import { ingestJob, listIngestJobs } from "../endpoints";
import { Empty, ErrorNote, Loading, plural, Section, TableWrap, useLoad, when } from "../ui";

export const running = (job: IngestJob) => job.status === "queued" || job.status === "running";

/**
 * Polls a job every second until it is done or failed, telling `onUpdate` each state it
 * sees; answers the last. `alive()` false stops it early (the page went away).
 */
export async function followJob(org: string, job: IngestJob, onUpdate: (job: IngestJob) => void, alive: () => boolean = () => true): Promise<IngestJob> {
  let current = job;
  onUpdate(current);
  for (let i = 0; i < 1800 && running(current) && alive(); i++) {
    await new Promise((r) => setTimeout(r, 1000));
    if (!alive()) break;
    current = await ingestJob(org, current.id);
    onUpdate(current);
  }
  return current;
}

const CHANGES: JobDocument["change"][] = ["added", "updated", "unchanged", "removed"];

/** `{added: 2, updated: 1, unchanged: 5, removed: 0}` from a job's documents. */
export function changeCounts(job: IngestJob): Record<JobDocument["change"], number> {
  const counts = { added: 0, updated: 0, unchanged: 0, removed: 0 };
  for (const d of job.documents) counts[d.change]++;
  return counts;
}

/** "1 updated, 4 unchanged" (what the job did; "no document changed" when nothing). */
export function changeWords(job: IngestJob): string {
  const counts = changeCounts(job);
  const parts = CHANGES.filter((c) => counts[c]).map((c) => `${counts[c]} ${c}`);
  return parts.length ? parts.join(", ") : "no document";
}

const KIND_WORDS: Record<IngestJob["kind"], string> = {
  upload: "Upload",
  url: "Page",
  sitemap: "Sitemap",
  crawl: "Crawl",
  video: "Video page",
  refresh: "Refresh",
  embed: "Embedding",
  reparse: "Re-parse",
};

export function jobTitle(job: IngestJob): string {
  const what = job.input.filename ?? job.input.url ?? job.input.title ?? job.input.documentId ?? "";
  return what ? `${KIND_WORDS[job.kind]}: ${what}` : KIND_WORDS[job.kind];
}

export function StatusBadge({ job }: { job: IngestJob }) {
  const cls = job.status === "done" ? (job.errors.length ? "ad-b-pending" : "ad-b-delivered") : job.status === "failed" ? "ad-b-failed" : "ad-b-pending";
  return <span class={`ad-badge ${cls}`}>{job.status === "done" && job.errors.length ? "done with errors" : job.status}</span>;
}

/** done of total as a bar that says its numbers (a crawl's total grows as it finds pages). */
export function JobProgress({ job, label }: { job: IngestJob; label?: string }) {
  const { done, total } = job.progress;
  const pct = total ? Math.min(100, Math.round((done / total) * 100)) : job.status === "done" ? 100 : 0;
  const words = total ? `${done} of ${total}` : running(job) ? "starting…" : `${done}`;
  return (
    <div class="ad-job-progress">
      <div
        class="ad-bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={Math.max(total, 1)}
        aria-valuenow={Math.min(done, Math.max(total, 1))}
        aria-label={`${label ?? jobTitle(job)}: ${words}`}
      >
        <span class="ad-bar-fill" ref={(el) => el?.style.setProperty("width", `${pct}%`)} />
      </div>
      <span class="ad-sub" data-progress>
        {words}
      </span>
    </div>
  );
}

/** Each item that did not become a document, and why the job failed (when it did). */
export function JobErrors({ job }: { job: IngestJob }) {
  if (!job.error && !job.errors.length) return null;
  return (
    <div class="ad-job-errors">
      {job.error ? <p class="ad-field-error">{job.error.message}</p> : null}
      {job.errors.length ? (
        <details>
          <summary>{plural(job.errors.length, "item")} not ingested</summary>
          <ul>
            {job.errors.map((e, i) => (
              <li key={i}>
                <code>{e.item}</code>: {e.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

/** The documents a job touched, by what happened to each. */
function JobDocuments({ job }: { job: IngestJob }) {
  const changed = job.documents.filter((d) => d.change !== "unchanged");
  return (
    <>
      <span data-changes>{changeWords(job)}</span>
      {changed.length ? (
        <details>
          <summary>Which</summary>
          <ul class="ad-job-docs">
            {changed.map((d) => (
              <li key={`${d.id}-${d.change}`}>
                {d.title} <span class="ad-sub">({d.change})</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

export interface Jobs {
  /** The collection's recent jobs, newest first (undefined while loading). */
  list: IngestJob[] | undefined;
  error: ReturnType<typeof useLoad>["error"];
  reload: () => Promise<void>;
  /** A job the page just started: listed first and followed until it finishes. */
  track: (job: IngestJob) => void;
  /** A job by id, if held. */
  byId: (id: string) => IngestJob | undefined;
  /** Fetches a job in full once (a source's last run), following it if it runs. */
  ensure: (id: string) => void;
}

/**
 * A collection's recent jobs, kept live: every queued or running job is followed (one poller
 * each); `onFinished` runs as each one ends, so the documents and sources can be read again.
 */
export function useJobs(org: string, collection: string, onFinished: (job: IngestJob) => void): Jobs {
  const load = useLoad(() => listIngestJobs(org, { collection, limit: 10 }), [org, collection]);
  const [jobs, setJobs] = useState<Map<string, IngestJob>>(new Map());
  const [order, setOrder] = useState<string[]>([]);
  const followed = useRef(new Set<string>());
  const fetching = useRef(new Set<string>());
  const alive = useRef(true);
  const finished = useRef(onFinished);
  finished.current = onFinished;
  useEffect(() => {
    alive.current = true;
    return () => void (alive.current = false);
  }, []);

  const put = useCallback((job: IngestJob) => setJobs((m) => new Map(m).set(job.id, job)), []);
  const follow = useCallback(
    (job: IngestJob) => {
      if (followed.current.has(job.id)) return;
      followed.current.add(job.id);
      void followJob(org, job, put, () => alive.current)
        .then((last) => {
          if (alive.current && !running(last)) finished.current(last);
        })
        .catch(() => {})
        .finally(() => followed.current.delete(job.id));
    },
    [org, put],
  );

  useEffect(() => {
    if (!load.data) return;
    setJobs((m) => {
      const next = new Map(m);
      // A listed job carries its last 20 documents: a fuller copy already held, or one being followed, wins.
      for (const j of load.data!.jobs) {
        const held = next.get(j.id);
        if (!held || (!followed.current.has(j.id) && held.documents.length <= j.documents.length)) next.set(j.id, j);
      }
      return next;
    });
    setOrder((o) => [...new Set([...o, ...load.data!.jobs.map((j) => j.id)])]);
    for (const j of load.data.jobs) if (running(j)) follow(j);
  }, [load.data, follow]);

  const track = useCallback(
    (job: IngestJob) => {
      put(job);
      setOrder((o) => [job.id, ...o.filter((id) => id !== job.id)]);
      follow(job);
    },
    [put, follow],
  );

  /** Holds the job in full (a source's last run): fetched unless known, or known only as a listed, possibly cut, copy. */
  const ensure = useCallback(
    (id: string) => {
      if (fetching.current.has(id) || followed.current.has(id)) return;
      fetching.current.add(id);
      void ingestJob(org, id)
        .then((job) => {
          if (!alive.current) return;
          put(job);
          if (running(job)) follow(job);
        })
        .catch(() => fetching.current.delete(id));
    },
    [org, put, follow],
  );

  const list = load.data ? order.map((id) => jobs.get(id)).filter((j): j is IngestJob => !!j).sort((a, b) => b.createdAt.localeCompare(a.createdAt)) : undefined;
  return { list, error: load.error, reload: load.reload, track, byId: (id) => jobs.get(id), ensure };
}

export function JobsSection({ jobs }: { jobs: Jobs }) {
  return (
    <Section title="Ingestion jobs" id="jobs" description="Uploads, fetches, crawls and refreshes run in the background; a running job's progress updates here.">
      {jobs.list === undefined ? (
        jobs.error ? <ErrorNote error={jobs.error} retry={() => void jobs.reload()} /> : <Loading label="Loading jobs…" />
      ) : jobs.list.length === 0 ? (
        <Empty title="No job yet">
          <p>Upload a file, add a sitemap or crawl a site section: each runs as a job you can follow here.</p>
        </Empty>
      ) : (
        <TableWrap label="Ingestion jobs">
          <table class="ad-table" data-table="jobs">
            <caption class="ad-offscreen">Ingestion jobs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Documents</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {jobs.list.map((j) => (
                <tr key={j.id} data-job={j.id} data-status={j.status}>
                  <td class="ad-ellipsis" title={jobTitle(j)}>
                    {jobTitle(j)}
                  </td>
                  <td>
                    <StatusBadge job={j} />
                    <JobErrors job={j} />
                  </td>
                  <td>
                    <JobProgress job={j} />
                  </td>
                  <td>
                    <JobDocuments job={j} />
                  </td>
                  <td>{when(j.startedAt ?? j.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </Section>
  );
}
