/**
 * Upload jobs: the original is read back from R2 and parsed here, in the queue consumer
 * (pdf.js is real CPU work), and each document it holds is stored in turn. Uploading a file
 * of the same name again replaces its documents, and removes those the new file no longer
 * holds (an article deleted from a help-center export). Re-parse jobs read a document's
 * original again and replace that document.
 */
import { ApiError } from "../http/errors";
import { parseContent, type ParsedDocument } from "./formats";
import { removeDocument, storeDocument } from "./ingest";
import { discardOriginal, readOriginal, releaseOriginals } from "./originals";
import { itemError, stateOf, type SliceContext, type SliceResult } from "./slice";

export { discardOriginal };

/** The `source` of a document cut from an upload: the file, and its path inside when it holds several. */
export function uploadSource(filename: string, doc: Pick<ParsedDocument, "path">, many: boolean): string {
  return many || doc.path ? `file:${filename}/${doc.path ?? ""}` : `file:${filename}`;
}

interface UploadState {
  cursor: number;
  /** Originals of the documents this upload replaces, to delete once nothing names them. */
  previousKeys: string[] | null;
}

async function parseOriginal(ctx: SliceContext, key: string | undefined, input: { filename?: string; contentType?: string; url?: string | null; title?: string }) {
  const bytes = key ? await readOriginal(ctx.env, key) : null;
  if (!bytes) throw new ApiError(422, "original_missing", "the uploaded file is no longer stored; upload it again");
  return parseContent({
    bytes,
    ...(input.filename ? { filename: input.filename } : {}),
    ...(input.contentType ? { contentType: input.contentType } : {}),
    ...(input.url ? { url: input.url } : {}),
    ...(input.title ? { title: input.title } : {}),
  });
}

export async function runUpload(ctx: SliceContext): Promise<SliceResult> {
  const { env, job, input } = ctx;
  const orgId = job.org_id;
  const collectionId = job.collection_id!;
  const filename = input.filename ?? "upload";
  const parsed = await parseOriginal(ctx, input.r2Key, input);
  const docs = parsed.documents;
  const many = docs.length > 1 || parsed.format === "zip" || parsed.format === "csv" || parsed.format === "json";
  const sources = docs.map((d) => uploadSource(filename, d, many));
  const state = stateOf<UploadState>(job, { cursor: 0, previousKeys: null });

  if (state.previousKeys === null) {
    // First delivery: what the archive skipped, the item count, and the originals this replaces.
    const prefix = `file:${filename}`;
    const before = await env.DB.prepare("SELECT DISTINCT r2_key FROM knowledge_documents WHERE org_id = ? AND collection_id = ? AND (source = ? OR substr(source, 1, ?) = ?)")
      .bind(orgId, collectionId, prefix, prefix.length + 1, `${prefix}/`)
      .all<{ r2_key: string | null }>();
    state.previousKeys = before.results.map((r) => r.r2_key).filter((k): k is string => !!k && k !== input.r2Key);
    for (const s of parsed.skipped) await ctx.step({ error: { item: s.path, code: "skipped", message: s.reason } });
    await ctx.step({ state, total: docs.length });
  }

  const resumedAt = state.cursor;
  for (let i = state.cursor; i < docs.length; i++) {
    if (Date.now() > ctx.deadline) return { done: false };
    const doc = docs[i]!;
    const item = doc.path ?? filename;
    state.cursor = i + 1;
    if (ctx.skipCurrent && i === resumedAt) {
      await ctx.step({ state, done: i + 1, error: { item, code: "too_slow", message: `${item} could not be processed in the time a job step has` } });
      continue;
    }
    try {
      const stored = await storeDocument(env, {
        orgId,
        collectionId,
        source: sources[i]!,
        doc,
        fallbackTitle: input.title ?? doc.path ?? filename,
        r2Key: input.r2Key ?? null,
      });
      await ctx.step({
        state,
        done: i + 1,
        document: stored.document,
        ...(stored.embeddingError ? { error: { item, code: "embeddings_failed", message: stored.embeddingError } } : {}),
      });
    } catch (error) {
      const failure = itemError(item, error);
      if (!failure) throw error;
      await ctx.step({ state, done: i + 1, error: failure });
    }
  }

  // Documents of an earlier upload of this file that this one no longer holds.
  if (many) {
    const prefix = `file:${filename}/`;
    const keep = new Set(sources);
    const old = await env.DB.prepare("SELECT id, source FROM knowledge_documents WHERE org_id = ? AND collection_id = ? AND substr(source, 1, ?) = ?")
      .bind(orgId, collectionId, prefix.length, prefix)
      .all<{ id: string; source: string }>();
    for (const d of old.results) {
      if (keep.has(d.source)) continue;
      await removeDocument(env, orgId, d.id);
      await ctx.step({ document: { id: d.id, source: d.source, title: d.source.slice(prefix.length), url: null, chunks: 0, change: "removed" } });
    }
  }
  await releaseOriginals(env, orgId, state.previousKeys ?? []);
  return { done: true };
}

export async function runReparse(ctx: SliceContext): Promise<SliceResult> {
  const { env, job, input } = ctx;
  const orgId = job.org_id;
  const doc = await env.DB.prepare("SELECT id, collection_id, source, title, url, r2_key FROM knowledge_documents WHERE id = ? AND org_id = ?")
    .bind(input.documentId ?? "", orgId)
    .first<{ id: string; collection_id: string; source: string; title: string; url: string | null; r2_key: string | null }>();
  if (!doc) throw new ApiError(422, "document_missing", "the document was deleted");
  if (!doc.r2_key) throw new ApiError(422, "no_original", "this document was not uploaded as a file, so there is nothing to parse again");
  // The file's name is in the document's source: `file:<name>` or `file:<name>/<path inside>`.
  const filename = doc.source.replace(/^file:/, "").split("/")[0] ?? "upload";
  const single = !doc.source.slice(5).includes("/");
  const parsed = await parseOriginal(ctx, doc.r2_key, { filename, url: doc.url, ...(single ? { title: doc.title } : {}) });
  const many = parsed.documents.length > 1 || parsed.format === "zip" || parsed.format === "csv" || parsed.format === "json";
  const match = parsed.documents.find((d) => uploadSource(filename, d, many) === doc.source);
  if (!match) {
    await ctx.step({ total: 1, done: 1, error: { item: doc.source, code: "not_in_original", message: "the original no longer holds this document" } });
    return { done: true };
  }
  const stored = await storeDocument(env, {
    orgId,
    collectionId: doc.collection_id,
    source: doc.source,
    doc: match,
    fallbackTitle: doc.title,
    url: doc.url,
    r2Key: doc.r2_key,
  });
  await ctx.step({
    total: 1,
    done: 1,
    document: stored.document,
    ...(stored.embeddingError ? { error: { item: doc.source, code: "embeddings_failed", message: stored.embeddingError } } : {}),
  });
  return { done: true };
}
