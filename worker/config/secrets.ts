/**
 * Org secrets: values an org's agents use by name (`httpTools[].secretHeaders`,
 * `model.apiKeySecret`), stored per (org, name) in D1 and managed through the admin API.
 *
 * At rest each value is AES-256-GCM encrypted (WebCrypto) under a key derived with HKDF from
 * the platform secret SECRETS_KEY, with a random 96-bit IV per write. The org and the name are
 * the cipher's additional data, so a row copied to another org (or renamed) does not decrypt:
 * a lookup can only ever yield the value written for exactly that org and name. Nothing here
 * reads the environment by a name a tenant wrote, so no config reaches a platform secret.
 *
 * Decrypted values are cached in isolate memory for CACHE_TTL_MS (a miss too), so a turn does
 * not read D1 for every tool call; a write or delete clears the entry in the isolate that made
 * it, and other isolates see the change within the TTL.
 */
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { base64url, base64urlDecode } from "../ids";

export const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
export const MAX_SECRET_BYTES = 4096;
export const CACHE_TTL_MS = 30_000;
const KEY_VERSION = 1;

const enc = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();
const cache = new Map<string, { value: string | undefined; expires: number }>();
const cacheKey = (orgId: string, name: string) => `${orgId}\u0000${name}`;

function masterSecret(env: Env): string | null {
  const secret = env.SECRETS_KEY;
  return typeof secret === "string" && secret.length >= 32 ? secret : null;
}

function aesKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", enc.encode(secret), "HKDF", false, ["deriveKey"])
      .then((ikm) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: enc.encode("switchboard/org-secrets"), info: enc.encode(`aes-256-gcm v${KEY_VERSION}`) },
          ikm,
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        ),
      );
    keys.set(secret, key);
  }
  return key;
}

/** What the ciphertext is bound to: this org and this name, unambiguously. */
const additionalData = (orgId: string, name: string) => enc.encode(`switchboard-org-secret:v${KEY_VERSION}:${JSON.stringify([orgId, name])}`);

function requireKey(env: Env): string {
  const secret = masterSecret(env);
  if (!secret) throw new ApiError(500, "misconfigured", "SECRETS_KEY is not set (at least 32 characters)");
  return secret;
}

export interface SecretInfo {
  name: string;
  updatedAt: string;
}

export async function putOrgSecret(env: Env, orgId: string, name: string, value: string, by: string): Promise<SecretInfo> {
  const key = await aesKey(requireKey(env));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: additionalData(orgId, name) }, key, enc.encode(value));
  const updatedAt = new Date().toISOString();
  await env.DB.prepare(
    `INSERT INTO org_secrets (org_id, name, iv, ciphertext, key_version, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (org_id, name) DO UPDATE SET iv = ?3, ciphertext = ?4, key_version = ?5, updated_at = ?6, updated_by = ?7`,
  )
    .bind(orgId, name, base64url(iv), base64url(sealed), KEY_VERSION, updatedAt, by)
    .run();
  cache.delete(cacheKey(orgId, name));
  return { name, updatedAt };
}

export async function deleteOrgSecret(env: Env, orgId: string, name: string): Promise<boolean> {
  const res = await env.DB.prepare("DELETE FROM org_secrets WHERE org_id = ? AND name = ?").bind(orgId, name).run();
  cache.delete(cacheKey(orgId, name));
  return res.meta.changes > 0;
}

export async function listOrgSecrets(env: Env, orgId: string): Promise<SecretInfo[]> {
  const rows = await env.DB.prepare("SELECT name, updated_at AS updatedAt FROM org_secrets WHERE org_id = ? ORDER BY name").bind(orgId).all<SecretInfo>();
  return rows.results;
}

/** The org's secret `name`, decrypted, or undefined when it is not set (or does not decrypt). */
export async function orgSecret(env: Env, orgId: string, name: string): Promise<string | undefined> {
  if (!SECRET_NAME.test(name)) return undefined;
  const id = cacheKey(orgId, name);
  const hit = cache.get(id);
  if (hit && hit.expires > Date.now()) return hit.value;
  const value = await readSecret(env, orgId, name);
  if (cache.size > 1000) cache.clear();
  cache.set(id, { value, expires: Date.now() + CACHE_TTL_MS });
  return value;
}

async function readSecret(env: Env, orgId: string, name: string): Promise<string | undefined> {
  const row = await env.DB.prepare("SELECT iv, ciphertext FROM org_secrets WHERE org_id = ? AND name = ?")
    .bind(orgId, name)
    .first<{ iv: string; ciphertext: string }>();
  if (!row) return undefined;
  const secret = masterSecret(env);
  if (!secret) {
    console.error("SECRETS_KEY is not set: org secrets cannot be read");
    return undefined;
  }
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: base64urlDecode(row.iv), additionalData: additionalData(orgId, name) },
      await aesKey(secret),
      base64urlDecode(row.ciphertext),
    );
    return new TextDecoder().decode(plain);
  } catch {
    // Another org's row, a changed SECRETS_KEY, or tampering: the value is not this org's.
    console.error(`org secret ${name} of ${orgId} does not decrypt`);
    return undefined;
  }
}
