/**
 * Why a run stopped early. These travel as AbortSignal reasons, so that whatever was in
 * flight (a model stream, a tool call, a child run) can tell a deadline from a stop.
 */
export class DeadlineExceeded extends Error {
  readonly code = "timeout";
  constructor(message = "the deadline passed") {
    super(message);
  }
}

export class RunCancelled extends Error {
  readonly code = "cancelled";
  constructor(message = "the run was cancelled") {
    super(message);
  }
}

/**
 * A signal that aborts at `deadline` (with DeadlineExceeded) or when `cancel` is called
 * (with RunCancelled), whichever comes first.
 */
export function runController(deadline: number) {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DeadlineExceeded()),
    Math.max(0, deadline - Date.now()),
  );
  return {
    signal: controller.signal,
    cancel(reason: Error = new RunCancelled()) {
      if (!controller.signal.aborted) controller.abort(reason);
    },
    dispose() {
      clearTimeout(timer);
    },
  };
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** A promise that resolves after `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const wait = new Promise<void>((resolve) => setTimeout(resolve, ms));
  return signal ? raceSignal(wait, signal) : wait;
}

/** Runs `fn` over `items` with at most `limit` in flight at once; results keep their order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}
