/**
 * A parsed document into the knowledge base, whichever way it came (an upload, a page of a
 * crawl, a refresh): stored and indexed for BM25, embedded when the org has an embedding
 * index, and reported as what happened to it (added, updated, unchanged). Removing a
 * document takes its vectors with it.
 */
import type { JobDocument } from "../../shared/knowledge";
import type { Env } from "../env";
import { embeddingSettings } from "./embedding-settings";
import type { ParsedDocument } from "./formats";
import { deleteDocument, documentChunkIds, ingestSections } from "./store";
import { embedDocument, removeVectors } from "./vectors";

export interface StoreInput {
  orgId: string;
  collectionId: string;
  /** Stable name: the same source again replaces the document. */
  source: string;
  doc: ParsedDocument;
  /** Used when the document has no title of its own. */
  fallbackTitle: string;
  url?: string | null;
  r2Key?: string | null;
  sourceId?: string | null;
  refreshDays?: number | null;
  etag?: string | null;
  lastModified?: string | null;
  fetched?: boolean;
  links?: string[] | null;
}

export interface Stored {
  document: JobDocument;
  /** The embedding index could not take it (the document is still searchable by words). */
  embeddingError?: string;
}

export async function storeDocument(env: Env, input: StoreInput): Promise<Stored> {
  const { doc } = input;
  const title = (doc.title ?? "").trim() || input.fallbackTitle;
  const url = input.url ?? doc.url ?? null;
  const r = await ingestSections(env.DB, {
    orgId: input.orgId,
    collectionId: input.collectionId,
    source: input.source,
    title,
    ...(url ? { url } : {}),
    sections: doc.sections,
    format: doc.format,
    ...(doc.lang ? { lang: doc.lang } : {}),
    ...(input.r2Key ? { r2Key: input.r2Key } : {}),
    ...(input.refreshDays !== undefined ? { refreshDays: input.refreshDays } : {}),
    etag: input.etag ?? null,
    lastModified: input.lastModified ?? null,
    ...(input.fetched ? { fetchedAt: new Date().toISOString() } : {}),
    sourceId: input.sourceId ?? null,
    links: input.links ?? null,
    skipUnchanged: true,
  });
  const document: JobDocument = { id: r.id, source: input.source, title, url, chunks: r.chunks, change: !r.changed ? "unchanged" : r.replaced ? "updated" : "added" };
  if (r.removedChunkIds.length) await removeVectors(env, input.orgId, r.removedChunkIds).catch((e) => console.error("vectorize delete failed", e));
  if (!r.changed) return { document };
  const settings = await embeddingSettings(env.DB, input.orgId);
  if (!settings) return { document };
  try {
    await embedDocument(env, input.orgId, r.id, settings);
    return { document };
  } catch (error) {
    return { document, embeddingError: error instanceof Error ? error.message : String(error) };
  }
}

/** Deletes a document, its chunks, FTS rows and vectors. False when there is no such document. */
export async function removeDocument(env: Env, orgId: string, id: string): Promise<boolean> {
  if (env.VECTORIZE) await removeVectors(env, orgId, await documentChunkIds(env.DB, orgId, id));
  return deleteDocument(env.DB, orgId, id);
}
