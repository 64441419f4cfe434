/**
 * Rate limits on what visitors can do cheaply and repeat: starting conversations and
 * sending messages (per IP, counted in a RateLimiterDO; per conversation, counted in the
 * conversation's own object), and staff sign-in attempts. Each limit can be changed by an
 * environment variable — a count (`120`, per the default window) or a count and a window
 * (`120/1m`, `5/2s`, `30/10m`, `1000/1h`); exceeding one is a 429 with Retry-After.
 *
 * Windows slide: a limit of N per W means no W-long stretch of time ever holds more than N
 * admitted events, wherever it starts (a fixed window let 2N through across its boundary).
 * Each admitted event is a row in the counting object's SQLite, so a limiter that is evicted
 * or restarted goes on counting where it was.
 */
import type { Bucket } from "../durable/rpc";
import type { Env } from "../env";
import { ApiError } from "./errors";

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `"120"` → 120 per `windowMs`; `"120/30s"` → 120 per 30 s; anything else → the default. */
export function parseLimit(value: unknown, limit: number, windowMs: number): { limit: number; windowMs: number } {
  const match = typeof value === "string" ? /^\s*(\d+)\s*(?:\/\s*(\d+)\s*(ms|s|m|h)\s*)?$/.exec(value) : null;
  const count = Number(match?.[1]);
  if (!match || !(count > 0)) return { limit, windowMs };
  const window = match[2] ? Number(match[2]) * (UNITS[match[3] ?? "ms"] ?? 1) : windowMs;
  return { limit: count, windowMs: window > 0 ? window : windowMs };
}

export function limits(env: Env) {
  return {
    startsPerIp: parseLimit(env.RATE_LIMIT_STARTS_PER_IP, 30, 10 * 60_000),
    sendsPerIp: parseLimit(env.RATE_LIMIT_SENDS_PER_IP, 120, 60_000),
    sendsPerVisitor: parseLimit(env.RATE_LIMIT_SENDS_PER_VISITOR, 20, 60_000),
    loginsPerIp: parseLimit(env.RATE_LIMIT_LOGINS_PER_IP, 10, 60_000),
    /** Handoff requests, leads, feedback and identify calls together. */
    actionsPerIp: parseLimit(env.RATE_LIMIT_ACTIONS_PER_IP, 60, 60_000),
  };
}

export type LimitName = keyof ReturnType<typeof limits>;

/** The client's address as Cloudflare reports it (locally: whatever proxy set it, else "local"). */
export function clientIp(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? "local";
}

export function tooMany(retryAfterMs: number, what: string): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError(429, "rate_limited", `too many ${what}; try again in ${seconds} s`, { "retry-after": String(seconds) });
}

/** Counts one `name` event for this IP, or throws 429. */
export async function limitIp(env: Env, ip: string, name: LimitName, what: string): Promise<void> {
  const result = await ipLimiter(env, ip).hit([{ name, ...limits(env)[name] }]);
  if (!result.ok) throw tooMany(result.retryAfterMs, what);
}

/** The object that counts everything one IP does (rate limits and open connections). */
export const ipLimiter = (env: Env, ip: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`ip:${ip}`));

export type HitResult = { ok: true } | { ok: false; retryAfterMs: number; bucket: string };

/**
 * Sliding windows in a Durable Object's SQLite: one row per admitted event and bucket, so a
 * bucket never holds more than its limit and the count for any window is exact. A hit counts
 * against every bucket it names, or — when one is full — against none, and says when the
 * oldest event that fills it leaves the window.
 */
export class SlidingLog {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec("CREATE TABLE IF NOT EXISTS rate_events (bucket TEXT NOT NULL, at INTEGER NOT NULL, until INTEGER NOT NULL)");
    storage.sql.exec("CREATE INDEX IF NOT EXISTS rate_events_by_bucket ON rate_events (bucket, at)");
  }

  hit(buckets: Bucket[], now = Date.now()): HitResult {
    const sql = this.storage.sql;
    for (const b of buckets) {
      sql.exec("DELETE FROM rate_events WHERE bucket = ? AND at <= ?", b.name, now - b.windowMs);
      const count = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM rate_events WHERE bucket = ?", b.name).one().n;
      if (count >= b.limit) {
        // One fits again when the event `count - limit` places from the oldest has left the window.
        const oldest = sql.exec<{ at: number }>("SELECT at FROM rate_events WHERE bucket = ? ORDER BY at LIMIT 1 OFFSET ?", b.name, count - b.limit).one().at;
        return { ok: false, retryAfterMs: Math.max(1, oldest + b.windowMs - now), bucket: b.name };
      }
    }
    this.storage.transactionSync(() => {
      for (const b of buckets) sql.exec("INSERT INTO rate_events (bucket, at, until) VALUES (?, ?, ?)", b.name, now, now + b.windowMs);
    });
    return { ok: true };
  }

  /** Whether `hit` would admit one more event now, read only (nothing recorded, nothing forgotten). */
  fits(buckets: Bucket[], now = Date.now()): boolean {
    const sql = this.storage.sql;
    return buckets.every((b) => sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM rate_events WHERE bucket = ? AND at > ?", b.name, now - b.windowMs).one().n < b.limit);
  }

  /** Forgets events every window has left behind; answers when the next one will expire (null: none left). */
  prune(now = Date.now()): number | null {
    const sql = this.storage.sql;
    sql.exec("DELETE FROM rate_events WHERE until <= ?", now);
    return sql.exec<{ next: number | null }>("SELECT MIN(until) AS next FROM rate_events").one().next;
  }
}
