import type { AgentConfig } from "../../../shared/config";
import type { OfflineHints } from "../../providers/types";

/** What the offline provider needs to choose among agents: their words and their knowledge. */
export function candidateHints(agents: AgentConfig[]): OfflineHints {
  return {
    candidates: agents.map((c) => ({ id: c.id, name: c.name, description: c.description, keywords: c.keywords, knowledge: c.knowledge })),
  };
}
