/**
 * Where an agent's config sends the org secrets it names. Naming a secret in a config makes
 * the worker send its value to an endpoint (`model.apiKeySecret` → the model's endpoint,
 * `httpTools[].secretHeaders` → the tool's URL), so whoever may write configs but not
 * secrets could otherwise read any secret by pointing it at a server of their own. The admin
 * routes compare the destinations a write asks for with the ones the org's configs already
 * have (routes/admin/secret-scope.ts); this module only says what they are.
 *
 * A destination is an origin, not a URL: within one origin the secret already reaches the
 * same party. (A tool URL's `{placeholders}` stand only in its path or query — shared/config.ts
 * refuses them in the host — so the origin is fixed by the config.)
 */
import type { AgentConfig, HttpToolConfig } from "../../shared/config";

export interface SecretDestination {
  /** The config field that names the secret (for the refusal's message). */
  field: string;
  secret: string;
  /** An origin, `this deployment` (a relative tool URL) or `the <family> API` (no baseURL). */
  destination: string;
}

/** Where a request to `url` (an agent's baseURL or an HTTP tool's URL template) goes. */
export function destinationOf(url: string): string {
  if (url.startsWith("/")) return "this deployment";
  const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0] ?? url;
  try {
    return new URL(authority).origin;
  } catch {
    return authority.toLowerCase();
  }
}

export function toolSecretDestinations(tool: HttpToolConfig, field = "httpTool"): SecretDestination[] {
  const destination = destinationOf(tool.url);
  return Object.entries(tool.secretHeaders).map(([header, secret]) => ({ field: `${field}.secretHeaders.${header}`, secret, destination }));
}

export function agentSecretDestinations(agent: AgentConfig): SecretDestination[] {
  const out: SecretDestination[] = [];
  const { model } = agent;
  if (model.apiKeySecret && model.family !== "offline") {
    out.push({ field: "model.apiKeySecret", secret: model.apiKeySecret, destination: model.baseURL ? destinationOf(model.baseURL) : `the ${model.family} API` });
  }
  agent.httpTools.forEach((tool, i) => out.push(...toolSecretDestinations(tool, `httpTools.${i}`)));
  return out;
}

const pairKey = (d: SecretDestination) => `${d.secret}\n${d.destination}`;

/** The destinations of `wanted` that none of `existing` already has. */
export function newSecretDestinations(wanted: SecretDestination[], existing: SecretDestination[]): SecretDestination[] {
  const known = new Set(existing.map(pairKey));
  return wanted.filter((d) => !known.has(pairKey(d)));
}
