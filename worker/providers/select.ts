import type { AgentConfig } from "../../shared/config";
import type { Env } from "../env";
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
 * The provider for one agent: the SDK when the agent wants it and its key is configured,
 * else the offline provider (so a site without a key still answers, honestly labelled).
 */
export function providerFor(env: Env, agent: AgentConfig): ModelProvider {
  if (agent.model.provider === "offline") return offline;
  const apiKey = env[agent.model.apiKeySecret ?? "OPENAI_API_KEY"];
  if (typeof apiKey !== "string" || apiKey === "") return offline;
  const baseURL =
    agent.model.baseURL ?? (typeof env.OPENAI_BASE_URL === "string" && env.OPENAI_BASE_URL ? env.OPENAI_BASE_URL : undefined);
  const cacheKey = `${baseURL ?? ""}\n${apiKey}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new OpenAIProvider({ apiKey, baseURL });
    clients.set(cacheKey, client);
  }
  return client;
}
