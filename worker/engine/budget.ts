/**
 * Token budgets. A rule caps an org's (or one team's) tokens per day or month. Before a
 * model call the engine reserves an estimate on every rule that applies; afterwards it
 * settles the real usage and writes the ledger row in the same D1 transaction. Each
 * counter change is a single conditional `UPDATE … RETURNING`, so concurrent calls from
 * many conversations cannot both take the last tokens, and counters always equal the
 * ledger's sum.
 */
import { randomId } from "../ids";

export interface BudgetRule {
  id: string;
  org_id: string;
  team: string | null;
  period: "day" | "month";
  limit_tokens: number;
}

export interface BudgetHit {
  ruleId: string;
  period: "day" | "month";
  team: string | null;
  limit: number;
  used: number;
}

export interface Reservation {
  estimate: number;
  windows: { rule: BudgetRule; window: string }[];
}

export interface UsageRecord {
  conversationId: string;
  runId: string;
  agentId: string;
  tokens: number;
}

export function windowOf(period: "day" | "month", now = new Date()): string {
  const iso = now.toISOString();
  return period === "day" ? iso.slice(0, 10) : iso.slice(0, 7);
}

export class Budget {
  private rules: Promise<BudgetRule[]> | null = null;

  constructor(
    private readonly db: D1Database,
    readonly orgId: string,
    readonly team: string | undefined,
  ) {}

  /** The org's rules and, when the agent belongs to a team, that team's rules. */
  private applicable(): Promise<BudgetRule[]> {
    this.rules ??= this.db
      .prepare("SELECT id, org_id, team, period, limit_tokens FROM budget_rules WHERE org_id = ? AND (team IS NULL OR team = ?)")
      .bind(this.orgId, this.team ?? null)
      .all<BudgetRule>()
      .then((r) => r.results);
    return this.rules;
  }

  /** Reserves `estimate` tokens on every applicable rule, or reports the first rule that has no room. */
  async reserve(estimate: number): Promise<Reservation | BudgetHit> {
    const rules = await this.applicable();
    const taken: Reservation["windows"] = [];
    try {
      for (const rule of rules) {
        const result = await this.reserveOne(rule, estimate);
        if ("ruleId" in result) {
          await this.release({ estimate, windows: taken });
          return result;
        }
        taken.push({ rule, window: result.window });
      }
    } catch (error) {
      // Give back what was taken before the failure, then let the caller see it.
      await this.release({ estimate, windows: taken }).catch(() => {});
      throw error;
    }
    return { estimate, windows: taken };
  }

  /** One rule: a conditional update that only succeeds when the estimate still fits. */
  private async reserveOne(rule: BudgetRule, estimate: number): Promise<BudgetHit | { window: string }> {
    const window = windowOf(rule.period);
    const [, update] = await this.db.batch([
      this.db.prepare("INSERT OR IGNORE INTO budget_counters (rule_id, window) VALUES (?, ?)").bind(rule.id, window),
      this.db
        .prepare(
          `UPDATE budget_counters SET reserved = reserved + ?1
           WHERE rule_id = ?2 AND window = ?3 AND used + reserved + ?1 <= ?4
           RETURNING used`,
        )
        .bind(estimate, rule.id, window, rule.limit_tokens),
    ]);
    return !update || update.results.length === 0 ? this.hitFor(rule, window) : { window };
  }

  /** Turns a reservation into spend: counters and ledger change in one transaction. */
  async settle(reservation: Reservation, usage: UsageRecord): Promise<void> {
    const statements = reservation.windows.map(({ rule, window }) =>
      this.db
        .prepare("UPDATE budget_counters SET used = used + ?1, reserved = MAX(reserved - ?2, 0) WHERE rule_id = ?3 AND window = ?4")
        .bind(usage.tokens, reservation.estimate, rule.id, window),
    );
    statements.push(
      this.db
        .prepare(
          "INSERT INTO usage_ledger (id, org_id, team, conversation_id, run_id, agent_id, tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(randomId("u_"), this.orgId, this.team ?? null, usage.conversationId, usage.runId, usage.agentId, usage.tokens, Date.now()),
    );
    await this.db.batch(statements);
  }

  async release(reservation: Reservation): Promise<void> {
    if (reservation.windows.length === 0) return;
    await this.db.batch(
      reservation.windows.map(({ rule, window }) =>
        this.db
          .prepare("UPDATE budget_counters SET reserved = MAX(reserved - ?1, 0) WHERE rule_id = ?2 AND window = ?3")
          .bind(reservation.estimate, rule.id, window),
      ),
    );
  }

  /** The first rule whose window is used up (nothing left even for a minimal call), if any. */
  async exhausted(): Promise<BudgetHit | null> {
    for (const rule of await this.applicable()) {
      const window = windowOf(rule.period);
      const row = await this.db
        .prepare("SELECT used, reserved FROM budget_counters WHERE rule_id = ? AND window = ?")
        .bind(rule.id, window)
        .first<{ used: number; reserved: number }>();
      if (row && row.used >= rule.limit_tokens) return this.hitFor(rule, window, row.used);
    }
    return null;
  }

  private async hitFor(rule: BudgetRule, window: string, used?: number): Promise<BudgetHit> {
    const spent =
      used ??
      (
        await this.db
          .prepare("SELECT used FROM budget_counters WHERE rule_id = ? AND window = ?")
          .bind(rule.id, window)
          .first<{ used: number }>()
      )?.used ??
      0;
    return { ruleId: rule.id, period: rule.period, team: rule.team, limit: rule.limit_tokens, used: spent };
  }
}

export const isBudgetHit = (value: Reservation | BudgetHit): value is BudgetHit => "ruleId" in value;
