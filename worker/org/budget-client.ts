/**
 * A run's Budget, backed by its org's Durable Object (the one place the org's counters
 * live) and its conversation's ceiling (the conversation's object, or its TokenCeiling when
 * the run is the conversation's own). Used by the conversation's own run and by every
 * delegated run.
 */
import { Budget, type BudgetLedger, type CeilingLedger, isBudgetHit } from "../engine/budget";
import type { Env } from "../env";

export interface BudgetOptions {
  /** Where a settlement that touches no counter may finish (see Budget). */
  background?: (settling: Promise<void>) => void;
  /** Wraps the org's object (a delegated run makes its reservations wait for its own writes). */
  ledger?: (stub: BudgetLedger) => BudgetLedger;
}

export function orgBudget(env: Env, orgId: string, team: string | undefined, ceiling?: CeilingLedger, options: BudgetOptions = {}): Budget {
  const stub = env.ORG.get(env.ORG.idFromName(orgId)) as unknown as BudgetLedger;
  return new Budget(options.ledger ? options.ledger(stub) : stub, orgId, team, ceiling, options.background);
}

/**
 * Whether no org rule applies to `team`'s runs, asked with a reservation of nothing (it
 * holds nothing, so nothing is given back). The conversation asks it when a message
 * arrives, before the object writes: a call that leaves before a write is not held until
 * the write is durable (the output gate), so the org's object is asked while the message is
 * stored instead of after, and a run told "no rule" makes no round trip before its first
 * model call (Budget.orgHasNoRule). Any other answer (a rule, a hit, a failure) leaves the
 * run to reserve as usual.
 */
export function noOrgRule(env: Env, orgId: string, team: string | undefined): Promise<boolean> {
  const stub = env.ORG.get(env.ORG.idFromName(orgId)) as unknown as BudgetLedger;
  return stub.reserve({ orgId, team: team ?? null, estimate: 0 }).then(
    (result) => !isBudgetHit(result) && result.windows.length === 0,
    () => false,
  );
}
