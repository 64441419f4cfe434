/**
 * Token budgets. A rule caps an org's (or one team's) tokens per day or month. Before a
 * model call the engine reserves an estimate on every rule that applies; afterwards it
 * settles the real usage (or releases the reservation). The counters live in the org's
 * Durable Object (durable/OrgDO.ts, org/budget-book.ts), which handles one call at a time,
 * so concurrent calls from many conversations cannot both take the last tokens; each
 * settlement also records a ledger row there, written to D1's `usage_ledger` in batches,
 * so counters always equal the ledger's sum once it is flushed. A model call costs one
 * round trip to that object and none to D1.
 *
 * The threshold rules — when a reservation fits and when a rule counts as used up — are
 * `fits` and `usedUp` below; the org's object applies them.
 */

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

/** A rule's spend in one window. */
export interface Counter {
  used: number;
  reserved: number;
}

export function windowOf(period: "day" | "month", now = new Date()): string {
  const iso = now.toISOString();
  return period === "day" ? iso.slice(0, 10) : iso.slice(0, 7);
}

/** Whether a reservation of `estimate` tokens may be admitted under `rule`. */
export function fits(rule: BudgetRule, counter: Counter, estimate: number): boolean {
  return counter.used + counter.reserved + estimate <= rule.limit_tokens;
}

/** Whether `rule` has nothing left even for a minimal call (tool calls are then blocked). */
export function usedUp(rule: BudgetRule, counter: Counter): boolean {
  return counter.used >= rule.limit_tokens;
}

/** The org's budget object, as the engine calls it (one org, any team). */
export interface BudgetLedger {
  reserve(request: { orgId: string; team: string | null; estimate: number }): Promise<Reservation | BudgetHit>;
  settle(request: { orgId: string; team: string | null; reservation: Reservation; usage: UsageRecord }): Promise<void>;
  release(request: { orgId: string; reservation: Reservation }): Promise<void>;
  exhausted(request: { orgId: string; team: string | null }): Promise<BudgetHit | null>;
}

/**
 * One run's view of its org's budgets: the org's rules and, when the agent has a team, that
 * team's. Like the rules themselves, "no rule applies" is learnt once per run: a run whose
 * first reservation touched no rule asks again only to settle.
 *
 * A settlement goes out without holding up the run (`settleLater`): the next question to
 * the org's object (a reservation, the tools' budget check) waits for it first, so the
 * object sees every call in the same order as before, and `drain` — which a run awaits
 * before it returns — makes sure the counters and the ledger have it before anyone hears
 * the run's result. What it saves is the round trip between a model call and what follows
 * it (a tool call, a delegation), and, at a run's end, the wait overlaps whatever the run
 * still does.
 */
export class Budget {
  private unlimited = false;
  private pending: Promise<void>[] = [];

  constructor(
    private readonly ledger: BudgetLedger,
    readonly orgId: string,
    readonly team: string | undefined,
    /**
     * Where a settlement that touches no counter (no rule applied to its reservation) may
     * finish instead of being drained: only a ledger row is left to write, which nothing
     * waits for. A delegated run passes its object's `waitUntil`, so its answer is not
     * held up by it; without one, everything is drained.
     */
    private readonly background?: (settling: Promise<void>) => void,
  ) {}

  /** Reserves `estimate` tokens on every applicable rule, or reports the first rule that has no room. */
  async reserve(estimate: number): Promise<Reservation | BudgetHit> {
    if (this.unlimited) return { estimate, windows: [] };
    await this.drain();
    const result = await this.ledger.reserve({ orgId: this.orgId, team: this.team ?? null, estimate });
    if (!isBudgetHit(result) && result.windows.length === 0) this.unlimited = true;
    return result;
  }

  /** Turns a reservation into spend: counters and the ledger change together. */
  settle(reservation: Reservation, usage: UsageRecord): Promise<void> {
    return this.ledger.settle({ orgId: this.orgId, team: this.team ?? null, reservation, usage });
  }

  /**
   * Settles without waiting; `onError` runs if the settlement fails (the caller gives the
   * reservation back). `drain` waits for it.
   */
  settleLater(reservation: Reservation, usage: UsageRecord, onError: (error: unknown) => Promise<void>): void {
    const settling = this.settle(reservation, usage).catch(onError);
    if (this.background && reservation.windows.length === 0) this.background(settling);
    else this.pending.push(settling);
  }

  /** Waits for every settlement still on its way. */
  async drain(): Promise<void> {
    while (this.pending.length) await Promise.all(this.pending.splice(0));
  }

  async release(reservation: Reservation): Promise<void> {
    if (reservation.windows.length === 0) return;
    await this.ledger.release({ orgId: this.orgId, reservation });
  }

  /** The first rule whose window is used up (nothing left even for a minimal call), if any. */
  async exhausted(): Promise<BudgetHit | null> {
    if (this.unlimited) return null;
    await this.drain();
    return this.ledger.exhausted({ orgId: this.orgId, team: this.team ?? null });
  }
}

export const isBudgetHit = (value: Reservation | BudgetHit): value is BudgetHit => "ruleId" in value;
