/**
 * An org's budgets in its Durable Object's SQLite: the rules, a counter per rule and
 * window, and the ledger rows not yet written to D1. Every method is synchronous: the
 * object runs one at a time between awaits, so a check and the change it allows see the
 * same counters (no read-modify-write race), and a settlement changes counters and adds
 * its ledger row in one transaction.
 */
import { type BudgetHit, type BudgetRule, type Counter, fits, type Reservation, type UsageRecord, windowOf } from "../engine/budget";
import { randomId } from "../ids";

export interface RuleSummary {
  id: string;
  team: string | null;
  period: "day" | "month";
  limitTokens: number;
  createdAt: string;
  window: string;
  used: number;
  reserved: number;
}

/** A ledger row waiting to be written to D1's usage_ledger. */
export interface LedgerRow {
  id: string;
  org_id: string;
  team: string | null;
  conversation_id: string;
  run_id: string;
  agent_id: string;
  tokens: number;
  created_at: number;
}

interface RuleRow extends Record<string, SqlStorageValue> {
  id: string;
  org_id: string;
  team: string | null;
  period: string;
  limit_tokens: number;
  created_at: string;
}

export class BudgetBook {
  private cached: BudgetRule[] | null = null;

  constructor(private readonly storage: DurableObjectStorage) {
    const sql = storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS rules (
      id TEXT PRIMARY KEY,
      org_id TEXT NOT NULL,
      team TEXT,
      period TEXT NOT NULL,
      limit_tokens INTEGER NOT NULL,
      created_at TEXT NOT NULL
    )`);
    sql.exec(`CREATE TABLE IF NOT EXISTS counters (
      rule_id TEXT NOT NULL,
      win TEXT NOT NULL,
      used INTEGER NOT NULL DEFAULT 0,
      reserved INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (rule_id, win)
    )`);
    sql.exec(`CREATE TABLE IF NOT EXISTS ledger_outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      org_id TEXT NOT NULL,
      team TEXT,
      conversation_id TEXT NOT NULL,
      run_id TEXT NOT NULL,
      agent_id TEXT NOT NULL,
      tokens INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    )`);
    sql.exec("CREATE TABLE IF NOT EXISTS book_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  // ---- rules ------------------------------------------------------------------------------

  rules(): BudgetRule[] {
    this.cached ??= this.sql
      .exec<RuleRow>("SELECT * FROM rules ORDER BY created_at, id")
      .toArray()
      .map((r) => ({ id: r.id, org_id: r.org_id, team: r.team, period: r.period as "day" | "month", limit_tokens: r.limit_tokens }));
    return this.cached;
  }

  /** The org's rules and, for an agent of a team, that team's. */
  private applicable(team: string | null): BudgetRule[] {
    return this.rules().filter((r) => r.team === null || r.team === team);
  }

  addRule(rule: BudgetRule & { created_at?: string }): void {
    this.sql.exec(
      "INSERT INTO rules (id, org_id, team, period, limit_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      rule.id,
      rule.org_id,
      rule.team,
      rule.period,
      rule.limit_tokens,
      rule.created_at ?? new Date().toISOString(),
    );
    this.cached = null;
  }

  deleteRule(id: string): boolean {
    const deleted = this.sql.exec("DELETE FROM rules WHERE id = ?", id).rowsWritten > 0;
    this.cached = null;
    return deleted;
  }

  summaries(): RuleSummary[] {
    const created = new Map(this.sql.exec<RuleRow>("SELECT id, created_at FROM rules").toArray().map((r) => [r.id, r.created_at]));
    return this.rules().map((rule) => {
      const window = windowOf(rule.period);
      const c = this.counter(rule.id, window);
      return { id: rule.id, team: rule.team, period: rule.period, limitTokens: rule.limit_tokens, createdAt: created.get(rule.id) ?? "", window, ...c };
    });
  }

  // ---- counters -----------------------------------------------------------------------------

  private counter(ruleId: string, window: string): Counter {
    const row = this.sql.exec<{ used: number; reserved: number }>("SELECT used, reserved FROM counters WHERE rule_id = ? AND win = ?", ruleId, window).toArray()[0];
    return row ?? { used: 0, reserved: 0 };
  }

  private hitFor(rule: BudgetRule, window: string): BudgetHit {
    return { ruleId: rule.id, period: rule.period, team: rule.team, limit: rule.limit_tokens, used: this.counter(rule.id, window).used };
  }

  /** Every applicable rule takes the estimate, or none does and the first without room is reported. */
  reserve(team: string | null, estimate: number): Reservation | BudgetHit {
    const windows = this.applicable(team).map((rule) => ({ rule, window: windowOf(rule.period) }));
    const hit = this.check(team, estimate);
    if (hit) return hit;
    this.storage.transactionSync(() => {
      for (const { rule, window } of windows) {
        this.sql.exec(
          `INSERT INTO counters (rule_id, win, used, reserved) VALUES (?, ?, 0, ?)
           ON CONFLICT (rule_id, win) DO UPDATE SET reserved = reserved + excluded.reserved`,
          rule.id,
          window,
          estimate,
        );
      }
    });
    return { estimate, windows };
  }

  /** Spend replaces the reservation, and the ledger row is added, in one transaction. */
  settle(orgId: string, team: string | null, reservation: Reservation, usage: UsageRecord): void {
    this.storage.transactionSync(() => {
      for (const { rule, window } of reservation.windows) {
        this.sql.exec(
          `INSERT INTO counters (rule_id, win, used, reserved) VALUES (?, ?, ?, 0)
           ON CONFLICT (rule_id, win) DO UPDATE SET used = used + excluded.used, reserved = MAX(reserved - ?, 0)`,
          rule.id,
          window,
          usage.tokens,
          reservation.estimate,
        );
      }
      this.sql.exec(
        "INSERT INTO ledger_outbox (id, org_id, team, conversation_id, run_id, agent_id, tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        randomId("u_"),
        orgId,
        team,
        usage.conversationId,
        usage.runId,
        usage.agentId,
        usage.tokens,
        Date.now(),
      );
    });
  }

  release(reservation: Reservation): void {
    this.storage.transactionSync(() => {
      for (const { rule, window } of reservation.windows) {
        this.sql.exec("UPDATE counters SET reserved = MAX(reserved - ?, 0) WHERE rule_id = ? AND win = ?", reservation.estimate, rule.id, window);
      }
    });
  }

  /** The first applicable rule without room for `estimate` more tokens (the rule `reserve` applies, without reserving). */
  check(team: string | null, estimate: number): BudgetHit | null {
    for (const rule of this.applicable(team)) {
      const window = windowOf(rule.period);
      if (!fits(rule.limit_tokens, this.counter(rule.id, window), estimate)) return this.hitFor(rule, window);
    }
    return null;
  }

  /** Windows that ended long ago are no longer read (the ledger keeps the history). */
  pruneWindows(before: string): void {
    this.sql.exec("DELETE FROM counters WHERE win < ?", before);
  }

  // ---- the ledger outbox ------------------------------------------------------------------

  pending(limit: number): LedgerRow[] {
    return this.sql
      .exec<LedgerRow & Record<string, SqlStorageValue>>(
        "SELECT id, org_id, team, conversation_id, run_id, agent_id, tokens, created_at FROM ledger_outbox ORDER BY seq LIMIT ?",
        limit,
      )
      .toArray();
  }

  pendingCount(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_outbox").one().n;
  }

  flushed(ids: string[]): void {
    this.storage.transactionSync(() => {
      for (const id of ids) this.sql.exec("DELETE FROM ledger_outbox WHERE id = ?", id);
    });
  }

  // ---- what an earlier version kept in D1 -------------------------------------------------

  imported(): boolean {
    return this.sql.exec("SELECT 1 FROM book_state WHERE key = 'imported'").toArray().length > 0;
  }

  /**
   * Rules and counters read from D1 (budget_rules, budget_counters). Spend carries over;
   * reservations do not (whatever held them did not survive the upgrade).
   */
  importLegacy(rules: (BudgetRule & { created_at: string })[], counters: { rule_id: string; window: string; used: number }[]): void {
    this.storage.transactionSync(() => {
      for (const rule of rules) {
        this.sql.exec(
          "INSERT OR IGNORE INTO rules (id, org_id, team, period, limit_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?)",
          rule.id,
          rule.org_id,
          rule.team,
          rule.period,
          rule.limit_tokens,
          rule.created_at,
        );
      }
      for (const c of counters) {
        this.sql.exec(
          `INSERT INTO counters (rule_id, win, used, reserved) VALUES (?, ?, ?, 0)
           ON CONFLICT (rule_id, win) DO UPDATE SET used = used + excluded.used`,
          c.rule_id,
          c.window,
          c.used,
        );
      }
      this.sql.exec("INSERT OR REPLACE INTO book_state (key, value) VALUES ('imported', ?)", new Date().toISOString());
    });
    this.cached = null;
  }
}
