/**
 * Token budgets. A rule caps an org's (or one team's) tokens per day or month; every
 * conversation also has a ceiling of its own (the site's `conversationTokenLimit`), counted
 * over everything its turns spend, delegated runs included. Before a model call the engine
 * reserves an estimate under every rule that applies and under the ceiling; afterwards it
 * settles the real usage (or releases the reservation). The org's counters live in its
 * Durable Object (durable/OrgDO.ts, org/budget-book.ts), the ceiling's in the conversation's
 * (conversation/token-ceiling.ts); each handles one call at a time, so concurrent calls
 * cannot both take the last tokens. Each org settlement also records a ledger row there,
 * written to D1's `usage_ledger` in batches, so counters always equal the ledger's sum once
 * it is flushed. A model call costs one round trip to the org's object and none to D1.
 *
 * One rule decides everything: a step is admitted only when what it will reserve `fits`
 * (used + reserved + estimate ≤ limit). A model call reserves its prompt and output
 * ceiling; a delegation is checked against its child's first call; any other tool call
 * against the call that will read its result. Whichever is refused, it is the same refusal:
 * `budget_exceeded`, with a `budget` span (see engine/run-agent.ts).
 */

export interface BudgetRule {
  id: string;
  org_id: string;
  team: string | null;
  period: "day" | "month";
  limit_tokens: number;
}

/** A rule (or the conversation's ceiling) that had no room. */
export interface BudgetHit {
  /** The rule's id, or `conversation` for the conversation's ceiling. */
  ruleId: string;
  period: "day" | "month" | "conversation";
  team: string | null;
  limit: number;
  used: number;
}

export interface Reservation {
  estimate: number;
  windows: { rule: BudgetRule; window: string }[];
  /** The conversation's ceiling holds this estimate too. */
  ceiling?: boolean;
}

export interface UsageRecord {
  conversationId: string;
  runId: string;
  agentId: string;
  tokens: number;
}

/** A rule's (or the ceiling's) spend: settled, and held by calls in flight. */
export interface Counter {
  used: number;
  reserved: number;
}

export function windowOf(period: "day" | "month", now = new Date()): string {
  const iso = now.toISOString();
  return period === "day" ? iso.slice(0, 10) : iso.slice(0, 7);
}

/** The one rule: `estimate` more tokens may be taken under `limit`. */
export function fits(limit: number, counter: Counter, estimate: number): boolean {
  return counter.used + counter.reserved + estimate <= limit;
}

export const CONVERSATION_CEILING = "conversation";

/** The same words wherever a hit is reported (spans, the model's tool error). */
export function describeHit(hit: BudgetHit): string {
  return hit.period === "conversation"
    ? `this conversation's token ceiling is reached (${hit.used}/${hit.limit} tokens)`
    : `the ${hit.period} token budget is used up (rule ${hit.ruleId}: ${hit.used}/${hit.limit} tokens)`;
}

/** The org's budget object, as the engine calls it (one org, any team). */
export interface BudgetLedger {
  reserve(request: { orgId: string; team: string | null; estimate: number }): Promise<Reservation | BudgetHit>;
  settle(request: { orgId: string; team: string | null; reservation: Reservation; usage: UsageRecord }): Promise<void>;
  release(request: { orgId: string; reservation: Reservation }): Promise<void>;
  /** The first applicable rule that has no room for `estimate` more tokens, if any (nothing is reserved). */
  check(request: { orgId: string; team: string | null; estimate: number }): Promise<BudgetHit | null>;
}

/**
 * The conversation's ceiling, as the engine calls it: the conversation's own object (its
 * run calls it directly, a delegated run over RPC). Named apart from the org's calls so one
 * object can answer both kinds.
 */
export interface CeilingLedger {
  /** Holds `estimate` tokens, or reports the ceiling when they do not fit. */
  reserveTokens(estimate: number): Promise<BudgetHit | null>;
  settleTokens(estimate: number, tokens: number): Promise<void>;
  releaseTokens(estimate: number): Promise<void>;
  checkTokens(estimate: number): Promise<BudgetHit | null>;
}

/**
 * One run's view of its budgets: the org's rules (and, when the agent has a team, that
 * team's) and its conversation's ceiling. Like the rules themselves, "no org rule applies"
 * is learnt once per run: a run whose first reservation touched no rule asks the org's
 * object again only to settle.
 *
 * A settlement goes out without holding up the run (`settleLater`): the next question to
 * the budgets (a reservation, a tool's check) waits for it first, so the org's object and
 * the ceiling see every call in the same order as before — except a settlement that changes
 * no counter (no org rule held its reservation: only a ledger row), which nothing asks
 * about, so only the run's end waits for it — and `drain` — which a run awaits
 * before it returns — makes sure the counters and the ledger have it before anyone hears
 * the run's result. What it saves is the round trip between a model call and what follows
 * it (a tool call, a delegation), and, at a run's end, the wait overlaps whatever the run
 * still does.
 */
export class Budget {
  private unlimited = false;
  /** Settlements the next question to the budgets waits for (they change a counter). */
  private pending: Promise<void>[] = [];
  /** Ledger rows on their way that change no counter: only the run's end (`drain`) waits for them. */
  private rows: Promise<void>[] = [];

  constructor(
    private readonly ledger: BudgetLedger,
    readonly orgId: string,
    readonly team: string | undefined,
    private readonly ceiling?: CeilingLedger,
    /**
     * Where the org's part of a settlement that touches none of its counters (no org rule
     * applied to its reservation) may finish instead of being drained: only a ledger row is
     * left to write, which nothing waits for. A delegated run passes its object's
     * `waitUntil`, so its answer is not held up by it; without one, everything is drained.
     */
    private readonly background?: (settling: Promise<void>) => void,
  ) {}

  /**
   * No org rule applies to this run: learnt before it started (see org/budget-client.ts
   * `noOrgRule`), so even its first call asks the org's object only to settle. A rule added
   * after that is missed by this run, as it is today by a run after its first reservation.
   */
  orgHasNoRule(): this {
    this.unlimited = true;
    return this;
  }

  /** Whether this run knows that no org rule applies to it (a child of the same team may be told so). */
  get knowsNoOrgRule(): boolean {
    return this.unlimited;
  }

  /** Reserves `estimate` tokens under the ceiling and every applicable rule, or reports the first that has no room (holding nothing). */
  async reserve(estimate: number): Promise<Reservation | BudgetHit> {
    await this.settled();
    const [ceilingHit, org] = await Promise.all([this.ceiling?.reserveTokens(estimate) ?? null, this.reserveOrg(estimate)]);
    if (ceilingHit) {
      if (!isBudgetHit(org)) await this.release(org);
      return ceilingHit;
    }
    const reservation = this.ceiling ? { ...org, ceiling: true } : org;
    if (isBudgetHit(org)) {
      if (this.ceiling) await this.ceiling.releaseTokens(estimate);
      return org;
    }
    return reservation as Reservation;
  }

  /** Turns a reservation into spend: counters and the ledger change together. */
  async settle(reservation: Reservation, usage: UsageRecord): Promise<void> {
    await Promise.all([
      this.ledger.settle({ orgId: this.orgId, team: this.team ?? null, reservation, usage }),
      reservation.ceiling ? this.ceiling?.settleTokens(reservation.estimate, usage.tokens) : undefined,
    ]);
  }

  /**
   * Settles without waiting; `onError` runs if the settlement fails (the caller gives the
   * reservation back). `drain` waits for it.
   */
  settleLater(reservation: Reservation, usage: UsageRecord, onError: (error: unknown) => Promise<void>): void {
    if (reservation.windows.length) {
      this.pending.push(this.settle(reservation, usage).catch(onError));
      return;
    }
    // No org rule holds this reservation: the org's part is only a ledger row, which no
    // reservation or check depends on (it changes no counter), so the run's next call and
    // its delegations do not wait for it; the run's end does, or, where there is one, the
    // object's `background`. The ceiling's part (a counter) is waited for like any other.
    // (The row's failure has no counter to give back; the ceiling's part settles on its own.)
    const row = this.ledger.settle({ orgId: this.orgId, team: this.team ?? null, reservation, usage }).catch((e: unknown) => console.error("usage ledger row not written", e));
    if (this.background) this.background(row);
    else this.rows.push(row);
    if (reservation.ceiling && this.ceiling) this.pending.push(this.ceiling.settleTokens(reservation.estimate, usage.tokens).catch(onError));
  }

  /** Waits for every settlement still on its way, ledger rows included (a run awaits it before it returns). */
  async drain(): Promise<void> {
    while (this.pending.length || this.rows.length) await Promise.all([...this.pending.splice(0), ...this.rows.splice(0)]);
  }

  /** Waits for the settlements that change a counter: what a reservation or a check must see first. */
  private async settled(): Promise<void> {
    while (this.pending.length) await Promise.all(this.pending.splice(0));
  }

  async release(reservation: Reservation): Promise<void> {
    await Promise.all([
      reservation.windows.length ? this.ledger.release({ orgId: this.orgId, reservation }) : undefined,
      reservation.ceiling ? this.ceiling?.releaseTokens(reservation.estimate) : undefined,
    ]);
  }

  /** The first budget with no room for `estimate` more tokens (the ceiling first), if any; reserves nothing. */
  async check(estimate: number): Promise<BudgetHit | null> {
    await this.settled();
    const [ceilingHit, orgHit] = await Promise.all([
      this.ceiling?.checkTokens(estimate) ?? null,
      this.unlimited ? null : this.ledger.check({ orgId: this.orgId, team: this.team ?? null, estimate }),
    ]);
    return ceilingHit ?? orgHit;
  }

  private async reserveOrg(estimate: number): Promise<Reservation | BudgetHit> {
    if (this.unlimited) return { estimate, windows: [] };
    const result = await this.ledger.reserve({ orgId: this.orgId, team: this.team ?? null, estimate });
    if (!isBudgetHit(result) && result.windows.length === 0) this.unlimited = true;
    return result;
  }
}

export const isBudgetHit = (value: Reservation | BudgetHit): value is BudgetHit => "ruleId" in value;
