/**
 * Secrets an org's agents may use (HTTP tool headers, a model API key). An agent names a
 * secret (`BILLING_API_KEY`); the engine reads the environment variable
 * `SECRET_<ORG>_<NAME>` (`SECRET_DEMO_BILLING_API_KEY` for the demo org). So an agent can
 * only ever reach secrets provisioned for its own org, never the platform's own
 * (ADMIN_TOKEN, SESSION_SECRET, OPENAI_API_KEY…), whatever name it writes.
 */
import type { Env } from "../env";

export function orgSecretName(orgId: string, name: string): string {
  return `SECRET_${orgId.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_${name}`;
}

export function orgSecret(env: Env, orgId: string, name: string): string | undefined {
  const value = env[orgSecretName(orgId, name)];
  return typeof value === "string" && value !== "" ? value : undefined;
}
