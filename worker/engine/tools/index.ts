import type { AgentConfig } from "../../../shared/config";
import { cachedAgent } from "../../config/store";
import type { RunContext, ToolHandler } from "../types";
import { delegateTool } from "./delegate";
import { handoffTool } from "./handoff";
import { httpTool } from "./http";
import { searchKnowledgeTool } from "./knowledge";
import { captureLeadTool } from "./lead";
import { transferTool } from "./transfer";

const builtins = { search_knowledge: searchKnowledgeTool, handoff_to_human: handoffTool, capture_lead: captureLeadTool };

async function loadAgents(ctx: RunContext, ids: string[]): Promise<AgentConfig[]> {
  const configs = await Promise.all(ids.map((id) => cachedAgent(ctx.env, ctx.orgId, id, { drafts: ctx.drafts })));
  return configs.filter((c): c is AgentConfig => c !== null);
}

/** The names of the tools `toolsFor` gives, known from the config alone (no config to read). */
export function toolNames(ctx: RunContext): string[] {
  const agent = ctx.agent;
  return [
    ...agent.tools,
    ...agent.httpTools.map((t) => t.name),
    ...(agent.delegates.length ? ["delegate"] : []),
    ...(ctx.isRoot && agent.transfers.length ? ["transfer_to_agent"] : []),
  ];
}

/** The tools an agent's config gives it, by name. */
export async function toolsFor(ctx: RunContext): Promise<Map<string, ToolHandler>> {
  const agent = ctx.agent;
  const tools = new Map<string, ToolHandler>();
  for (const name of agent.tools) tools.set(name, builtins[name]);
  for (const config of agent.httpTools) tools.set(config.name, httpTool(config));
  if (agent.delegates.length) tools.set("delegate", delegateTool(await loadAgents(ctx, agent.delegates)));
  if (ctx.isRoot && agent.transfers.length) tools.set("transfer_to_agent", transferTool(await loadAgents(ctx, agent.transfers)));
  return tools;
}
