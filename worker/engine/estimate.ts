/**
 * What a model call is reserved as before it is made: its messages as they will be sent
 * (4 characters a token, the estimate a call is charged by when its stream reports no
 * usage) plus the most it may write. The run checks a step against the same figure
 * whether the step is the call itself, a tool whose result the next call reads, or a
 * delegation whose child makes the call.
 */
import type { AgentConfig } from "../../shared/config";
import { outputCeiling } from "../providers/families";
import { estimateTokens } from "../providers/offline";
import type { ChatMessage } from "../providers/types";

export const promptEstimate = (messages: ChatMessage[]) => messages.reduce((n, m) => n + estimateTokens(JSON.stringify(m)), 0);

export const callEstimate = (agent: AgentConfig, messages: ChatMessage[]) => promptEstimate(messages) + outputCeiling(agent.model);

/** About what the engine adds to an agent's instructions (run-agent.ts, systemPrompt). */
const SYSTEM_LINES = 300;

/** A delegated run's first call: its instructions, the prompt it is sent, its output ceiling. */
export const firstCallEstimate = (agent: AgentConfig, prompt: string) =>
  callEstimate(agent, [
    { role: "system", content: `${agent.instructions}\n\n${" ".repeat(SYSTEM_LINES)}` },
    { role: "user", content: prompt },
  ]);
