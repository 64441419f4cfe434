/**
 * A run's Budget, backed by its org's Durable Object (the one place the org's counters
 * live) and its conversation's ceiling (the conversation's object, or its TokenCeiling when
 * the run is the conversation's own). Used by the conversation's own run and by every
 * delegated run.
 */
import { Budget, type BudgetLedger, type CeilingLedger } from "../engine/budget";
import type { Env } from "../env";

export function orgBudget(env: Env, orgId: string, team: string | undefined, ceiling?: CeilingLedger): Budget {
  const stub = env.ORG.get(env.ORG.idFromName(orgId));
  return new Budget(stub as unknown as BudgetLedger, orgId, team, ceiling);
}
