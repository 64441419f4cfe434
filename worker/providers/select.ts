import type { AgentConfig } from "../../shared/config";
import { orgSecret } from "../config/secrets";
import type { Env } from "../env";
import { tenantFetch } from "../net/outbound";
import { AiSdkProvider } from "./ai-sdk";
import { FAMILIES, type PlatformKey } from "./families";
import { OfflineProvider } from "./offline";
import type { ModelProvider } from "./types";

const offline = new OfflineProvider();

const envString = (env: Env, name: PlatformKey | "OPENAI_BASE_URL" | undefined) => {
  const value = name ? env[name] : undefined;
  return typeof value === "string" && value !== "" ? value : undefined;
};

/** Which provider serves by default: the one `GET /api/health` reports. */
export function defaultProviderKind(env: Env): "openai" | "offline" {
  return envString(env, "OPENAI_API_KEY") ? "openai" : "offline";
}

/**
 * The provider for one agent: its family's when the agent can reach a model, else the
 * offline provider (so a site without a key still answers, honestly labelled).
 *
 * - `apiKeySecret`: the org's own secret (see config/secrets.ts), sent to the agent's
 *   endpoint or the family's public API; a secret that is not set means offline.
 * - an agent-chosen `baseURL` without one: no key at all (self-hosted models) — a platform
 *   key never goes to an endpoint an agent picked, and that endpoint is fetched through
 *   the outbound guard.
 * - neither: the platform's key for the family (OPENAI_API_KEY, ANTHROPIC_API_KEY, …) and,
 *   for `openai`, OPENAI_BASE_URL.
 */
export async function providerFor(env: Env, agent: AgentConfig, orgId: string): Promise<ModelProvider> {
  const model = agent.model;
  if (model.family === "offline") return offline;
  const family = FAMILIES[model.family];
  let apiKey: string | undefined;
  if (model.apiKeySecret) {
    apiKey = await orgSecret(env, orgId, model.apiKeySecret);
    if (!apiKey) return offline;
  } else if (!model.baseURL) {
    apiKey = envString(env, family.platformKey);
    if (!apiKey) return offline;
  }
  const baseURL =
    model.baseURL ?? (model.family === "openai" ? envString(env, "OPENAI_BASE_URL") : undefined) ?? family.baseURL;
  if (!baseURL) return offline;
  const connection = { baseURL: baseURL.replace(/\/+$/, ""), apiKey, fetch: model.baseURL ? tenantFetch(env) : undefined };
  return new AiSdkProvider(model.family, family.model(connection, model.name));
}
