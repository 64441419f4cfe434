import type { AgentConfig } from "../../../shared/config";
import { type ToolHandler, toolError, toolOk } from "../types";
import { candidateHints } from "./offline-hints";

/**
 * `transfer_to_agent`: unlike `delegate`, the other agent takes over the conversation from
 * now on, with its history. Only the conversation's own agent may transfer.
 */
export function transferTool(candidates: AgentConfig[]): ToolHandler {
  return {
    spec: {
      name: "transfer_to_agent",
      description:
        "Hand the whole conversation to another agent, which answers from now on (unlike delegate, which asks and comes back).\n\nAgents:\n" +
        candidates.map((c) => `- ${c.id} (${c.name}): ${c.description}`).join("\n"),
      parameters: {
        type: "object",
        properties: {
          agent: { type: "string", enum: candidates.map((c) => c.id) },
          reason: { type: "string" },
        },
        required: ["agent"],
      },
      offline: candidateHints(candidates),
    },
    async run(ctx, _call, args, parentSpanId) {
      const target = typeof args.agent === "string" ? args.agent : "";
      if (!ctx.isRoot || !ctx.agent.transfers.includes(target)) {
        ctx.log.event("refusal", "transfer_not_allowed", "refused", { runId: ctx.runId, parentId: parentSpanId, agentId: ctx.agent.id });
        return toolError("transfer_not_allowed", `${ctx.agent.id} may not transfer to "${target}"`, "refused");
      }
      const config = candidates.find((c) => c.id === target);
      ctx.log.event("transfer", target, "ok", { runId: ctx.runId, parentId: parentSpanId, agentId: ctx.agent.id, data: { reason: args.reason } });
      await ctx.conversation
        .activity({ runId: ctx.runId, agentId: ctx.agent.id, kind: "transfer", target, ...(config ? { targetName: config.name } : {}) })
        .catch(() => {});
      return toolOk({ transferred: true, agent: target }, { transferTo: target });
    },
  };
}
