/**
 * A run's Budget, backed by its org's Durable Object (the one place the org's counters
 * live) and its conversation's ceiling (the conversation's object, or its TokenCeiling when
 * the run is the conversation's own). Used by the conversation's own run and by every
 * delegated run.
 */
import { Budget, type BudgetLedger, type CeilingLedger } from "../engine/budget";
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
