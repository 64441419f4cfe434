/**
 * The scheduled refresh (one of the hourly jobs in scheduled.ts): every URL-based source
 * whose interval — its own `refresh_days`, else its collection's — has passed gets a
 * refresh job on the INGEST queue, unless it is already running one. The job re-fetches
 * conditionally, so what has not changed costs a 304; what changed is re-indexed and says
 * what changed; what is gone is removed.
 */
import type { Env } from "../env";
import { runSourceNow } from "./source-runs";
import { dueSources } from "./sources";

/** Sources started per tick, at most; the rest are due again at the next tick. */
export const REFRESH_PER_TICK = 100;

export async function refreshDueSources(env: Env, now: Date): Promise<number> {
  const due = await dueSources(env.DB, now, REFRESH_PER_TICK);
  let started = 0;
  for (const source of due) {
    try {
      await runSourceNow(env, source, "refresh", "schedule", now);
      started++;
    } catch (error) {
      console.error(`refresh of source ${source.id} could not start`, error);
    }
  }
  return started;
}
