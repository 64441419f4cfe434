/**
 * Who answers a site's visitors, as the widget tells them: the model family of the agent
 * that answers, or `offline` — decided exactly as a turn decides it (providerFor), so a site
 * whose agents bring their own endpoint or key is not labelled offline because the platform
 * has no key, and one whose key is missing is not labelled a model.
 */
import type { ModelFamily } from "../../shared/config";
import { getAgent } from "../config/store";
import type { Env } from "../env";
import { providerFor } from "./select";

export async function servingFamily(env: Env, orgId: string, agentId: string): Promise<ModelFamily> {
  try {
    const agent = await getAgent(env, orgId, agentId);
    return agent ? (await providerFor(env, agent, orgId)).kind : "offline";
  } catch {
    // A label must not break the widget: what cannot be read now is said as offline.
    return "offline";
  }
}

/** The public `provider` field: `offline`, or `openai` for any language model (its historical name). */
export const publicProvider = (family: ModelFamily): "offline" | "openai" => (family === "offline" ? "offline" : "openai");
