/**
 * One per org: its token budgets. Every model call of every conversation of the org
 * reserves here before it starts and settles here after (org/budget-book.ts): one object
 * handling one call at a time keeps the counters exact under any concurrency, with no D1
 * round trip on a model call. Each settlement leaves a ledger row in this object's outbox;
 * the alarm writes the outbox to D1's `usage_ledger` in batches (idempotently: a batch
 * written twice is stored once), so counters equal the ledger's sum once it is flushed.
 *
 * On first use the object takes over what an earlier version kept in D1 for the org
 * (budget_rules, budget_counters).
 */
import { DurableObject } from "cloudflare:workers";
import type { BudgetHit, Reservation, UsageRecord } from "../engine/budget";
import type { Env } from "../env";
import { randomId } from "../ids";
import { BudgetBook, type LedgerRow, type RuleSummary } from "../org/budget-book";
import type { NewRule, OrgRpc } from "./rpc";

/** How long a ledger row may wait for company before it is written. */
const FLUSH_AFTER_MS = 2_000;
/** Rows per D1 batch; a full batch is written at once. */
const FLUSH_BATCH = 100;
/** After a failed write, try again in. */
const RETRY_MS = 5_000;
/** Counter windows older than this are dropped (the ledger keeps the history). */
const KEEP_WINDOWS_DAYS = 100;

export class OrgDO extends DurableObject<Env> implements OrgRpc {
  private readonly book: BudgetBook;
  private opening: Promise<void> | null = null;
  private flushing: Promise<number> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.book = new BudgetBook(ctx.storage);
  }

  async reserve(request: { orgId: string; team: string | null; estimate: number }): Promise<Reservation | BudgetHit> {
    await this.open(request.orgId);
    return this.book.reserve(request.team, request.estimate);
  }

  async settle(request: { orgId: string; team: string | null; reservation: Reservation; usage: UsageRecord }): Promise<void> {
    await this.open(request.orgId);
    this.book.settle(request.orgId, request.team, request.reservation, request.usage);
    await this.scheduleFlush();
  }

  async release(request: { orgId: string; reservation: Reservation }): Promise<void> {
    await this.open(request.orgId);
    this.book.release(request.reservation);
  }

  async check(request: { orgId: string; team: string | null; estimate: number }): Promise<BudgetHit | null> {
    await this.open(request.orgId);
    return this.book.check(request.team, request.estimate);
  }

  async rules(orgId: string): Promise<RuleSummary[]> {
    await this.open(orgId);
    return this.book.summaries();
  }

  async addRule(orgId: string, rule: NewRule): Promise<{ id: string }> {
    await this.open(orgId);
    const id = randomId("rule_", 9);
    this.book.addRule({ id, org_id: orgId, team: rule.team, period: rule.period, limit_tokens: rule.limitTokens });
    return { id };
  }

  async deleteRule(orgId: string, id: string): Promise<boolean> {
    await this.open(orgId);
    return this.book.deleteRule(id);
  }

  async flushLedger(): Promise<{ written: number }> {
    let written = 0;
    // One writer at a time; a flush asked for while another runs waits, then writes the rest.
    while (this.flushing) written += await this.flushing.catch(() => 0);
    this.flushing = this.drain();
    try {
      written += await this.flushing;
    } finally {
      this.flushing = null;
    }
    return { written };
  }

  override async alarm(): Promise<void> {
    try {
      await this.flushLedger();
    } catch (error) {
      console.error("usage ledger flush failed", error);
      await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
      return;
    }
    this.book.pruneWindows(new Date(Date.now() - KEEP_WINDOWS_DAYS * 86_400_000).toISOString().slice(0, 10));
    if (this.book.pendingCount() > 0) await this.ctx.storage.setAlarm(Date.now());
  }

  private async drain(): Promise<number> {
    let written = 0;
    while (true) {
      const rows = this.book.pending(FLUSH_BATCH);
      if (rows.length === 0) return written;
      await this.env.DB.batch(rows.map((r) => this.insert(r)));
      this.book.flushed(rows.map((r) => r.id));
      written += rows.length;
    }
  }

  private insert(r: LedgerRow): D1PreparedStatement {
    return this.env.DB.prepare(
      `INSERT OR IGNORE INTO usage_ledger (id, org_id, team, conversation_id, run_id, agent_id, tokens, created_at, day)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(r.id, r.org_id, r.team, r.conversation_id, r.run_id, r.agent_id, r.tokens, r.created_at, new Date(r.created_at).toISOString().slice(0, 10));
  }

  /** Soon, or at once when a batch is full. */
  private async scheduleFlush(): Promise<void> {
    const due = this.book.pendingCount() >= FLUSH_BATCH ? Date.now() : Date.now() + FLUSH_AFTER_MS;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > due) await this.ctx.storage.setAlarm(due);
  }

  /** The first call after the object starts makes sure the org's legacy D1 budgets were taken over. */
  private open(orgId: string): Promise<void> {
    if (!this.opening) {
      this.opening = this.book.imported()
        ? Promise.resolve()
        : this.ctx.blockConcurrencyWhile(() => this.importLegacy(orgId)).catch((error: unknown) => {
            this.opening = null;
            throw error;
          });
    }
    return this.opening;
  }

  private async importLegacy(orgId: string): Promise<void> {
    if (this.book.imported()) return;
    const [rules, counters] = await this.env.DB.batch([
      this.env.DB.prepare("SELECT id, org_id, team, period, limit_tokens, created_at FROM budget_rules WHERE org_id = ?").bind(orgId),
      this.env.DB.prepare(
        "SELECT c.rule_id, c.window, c.used FROM budget_counters c JOIN budget_rules r ON r.id = c.rule_id WHERE r.org_id = ?",
      ).bind(orgId),
    ]);
    type Rule = { id: string; org_id: string; team: string | null; period: "day" | "month"; limit_tokens: number; created_at: string };
    this.book.importLegacy((rules?.results ?? []) as Rule[], (counters?.results ?? []) as { rule_id: string; window: string; used: number }[]);
    if (rules?.results.length) {
      await this.env.DB.batch([
        this.env.DB.prepare("DELETE FROM budget_counters WHERE rule_id IN (SELECT id FROM budget_rules WHERE org_id = ?)").bind(orgId),
        this.env.DB.prepare("DELETE FROM budget_rules WHERE org_id = ?").bind(orgId),
      ]);
    }
  }
}
