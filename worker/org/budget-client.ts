/**
 * A run's Budget, backed by its org's Durable Object (the one place the org's counters
 * live). Used by the conversation's own run and by every delegated run.
 */
import { Budget, type BudgetLedger } from "../engine/budget";
import type { Env } from "../env";

export function orgBudget(env: Env, orgId: string, team: string | undefined, options: { background?: (settling: Promise<void>) => void; ledger?: (stub: BudgetLedger) => BudgetLedger } = {}): Budget {
  const stub = env.ORG.get(env.ORG.idFromName(orgId)) as unknown as BudgetLedger;
  return new Budget(options.ledger ? options.ledger(stub) : stub, orgId, team, options.background);
}
