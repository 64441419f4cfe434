/**
 * Agent and site configs in KV. Every read and write goes through the zod schemas in
 * shared/config.ts, so a hand-edited or outdated value is caught where it is used.
 * Agents are versioned: the current version under `agent:ORG:ID`, each past version
 * under `agent-version:ORG:ID:N`, so an owner can look back and roll back. An unpublished
 * edit (a draft) lives under `agent-draft:ORG:ID` until it is published as a new version;
 * only conversations started from the console's playground (meta `drafts`) run drafts.
 */
import { z } from "zod";
import { AgentConfig, type AgentConfigInput, SiteConfig, type SiteConfigInput } from "../../shared/config";
import type { Env } from "../env";
import { ApiError } from "../http/errors";

const StoredAgent = z.object({ version: z.number().int().positive(), updatedAt: z.string(), config: AgentConfig });
export type StoredAgent = z.infer<typeof StoredAgent>;
const StoredDraft = z.object({ basedOnVersion: z.number().int().nonnegative(), updatedAt: z.string(), updatedBy: z.string(), config: AgentConfig });
export type StoredDraft = z.infer<typeof StoredDraft>;

/** How a run looks agents up: `drafts` (a playground conversation) prefers an agent's draft. */
export interface AgentLookup {
  drafts?: boolean;
}

const siteKey = (key: string) => `site:${key}`;
const agentKey = (orgId: string, id: string) => `agent:${orgId}:${id}`;
const agentVersionKey = (orgId: string, id: string, version: number) => `agent-version:${orgId}:${id}:${version}`;
const agentDraftKey = (orgId: string, id: string) => `agent-draft:${orgId}:${id}`;
const domainKey = (host: string) => `domain:${host.toLowerCase()}`;

/**
 * What a visitor's turn reads on its way to the model (its site, its agent, the agents it
 * may delegate to) is kept per isolate for CONFIG_CACHE_SECONDS: a KV read is the slowest
 * step left before a model call, and 500 conversations starting at once read the same site
 * once. A change made through this module is seen at once by the isolate that made it (it
 * drops its copy); other isolates see it within those seconds — KV itself may serve a value
 * up to 60 s old to other locations, so this adds little to what a deployment already
 * accepts. Writes and the admin API read KV directly (`getSite`, `getStoredAgent`); the
 * cached readers are `cachedSite` and `cachedAgent`. Cached values are frozen, since they
 * are shared.
 */
const cache = new Map<string, { at: number; value: Promise<unknown> }>();
const CACHE_ENTRIES = 2_000;

function cacheMs(env: Env): number {
  const seconds = Number(env.CONFIG_CACHE_SECONDS ?? 0);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

function cached<T>(env: Env, key: string, read: () => Promise<T>): Promise<T> {
  const ttl = cacheMs(env);
  if (!ttl) return read();
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < ttl) return hit.value as Promise<T>;
  const value = read().then(deepFreeze);
  cache.delete(key);
  cache.set(key, { at: Date.now(), value });
  // A failed read is not kept; the oldest entry goes when the map is full.
  value.catch(() => cache.get(key)?.value === value && cache.delete(key));
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A site's config as a visitor's request uses it (kept per isolate, see above). */
export function cachedSite(env: Env, key: string): Promise<SiteConfig | null> {
  return cached(env, siteKey(key), () => getSite(env, key));
}

/**
 * An agent's config as a turn uses it (kept per isolate, see above). A playground run
 * (`lookup.drafts`) reads KV every time: the console's owner is editing the draft it runs.
 */
export function cachedAgent(env: Env, orgId: string, id: string, lookup: AgentLookup = {}): Promise<AgentConfig | null> {
  if (lookup.drafts) return getAgent(env, orgId, id, lookup);
  return cached(env, agentKey(orgId, id), () => getAgent(env, orgId, id));
}

function invalidStored(what: string, error: z.ZodError): ApiError {
  return new ApiError(500, "invalid_config", `stored ${what} is invalid: ${z.prettifyError(error)}`);
}

export async function getSite(env: Env, key: string): Promise<SiteConfig | null> {
  const raw = await env.CONFIG.get(siteKey(key), "json");
  if (raw === null) return null;
  const parsed = SiteConfig.safeParse(raw);
  if (!parsed.success) throw invalidStored(`site ${key}`, parsed.error);
  return parsed.data;
}

export async function putSite(env: Env, input: SiteConfigInput): Promise<SiteConfig> {
  const site = SiteConfig.parse(input);
  const previous = await getSite(env, site.key);
  await env.CONFIG.put(siteKey(site.key), JSON.stringify(site));
  cache.delete(siteKey(site.key));
  for (const host of previous?.customDomains ?? []) {
    if (!site.customDomains.includes(host)) await env.CONFIG.delete(domainKey(host));
  }
  for (const host of site.customDomains) await env.CONFIG.put(domainKey(host), site.key);
  return site;
}

export async function deleteSite(env: Env, key: string): Promise<void> {
  const site = await getSite(env, key);
  for (const host of site?.customDomains ?? []) await env.CONFIG.delete(domainKey(host));
  await env.CONFIG.delete(siteKey(key));
  cache.delete(siteKey(key));
}

export async function siteKeyForDomain(env: Env, host: string): Promise<string | null> {
  return env.CONFIG.get(domainKey(host));
}

export async function getStoredAgent(env: Env, orgId: string, id: string): Promise<StoredAgent | null> {
  const raw = await env.CONFIG.get(agentKey(orgId, id), "json");
  if (raw === null) return null;
  const parsed = StoredAgent.safeParse(raw);
  if (!parsed.success) throw invalidStored(`agent ${id}`, parsed.error);
  return parsed.data;
}

/** The agent a run uses: its published config, or its draft first when `lookup.drafts`. */
export async function getAgent(env: Env, orgId: string, id: string, lookup: AgentLookup = {}): Promise<AgentConfig | null> {
  if (lookup.drafts) {
    const draft = await getAgentDraft(env, orgId, id);
    if (draft) return draft.config;
  }
  return (await getStoredAgent(env, orgId, id))?.config ?? null;
}

export async function getAgentDraft(env: Env, orgId: string, id: string): Promise<StoredDraft | null> {
  const raw = await env.CONFIG.get(agentDraftKey(orgId, id), "json");
  if (raw === null) return null;
  const parsed = StoredDraft.safeParse(raw);
  if (!parsed.success) throw invalidStored(`draft of agent ${id}`, parsed.error);
  return parsed.data;
}

export async function putAgentDraft(env: Env, orgId: string, draft: StoredDraft): Promise<StoredDraft> {
  const stored = StoredDraft.parse(draft);
  await env.CONFIG.put(agentDraftKey(orgId, stored.config.id), JSON.stringify(stored));
  return stored;
}

export async function deleteAgentDraft(env: Env, orgId: string, id: string): Promise<boolean> {
  const exists = (await env.CONFIG.get(agentDraftKey(orgId, id))) !== null;
  if (exists) await env.CONFIG.delete(agentDraftKey(orgId, id));
  return exists;
}

/** The ids of the org's agents that have a draft. */
export async function listAgentDrafts(env: Env, orgId: string): Promise<StoredDraft[]> {
  const out: StoredDraft[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.CONFIG.list({ prefix: `agent-draft:${orgId}:`, cursor });
    for (const key of page.keys) {
      const draft = await getAgentDraft(env, orgId, key.name.slice(`agent-draft:${orgId}:`.length));
      if (draft) out.push(draft);
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out;
}

export async function getAgentVersion(env: Env, orgId: string, id: string, version: number): Promise<StoredAgent | null> {
  const raw = await env.CONFIG.get(agentVersionKey(orgId, id, version), "json");
  if (raw === null) return null;
  const parsed = StoredAgent.safeParse(raw);
  if (!parsed.success) throw invalidStored(`agent ${id} v${version}`, parsed.error);
  return parsed.data;
}

/** Writes a new version; the previous one stays readable under its version key. */
export async function putAgent(env: Env, orgId: string, input: AgentConfigInput): Promise<StoredAgent> {
  const config = AgentConfig.parse(input);
  const previous = await getStoredAgent(env, orgId, config.id);
  const stored: StoredAgent = {
    version: (previous?.version ?? 0) + 1,
    updatedAt: new Date().toISOString(),
    config,
  };
  const json = JSON.stringify(stored);
  await env.CONFIG.put(agentVersionKey(orgId, config.id, stored.version), json);
  await env.CONFIG.put(agentKey(orgId, config.id), json);
  cache.delete(agentKey(orgId, config.id));
  return stored;
}

export async function deleteAgent(env: Env, orgId: string, id: string): Promise<void> {
  await env.CONFIG.delete(agentKey(orgId, id));
  await env.CONFIG.delete(agentDraftKey(orgId, id));
  cache.delete(agentKey(orgId, id));
}

export async function listAgents(env: Env, orgId: string): Promise<StoredAgent[]> {
  const out: StoredAgent[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.CONFIG.list({ prefix: `agent:${orgId}:`, cursor });
    for (const key of page.keys) {
      const stored = await getStoredAgent(env, orgId, key.name.slice(`agent:${orgId}:`.length));
      if (stored) out.push(stored);
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out;
}
