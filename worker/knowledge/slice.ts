/**
 * What a job runner gets for one slice of its job (see consumer.ts), and the helpers every
 * runner uses.
 */
import { ApiError } from "../http/errors";
import type { Env } from "../env";
import type { JobInput, JobRow, Step } from "./jobs";

export interface SliceContext {
  env: Env;
  job: JobRow;
  input: JobInput;
  /** Start no new item after this (ms since the epoch). */
  deadline: number;
  /** The item the job stands at has failed to finish MAX_STEP_ATTEMPTS times: skip it. */
  skipCurrent: boolean;
  /** Saves one item's outcome and where the run stands. */
  step(step: Step): Promise<void>;
}

export type SliceResult = { done: true } | { done: false; delaySeconds?: number };

/** JSON state of a job, or the fallback when it has none yet. */
export function stateOf<T>(job: JobRow, fallback: T): T {
  if (!job.state) return fallback;
  try {
    return { ...fallback, ...(JSON.parse(job.state) as T) };
  } catch {
    return fallback;
  }
}

/** An item's failure as a job error: the message of a 4xx, a generic line for anything else. */
export function itemError(item: string, error: unknown): { item: string; code: string; message: string } | null {
  if (error instanceof ApiError && error.status < 500) return { item, code: error.code, message: error.message };
  if (error instanceof ApiError && error.code === "fetch_failed") return { item, code: error.code, message: error.message };
  return null;
}
