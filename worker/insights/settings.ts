/**
 * An org's insights settings, in KV (`insights:ORG`) like agent and site configs: read by the
 * FACTS consumer, the conversation's object at a turn's end (is there a grader?) and the
 * insights API, so a read-mostly store with a short edge cache suits it. Validated with the
 * shared schema on every read and write.
 */
import { InsightsSettings, type InsightsSettingsInput } from "../../shared/insights";
import type { Env } from "../env";

const key = (orgId: string) => `insights:${orgId}`;
export const DEFAULT_SETTINGS: InsightsSettings = InsightsSettings.parse({});

export async function getInsightsSettings(env: Env, orgId: string): Promise<InsightsSettings> {
  const raw = await env.CONFIG.get(key(orgId), "json").catch(() => null);
  if (raw === null) return DEFAULT_SETTINGS;
  const parsed = InsightsSettings.safeParse(raw);
  // A hand-edited value that no longer parses falls back to the defaults rather than breaking every read.
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}

export async function putInsightsSettings(env: Env, orgId: string, input: InsightsSettingsInput): Promise<InsightsSettings> {
  const settings = InsightsSettings.parse(input);
  await env.CONFIG.put(key(orgId), JSON.stringify(settings));
  return settings;
}
