/**
 * A site's assistant tone (`SiteConfig.tone`), as a line the agent that speaks to the
 * site's visitors gets after its own instructions. Delegated specialists do not get it:
 * their words reach the visitor through the agent that does.
 */
import type { AgentConfig, SiteConfig } from "../../shared/config";

const TONE_LINES: Record<SiteConfig["tone"], string> = {
  friendly: "Tone for this site: warm and friendly — plain words, a welcoming voice, no jargon.",
  professional: "Tone for this site: professional and courteous — precise and polite, no slang or emoji.",
  concise: "Tone for this site: concise — answer in as few words as the question allows, without small talk.",
  playful: "Tone for this site: playful and upbeat — light humour is welcome, but accuracy comes first.",
};

export function toneLine(tone: SiteConfig["tone"]): string {
  return TONE_LINES[tone];
}

/** The agent with the site's tone added to its instructions. */
export function withTone(agent: AgentConfig, tone: SiteConfig["tone"] | undefined): AgentConfig {
  if (!tone) return agent;
  const own = agent.instructions.trim() || `You are ${agent.name}. ${agent.description}`;
  return { ...agent, instructions: `${own}\n\n${toneLine(tone)}` };
}
