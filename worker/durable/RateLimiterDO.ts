/**
 * What one IP address does, counted: one object per key (`ip:<address>`). Rate limits are
 * sliding windows kept in this object's SQLite (http/rate-limit.ts), so an object that is
 * evicted or restarted goes on counting where it was; open visitor connections are leases
 * here too (http/connection-caps.ts), given back when a connection closes and reconciled
 * with the conversations holding them when the address is at its cap. An alarm forgets
 * events every window has left behind.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { ConnectionLeases, type Lease, RECONCILE_MS } from "../http/connection-caps";
import { type HitResult, SlidingLog } from "../http/rate-limit";
import type { Bucket, RateLimiterRpc } from "./rpc";

export class RateLimiterDO extends DurableObject<Env> implements RateLimiterRpc {
  private readonly log: SlidingLog;
  private readonly leases: ConnectionLeases;
  private alarmAt: number | null = null;
  private reconciledAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.log = new SlidingLog(ctx.storage);
    this.leases = new ConnectionLeases(ctx.storage.sql);
  }

  async hit(buckets: Bucket[]): Promise<HitResult> {
    const result = this.log.hit(buckets);
    if (result.ok) await this.tidyBy(Date.now() + Math.max(...buckets.map((b) => b.windowMs)));
    return result;
  }

  async openConnection(lease: Lease, cap: number): Promise<boolean> {
    if (this.leases.count() < cap) {
      this.leases.add(lease);
      return true;
    }
    // At the cap: leases of connections that died without a close may be holding it.
    if (Date.now() - this.reconciledAt < RECONCILE_MS) return false;
    this.reconciledAt = Date.now();
    await this.reconcile();
    if (this.leases.count() >= cap) return false;
    this.leases.add(lease);
    return true;
  }

  async closeConnection(leaseId: string): Promise<void> {
    this.leases.remove(leaseId);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const next = this.log.prune();
    if (next !== null) await this.tidyBy(next);
  }

  /** Keeps an alarm set for when stored events expire (one alarm, the earliest needed). */
  private async tidyBy(at: number): Promise<void> {
    this.alarmAt ??= await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  private async reconcile(): Promise<void> {
    await Promise.all(
      [...this.leases.byConversation()].map(async ([conversationId, ids]) => {
        try {
          const live = new Set(await this.env.CONVERSATION.get(this.env.CONVERSATION.idFromName(conversationId)).liveConnections(ids));
          for (const id of ids) if (!live.has(id)) this.leases.remove(id);
        } catch (error) {
          // Unreachable for now: keep its leases rather than free a cap on a guess.
          console.error("connection reconcile failed", error);
        }
      }),
    );
  }
}
