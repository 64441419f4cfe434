/**
 * The model insights borrow, when an org has one: the model of the agent its settings name
 * (`modelAgent`), with that agent's family, key and endpoint (providers/select.ts). Asked
 * plain questions with no tools — name these topics, grade this answer, read this intent —
 * and expected to answer JSON. Null whenever there is no such agent, it serves offline, or
 * the call fails: every caller has an offline answer already.
 */
import type { AgentConfig } from "../../shared/config";
import { getAgent } from "../config/store";
import type { Env } from "../env";
import { providerFor } from "../providers/select";
import { getInsightsSettings } from "./settings";

export interface InsightsModel {
  agent: AgentConfig;
  /** The model's name, for the record (`gpt-4o-mini`). */
  name: string;
  ask(system: string, user: string, options?: { maxTokens?: number; timeoutMs?: number }): Promise<string | null>;
}

export async function insightsModel(env: Env, orgId: string, agentId?: string | null): Promise<InsightsModel | null> {
  const id = agentId === undefined ? (await getInsightsSettings(env, orgId)).modelAgent : agentId;
  if (!id) return null;
  const agent = await getAgent(env, orgId, id).catch(() => null);
  if (!agent) return null;
  const provider = await providerFor(env, agent, orgId).catch(() => null);
  if (!provider || provider.kind === "offline") return null;
  return {
    agent,
    name: agent.model.name,
    async ask(system, user, options = {}) {
      const signal = AbortSignal.timeout(options.timeoutMs ?? 30_000);
      const config = { ...agent, instructions: system, model: { ...agent.model, maxOutputTokens: options.maxTokens ?? 1024 } };
      let text = "";
      try {
        for await (const chunk of provider.stream({ agent: config, messages: [{ role: "system", content: system }, { role: "user", content: user }], tools: [], signal })) {
          if (chunk.type === "text") text += chunk.text;
        }
      } catch (error) {
        console.error("insights model call failed", error instanceof Error ? error.message : error);
        return null;
      }
      return text;
    },
  };
}

/** The first JSON object or array in a model's reply (fenced or not), or null. */
export function jsonIn(text: string | null): unknown {
  if (!text) return null;
  const fenced = text.match(/```(?:json)?\s*([\s\S]*?)```/)?.[1] ?? text;
  const start = fenced.search(/[[{]/);
  if (start < 0) return null;
  const open = fenced[start];
  const end = fenced.lastIndexOf(open === "{" ? "}" : "]");
  if (end <= start) return null;
  try {
    return JSON.parse(fenced.slice(start, end + 1));
  } catch {
    return null;
  }
}
