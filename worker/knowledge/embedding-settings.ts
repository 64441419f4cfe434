/**
 * An org's embedding index settings (D1 `org_embeddings`; none means BM25 only) and the
 * client they make. Read on every knowledge search, so cached in the isolate for 30 s like
 * org secrets; a write clears the cache of the isolate that made it.
 */
import type { EmbeddingsSettings } from "../../shared/knowledge";
import { orgSecret } from "../config/secrets";
import type { Env } from "../env";
import { tenantFetch } from "../net/outbound";
import { createEmbeddingsClient, type EmbeddingsClient } from "./embeddings";

const CACHE_TTL_MS = 30_000;
const cache = new Map<string, { value: EmbeddingsSettings | null; expires: number }>();

interface Row {
  base_url: string;
  model: string;
  api_key_secret: string | null;
  dimensions: number | null;
  updated_at: string;
}

export async function embeddingSettings(db: D1Database, orgId: string): Promise<EmbeddingsSettings | null> {
  const hit = cache.get(orgId);
  if (hit && hit.expires > Date.now()) return hit.value;
  const row = await db.prepare("SELECT base_url, model, api_key_secret, dimensions, updated_at FROM org_embeddings WHERE org_id = ?").bind(orgId).first<Row>();
  const value: EmbeddingsSettings | null = row
    ? { baseURL: row.base_url, model: row.model, ...(row.api_key_secret ? { apiKeySecret: row.api_key_secret } : {}), ...(row.dimensions ? { dimensions: row.dimensions } : {}) }
    : null;
  cache.set(orgId, { value, expires: Date.now() + CACHE_TTL_MS });
  return value;
}

export async function putEmbeddingSettings(db: D1Database, orgId: string, s: EmbeddingsSettings): Promise<void> {
  await db
    .prepare(
      `INSERT INTO org_embeddings (org_id, base_url, model, api_key_secret, dimensions, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (org_id) DO UPDATE SET base_url = ?2, model = ?3, api_key_secret = ?4, dimensions = ?5, updated_at = ?6`,
    )
    .bind(orgId, s.baseURL, s.model, s.apiKeySecret ?? null, s.dimensions ?? null, new Date().toISOString())
    .run();
  cache.delete(orgId);
}

export async function deleteEmbeddingSettings(db: D1Database, orgId: string): Promise<boolean> {
  const res = await db.prepare("DELETE FROM org_embeddings WHERE org_id = ?").bind(orgId).run();
  cache.delete(orgId);
  return res.meta.changes > 0;
}

export class MissingEmbeddingsKey extends Error {}

/**
 * The endpoint's client: every request through the outbound guard (the URL is the tenant's),
 * with the key read from the org's secret.
 */
export async function embeddingsClient(env: Env, orgId: string, s: EmbeddingsSettings, timeoutMs?: number): Promise<EmbeddingsClient> {
  const apiKey = s.apiKeySecret ? await orgSecret(env, orgId, s.apiKeySecret) : undefined;
  if (s.apiKeySecret && !apiKey) throw new MissingEmbeddingsKey(`the org secret ${s.apiKeySecret} (the embeddings key) is not set`);
  return createEmbeddingsClient({
    baseURL: s.baseURL,
    model: s.model,
    ...(apiKey ? { apiKey } : {}),
    ...(s.dimensions ? { dimensions: s.dimensions, requestDimensions: false } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    fetch: tenantFetch(env),
  });
}
