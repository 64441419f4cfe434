// stub: replaced by the security branch
import type { Env } from "../env";

/** The fetch for URLs a tenant chose (agent model endpoints, HTTP tools). */
export function tenantFetch(_env: Env): typeof fetch {
  return fetch;
}
