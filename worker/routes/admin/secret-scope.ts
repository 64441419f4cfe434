/**
 * The `secrets:write` rule for writes that send an org secret somewhere. Only who may manage
 * an org's secrets may choose where a secret's value goes: naming a secret as the embeddings
 * key, or writing an agent, a draft or a "try it" tool call that sends a secret to a
 * destination (an origin, see config/secret-destinations.ts) the org's agents do not already
 * send it to. An unchanged config — an `admin` editing an agent's instructions — still saves.
 */
import type { AgentConfig } from "../../../shared/config";
import { type AdminPrincipal, scopeAllows } from "../../auth/admin";
import { agentSecretDestinations, newSecretDestinations, type SecretDestination } from "../../config/secret-destinations";
import { listAgentDrafts, listAgents } from "../../config/store";
import type { Env } from "../../env";
import { forbidden } from "../../http/errors";

/** 403 unless the caller may manage the org's secrets; `what` says what needed it. */
export function requireSecretsWrite(admin: AdminPrincipal, what: string): void {
  if (!scopeAllows(admin.scopes, "secrets", "write")) throw forbidden(`${what} needs the secrets:write scope`);
}

/**
 * 403 when `wanted` sends a secret to a destination that no published agent or saved draft
 * of the org sends it to, for a caller without `secrets:write`. Drafts count: each was saved
 * under this rule, and the playground already runs them.
 */
export async function requireKnownSecretDestinations(env: Env, admin: AdminPrincipal, orgId: string, wanted: SecretDestination[]): Promise<void> {
  if (!wanted.length || scopeAllows(admin.scopes, "secrets", "write")) return;
  const [published, drafts] = await Promise.all([listAgents(env, orgId), listAgentDrafts(env, orgId)]);
  const existing = [...published, ...drafts].flatMap((s) => agentSecretDestinations(s.config));
  const fresh = newSecretDestinations(wanted, existing)[0];
  if (fresh) {
    requireSecretsWrite(admin, `${fresh.field}: sending the org secret ${fresh.secret} to ${fresh.destination}, where the org's agents do not send it,`);
  }
}

/** The same rule for an agent config about to be written. */
export const requireKnownAgentSecrets = (env: Env, admin: AdminPrincipal, orgId: string, agent: AgentConfig) =>
  requireKnownSecretDestinations(env, admin, orgId, agentSecretDestinations(agent));
