/**
 * Uploaded originals in R2 (`DOCUMENTS`), kept so a document can be parsed again (a better
 * parser, a changed title) without asking the owner for the file. One object per upload,
 * under the org and collection; every document cut from it names it (`r2_key`). An object
 * no document names any more is deleted.
 */
import type { Env } from "../env";

/** A file name safe as an R2 key segment (the name shown to people is kept as given). */
function keySegment(filename: string): string {
  const base = (filename.split(/[\\/]/).pop() ?? "file").normalize("NFKC");
  return base.replace(/[^\p{L}\p{N}._-]+/gu, "_").replace(/^[._]+/, "").slice(0, 120) || "file";
}

export function originalKey(orgId: string, collectionId: string, jobId: string, filename: string): string {
  return `${orgId}/${collectionId}/${jobId}/${keySegment(filename)}`;
}

export async function putOriginal(env: Env, key: string, bytes: Uint8Array, meta: { filename: string; contentType: string }): Promise<void> {
  await env.DOCUMENTS.put(key, bytes, {
    httpMetadata: { contentType: meta.contentType || "application/octet-stream" },
    customMetadata: { filename: meta.filename.slice(0, 500) },
  });
}

export async function readOriginal(env: Env, key: string): Promise<Uint8Array | null> {
  const object = await env.DOCUMENTS.get(key);
  return object ? new Uint8Array(await object.arrayBuffer()) : null;
}

export async function discardOriginal(env: Env, orgId: string, key: string | undefined | null): Promise<void> {
  if (!key || !key.startsWith(`${orgId}/`)) return;
  await env.DOCUMENTS.delete(key).catch((e) => console.error("could not delete an original", e));
}

/** Deletes those of `keys` that no document of the org names any more. */
export async function releaseOriginals(env: Env, orgId: string, keys: Iterable<string | null | undefined>): Promise<void> {
  for (const key of new Set([...keys].filter((k): k is string => !!k))) {
    const used = await env.DB.prepare("SELECT 1 AS x FROM knowledge_documents WHERE org_id = ? AND r2_key = ? LIMIT 1").bind(orgId, key).first();
    if (!used) await discardOriginal(env, orgId, key);
  }
}
