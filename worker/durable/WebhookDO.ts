/**
 * One per site: the outbox of its webhook. Events are queued here (the event id is the
 * idempotency key, so a repeated enqueue is a no-op and receivers can de-duplicate), then
 * delivered from this object's alarm, HMAC-signed, and retried with exponential backoff
 * when the endpoint fails. The conversation only enqueues, so a slow or failing endpoint
 * never holds up the chat.
 */
import { DurableObject } from "cloudflare:workers";
import { hmacHex } from "../auth/hmac";
import type { Env } from "../env";
import { guardedFetch } from "../net/outbound";
import type { WebhookEvent, WebhookRpc } from "./rpc";

interface Row extends Record<string, SqlStorageValue> {
  id: string;
  type: string;
  url: string;
  secret: string;
  body: string;
  attempts: number;
  next_at: number;
  status: string;
  last_error: string | null;
}

const MAX_ATTEMPTS = 8;
const TIMEOUT_MS = 10_000;

export class WebhookDO extends DurableObject<Env> implements WebhookRpc {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS deliveries (
      id TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      url TEXT NOT NULL,
      secret TEXT NOT NULL,
      body TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_at INTEGER NOT NULL,
      status TEXT NOT NULL DEFAULT 'pending',
      last_error TEXT
    )`);
  }

  async enqueue(event: WebhookEvent): Promise<void> {
    const body = JSON.stringify({ id: event.id, type: event.type, createdAt: new Date().toISOString(), data: event.payload });
    this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO deliveries (id, type, url, secret, body, next_at) VALUES (?, ?, ?, ?, ?, ?)",
      event.id,
      event.type,
      event.url,
      event.secret,
      body,
      Date.now(),
    );
    await this.schedule();
  }

  /** Delivery state, newest first, for the admin API and tests. */
  async deliveries(limit = 1000): Promise<{ id: string; type: string; attempts: number; status: string; lastError: string | null; createdAt: string | null }[]> {
    return this.ctx.storage.sql
      .exec<Row & { created_at: string | null }>("SELECT *, json_extract(body, '$.createdAt') AS created_at FROM deliveries ORDER BY rowid DESC LIMIT ?", limit)
      .toArray()
      .map((r) => ({ id: r.id, type: r.type, attempts: r.attempts, status: r.status, lastError: r.last_error, createdAt: r.created_at }));
  }

  override async alarm(): Promise<void> {
    // A little slack: an alarm may fire a millisecond before the time it was set for.
    const due = this.ctx.storage.sql.exec<Row>("SELECT * FROM deliveries WHERE status = 'pending' AND next_at <= ? ORDER BY next_at LIMIT 20", Date.now() + 50).toArray();
    await Promise.all(due.map((row) => this.deliver(row)));
    // Delivered events are kept a week for inspection, then dropped.
    this.ctx.storage.sql.exec("DELETE FROM deliveries WHERE status = 'delivered' AND next_at < ?", Date.now() - 7 * 86_400_000);
    // Inside the alarm handler the firing alarm still reads as set: always set the next one.
    await this.schedule(true);
  }

  private async deliver(row: Row): Promise<void> {
    const timestamp = Math.floor(Date.now() / 1000).toString();
    const signature = await hmacHex(row.secret, `${timestamp}.${row.body}`);
    let error: string | null = null;
    try {
      // Through the outbound guard: a webhook URL may not reach a private address.
      const { response } = await guardedFetch(this.env, row.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Switchboard-Webhook/1",
          "x-switchboard-event": row.type,
          "x-switchboard-delivery": row.id,
          "x-switchboard-timestamp": timestamp,
          "x-switchboard-signature": `sha256=${signature}`,
        },
        body: row.body,
        timeoutMs: TIMEOUT_MS,
      });
      await response.body?.cancel();
      if (!response.ok) error = `HTTP ${response.status}`;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const attempts = row.attempts + 1;
    if (!error) {
      this.ctx.storage.sql.exec("UPDATE deliveries SET status = 'delivered', attempts = ?, last_error = NULL WHERE id = ?", attempts, row.id);
      return;
    }
    const base = Number(this.env.WEBHOOK_RETRY_BASE_MS ?? 10_000) || 10_000;
    const status = attempts >= MAX_ATTEMPTS ? "failed" : "pending";
    // 10 s, 20 s, 40 s … capped at an hour, with jitter so a recovering endpoint is not stampeded.
    const delay = Math.min(3_600_000, base * 2 ** (attempts - 1)) * (0.8 + Math.random() * 0.4);
    this.ctx.storage.sql.exec(
      "UPDATE deliveries SET attempts = ?, next_at = ?, status = ?, last_error = ? WHERE id = ?",
      attempts,
      Date.now() + Math.round(delay),
      status,
      error,
      row.id,
    );
  }

  private async schedule(force = false): Promise<void> {
    const next = this.ctx.storage.sql.exec<{ n: number | null }>("SELECT MIN(next_at) AS n FROM deliveries WHERE status = 'pending'").one().n;
    if (next === null) return;
    const current = force ? null : await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }
}
