/**
 * A rate-limit counter, one object per key (an IP address). Fixed windows per bucket; a hit
 * either counts against every bucket it names or, when one is full, counts against none and
 * says when to come back. Counts live in memory: if the object is evicted the windows
 * restart, which errs on the side of letting people in.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { Bucket, RateLimiterRpc } from "./rpc";

export class RateLimiterDO extends DurableObject<Env> implements RateLimiterRpc {
  private windows = new Map<string, { start: number; count: number }>();

  async hit(buckets: Bucket[]): Promise<{ ok: true } | { ok: false; retryAfterMs: number; bucket: string }> {
    const now = Date.now();
    const current = buckets.map((b) => {
      const start = Math.floor(now / b.windowMs) * b.windowMs;
      const w = this.windows.get(b.name);
      return { b, start, count: w && w.start === start ? w.count : 0 };
    });
    const full = current.find((x) => x.count >= x.b.limit);
    if (full) return { ok: false, retryAfterMs: full.start + full.b.windowMs - now, bucket: full.b.name };
    for (const x of current) this.windows.set(x.b.name, { start: x.start, count: x.count + 1 });
    return { ok: true };
  }
}
