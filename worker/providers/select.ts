import type { AgentConfig } from "../../shared/config";
import { orgSecret } from "../config/secrets";
import type { Env } from "../env";
import { tenantFetch } from "../net/outbound";
import { OfflineProvider } from "./offline";
import { OpenAIProvider } from "./openai";
import type { ModelProvider } from "./types";

const offline = new OfflineProvider();
const clients = new Map<string, OpenAIProvider>();

/** Which provider serves by default: the one `GET /api/health` reports. */
export function defaultProviderKind(env: Env): "openai" | "offline" {
  return typeof env.OPENAI_API_KEY === "string" && env.OPENAI_API_KEY !== "" ? "openai" : "offline";
}

/**
 * The provider for one agent: the SDK when the agent wants it and a key is configured,
 * else the offline provider (so a site without a key still answers, honestly labelled).
 *
 * - `apiKeySecret`: the org's own secret (see config/secrets.ts), sent to the agent's endpoint.
 * - an agent-chosen `baseURL` without one: no key at all (self-hosted models) — the
 *   platform's key never goes to an endpoint an agent picked.
 * - neither: the platform's OPENAI_API_KEY and OPENAI_BASE_URL.
 */
export async function providerFor(env: Env, agent: AgentConfig, orgId: string): Promise<ModelProvider> {
  if (agent.model.provider === "offline") return offline;
  const platformKey = typeof env.OPENAI_API_KEY === "string" && env.OPENAI_API_KEY ? env.OPENAI_API_KEY : undefined;
  const apiKey = agent.model.apiKeySecret ? await orgSecret(env, orgId, agent.model.apiKeySecret) : agent.model.baseURL ? "no-key" : platformKey;
  if (!apiKey) return offline;
  const baseURL =
    agent.model.baseURL ?? (typeof env.OPENAI_BASE_URL === "string" && env.OPENAI_BASE_URL ? env.OPENAI_BASE_URL : undefined);
  const cacheKey = `${baseURL ?? ""}\n${apiKey}`;
  let client = clients.get(cacheKey);
  if (!client) {
    // An endpoint the agent chose is a tenant's URL: the outbound guard fetches it.
    client = new OpenAIProvider({ apiKey, baseURL, ...(agent.model.baseURL ? { fetch: tenantFetch(env) } : {}) });
    clients.set(cacheKey, client);
  }
  return client;
}
