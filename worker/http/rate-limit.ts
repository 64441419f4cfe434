/**
 * Rate limits on what visitors can do cheaply and repeat: starting conversations and
 * sending messages (per IP, counted in a RateLimiterDO; per conversation, counted in the
 * conversation's own object), and staff sign-in attempts. Each limit can be changed by an
 * environment variable; exceeding one is a 429 with Retry-After.
 */
import type { Bucket } from "../durable/rpc";
import type { Env } from "../env";
import { ApiError } from "./errors";

const num = (value: unknown, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

export function limits(env: Env) {
  return {
    startsPerIp: { limit: num(env.RATE_LIMIT_STARTS_PER_IP, 30), windowMs: 10 * 60_000 },
    sendsPerIp: { limit: num(env.RATE_LIMIT_SENDS_PER_IP, 120), windowMs: 60_000 },
    sendsPerVisitor: { limit: num(env.RATE_LIMIT_SENDS_PER_VISITOR, 20), windowMs: 60_000 },
    loginsPerIp: { limit: num(env.RATE_LIMIT_LOGINS_PER_IP, 10), windowMs: 60_000 },
    /** Handoff requests, leads, feedback and identify calls together. */
    actionsPerIp: { limit: num(env.RATE_LIMIT_ACTIONS_PER_IP, 60), windowMs: 60_000 },
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
  const spec = limits(env)[name];
  const bucket: Bucket = { name, ...spec };
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`ip:${ip}`));
  const result = await stub.hit([bucket]);
  if (!result.ok) throw tooMany(result.retryAfterMs, what);
}

/** An in-memory sliding window for one conversation's sends (lives in its Durable Object). */
export class SlidingWindow {
  private times: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records a hit, or answers how long until one fits. */
  hit(now = Date.now()): number | null {
    this.times = this.times.filter((t) => t > now - this.windowMs);
    if (this.times.length >= this.limit) return (this.times[0] ?? now) + this.windowMs - now;
    this.times.push(now);
    return null;
  }
}
