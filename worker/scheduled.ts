/**
 * Work that runs on a clock (Cron Triggers; they run locally under `wrangler dev` and
 * `npm start` too). One hourly trigger: each job decides for itself what is due (a source
 * whose refresh interval has passed, an org whose weekly digest is owed), so a missed or
 * repeated tick does no harm and adding a job needs no new trigger.
 */
import type { Env } from "./env";
import { refreshDueSources } from "./knowledge/refresh";
import { digestJob } from "./insights/digest";
import { backfillJob } from "./insights/rebuild";

export type ScheduledJob = (env: Env, now: Date) => Promise<void>;

/** Add a job here. Each runs on its own: one failing does not stop the others. */
const JOBS: { name: string; run: ScheduledJob }[] = [
  // URL-based knowledge sources whose refresh interval has passed (knowledge/refresh.ts).
  { name: "knowledge-refresh", run: async (env, now) => void (await refreshDueSources(env, now)) },
  // Insights: each site's weekly digest through its webhook; facts stored before insights existed.
  { name: "insights-digest", run: (env, now) => digestJob(env, now) },
  { name: "insights-backfill", run: (env) => backfillJob(env) },
];

export async function runScheduled(env: Env, now = new Date()): Promise<void> {
  const results = await Promise.allSettled(JOBS.map((job) => job.run(env, now)));
  results.forEach((r, i) => {
    if (r.status === "rejected") console.error(`scheduled job ${JOBS[i]?.name} failed`, r.reason);
  });
}
