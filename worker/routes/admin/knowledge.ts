/**
 * Knowledge collections and documents: plain text, Markdown or HTML sent in the body, or one
 * URL the worker fetches now (it becomes a source that can be refreshed). Each document is
 * split into sections by heading, chunked with overlap and indexed in FTS5 under its
 * collection (and embedded, when the org has an embedding index); ingesting the same source
 * again replaces it, deleting removes it from search. Files, sitemaps, crawls and video
 * pages are ingested in the background: knowledge-files.ts and knowledge-sources.ts.
 */
import { z } from "zod";
import { Slug } from "../../../shared/config";
import { KnowledgeCollection, KnowledgeDocument, RefreshDays } from "../../../shared/knowledge";
import { ApiError, notFound } from "../../http/errors";
import type { Env } from "../../env";
import type { ApiRoutes } from "../../http/openapi";
import { fetchResource } from "../../knowledge/fetch";
import { parseContent } from "../../knowledge/formats";
import { removeDocument, storeDocument } from "../../knowledge/ingest";
import { releaseOriginals } from "../../knowledge/originals";
import { pageDocuments } from "../../knowledge/pages";
import { CRAWLER_USER_AGENT } from "../../knowledge/robots";
import { deleteSource } from "../../knowledge/source-runs";
import { markSourceRun, upsertSource } from "../../knowledge/sources";
import { ensureCollection } from "../../knowledge/store";
import { Ids } from "../../http/params";
import { ORG, ORG_PARAMS, orgAccess } from "./common";
import { knowledgeEmbeddingsAdmin } from "./knowledge-embeddings";
import { knowledgeFilesAdmin } from "./knowledge-files";
import { knowledgeSourcesAdmin } from "./knowledge-sources";

export const MAX_DOCUMENT_BYTES = 1024 * 1024;
const utf8 = new TextEncoder();

const DocumentBody = z.union([
  z
    .object({
      format: z.enum(["text", "markdown", "html"]),
      content: z.string().min(1).refine((t) => utf8.encode(t).byteLength <= MAX_DOCUMENT_BYTES, `content must be at most ${MAX_DOCUMENT_BYTES} bytes`),
      title: z.string().min(1).max(300).optional(),
      source: z.string().min(1).max(500).optional(),
      url: z.url().optional(),
    })
    .strict(),
  z.object({ url: z.url(), title: z.string().max(300).optional(), refreshDays: RefreshDays.optional() }).strict(),
  // Sitemaps run in the background now: this shape is kept to say where they went.
  z.object({ sitemap: z.url() }).strict(),
]);

const Ingested = z.object({ id: z.string(), source: z.string(), title: z.string(), chunks: z.number(), replaced: z.boolean() });
type Ingested = z.infer<typeof Ingested>;
const Collection = KnowledgeCollection;
const DocumentInfo = KnowledgeDocument;
const COLLECTION_PARAMS = { ...ORG_PARAMS, collection: Ids.collection };

export function knowledgeAdmin(api: ApiRoutes): void {
  knowledgeFilesAdmin(api);
  knowledgeSourcesAdmin(api);
  knowledgeEmbeddingsAdmin(api);

  api.add(
    {
      method: "get",
      path: `${ORG}/collections`,
      operationId: "listCollections",
      summary: "Knowledge collections with document counts",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      response: z.object({ collections: z.array(Collection) }),
    },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "read");
      const rows = await c.env.DB.prepare(
        `SELECT k.id, k.name, k.created_at AS createdAt, COUNT(d.id) AS documents, k.refresh_days AS refreshDays
         FROM knowledge_collections k LEFT JOIN knowledge_documents d ON d.org_id = k.org_id AND d.collection_id = k.id
         WHERE k.org_id = ? GROUP BY k.id ORDER BY k.created_at`,
      )
        .bind(orgId)
        .all<z.infer<typeof Collection>>();
      return reply({ collections: rows.results });
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/collections`,
      operationId: "createCollection",
      summary: "Create a collection",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      body: z.object({ id: Slug, name: z.string().min(1).max(120).optional() }),
      status: 201,
      response: z.object({ id: z.string(), name: z.string() }),
    },
    async (c, { body, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "write");
      await ensureCollection(c.env.DB, orgId, body.id, body.name ?? body.id);
      return reply({ id: body.id, name: body.name ?? body.id });
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/collections/{collection}`,
      operationId: "deleteCollection",
      summary: "Delete a collection and all its documents",
      tag: "admin",
      auth: "admin",
      params: COLLECTION_PARAMS,
      response: z.object({ deleted: z.boolean(), documents: z.number() }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "write");
      const exists = await c.env.DB.prepare("SELECT 1 AS x FROM knowledge_collections WHERE org_id = ? AND id = ?").bind(orgId, params.collection).first();
      if (!exists) throw notFound("collection");
      const sources = await c.env.DB.prepare("SELECT id FROM knowledge_sources WHERE org_id = ? AND collection_id = ?").bind(orgId, params.collection).all<{ id: string }>();
      let count = 0;
      for (const s of sources.results) count += await deleteSource(c.env, orgId, s.id);
      const docs = await c.env.DB.prepare("SELECT id, r2_key FROM knowledge_documents WHERE org_id = ? AND collection_id = ?")
        .bind(orgId, params.collection)
        .all<{ id: string; r2_key: string | null }>();
      for (const d of docs.results) await removeDocument(c.env, orgId, d.id);
      await releaseOriginals(c.env, orgId, docs.results.map((d) => d.r2_key));
      await c.env.DB.batch([
        c.env.DB.prepare("DELETE FROM knowledge_collections WHERE org_id = ? AND id = ?").bind(orgId, params.collection),
        // Uploads still waiting for the queue would bring documents back into a deleted collection.
        c.env.DB.prepare(
          `UPDATE ingest_jobs SET status = 'failed', error_code = 'collection_deleted', error_message = 'the collection was deleted', finished_at = ?1, updated_at = ?1
           WHERE org_id = ?2 AND collection_id = ?3 AND status IN ('queued', 'running')`,
        ).bind(new Date().toISOString(), orgId, params.collection),
      ]);
      return reply({ deleted: true, documents: count + docs.results.length });
    },
  );

  api.add(
    {
      method: "patch",
      path: `${ORG}/collections/{collection}`,
      operationId: "updateCollection",
      summary: "Rename a collection or set how often its URL-based sources are re-fetched (refreshDays; null: never)",
      tag: "admin",
      auth: "admin",
      params: COLLECTION_PARAMS,
      body: z.object({ name: z.string().min(1).max(120).optional(), refreshDays: RefreshDays.optional() }).strict(),
      response: Collection,
    },
    async (c, { params, body, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "write");
      const res = await c.env.DB.prepare(
        `UPDATE knowledge_collections SET name = COALESCE(?1, name), refresh_days = CASE WHEN ?2 THEN ?3 ELSE refresh_days END WHERE org_id = ?4 AND id = ?5`,
      )
        .bind(body.name ?? null, body.refreshDays !== undefined ? 1 : 0, body.refreshDays ?? null, orgId, params.collection)
        .run();
      if (!res.meta.changes) throw notFound("collection");
      const row = await c.env.DB.prepare(
        `SELECT k.id, k.name, k.created_at AS createdAt, k.refresh_days AS refreshDays, (SELECT COUNT(*) FROM knowledge_documents d WHERE d.org_id = k.org_id AND d.collection_id = k.id) AS documents
         FROM knowledge_collections k WHERE k.org_id = ? AND k.id = ?`,
      )
        .bind(orgId, params.collection)
        .first<z.infer<typeof Collection>>();
      return reply(row!);
    },
  );

  api.add(
    {
      method: "get",
      path: `${ORG}/collections/{collection}/documents`,
      operationId: "listDocuments",
      summary: "A collection's documents",
      tag: "admin",
      auth: "admin",
      params: COLLECTION_PARAMS,
      response: z.object({ documents: z.array(DocumentInfo) }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "read");
      const rows = await c.env.DB.prepare(
        `SELECT d.id, d.source, d.title, d.url, d.bytes, d.created_at AS createdAt, (SELECT COUNT(*) FROM knowledge_chunks k WHERE k.document_id = d.id) AS chunks,
           d.format, d.source_id AS sourceId, d.fetched_at AS fetchedAt, d.changed_at AS changedAt, d.change_summary AS changeSummary, d.r2_key IS NOT NULL AS hasOriginal
         FROM knowledge_documents d WHERE d.org_id = ? AND d.collection_id = ? ORDER BY d.created_at`,
      )
        .bind(orgId, params.collection)
        .all<Omit<z.infer<typeof DocumentInfo>, "hasOriginal"> & { hasOriginal: number }>();
      return reply({ documents: rows.results.map((r) => ({ ...r, hasOriginal: !!r.hasOriginal })) });
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/collections/{collection}/documents`,
      operationId: "ingestDocuments",
      summary: "Ingest a document now: {format, content} (text, markdown, html) or {url} (fetched through the outbound guard; it becomes a source that can be refreshed)",
      tag: "admin",
      auth: "admin",
      params: COLLECTION_PARAMS,
      body: DocumentBody,
      status: 201,
      maxBytes: MAX_DOCUMENT_BYTES + 64 * 1024,
      response: z.object({ documents: z.array(Ingested), failed: z.array(z.object({ url: z.string(), error: z.string() })).optional() }),
      errors: [415, 422],
    },
    async (c, { params, body, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "write");
      const collection = params.collection;
      if ("sitemap" in body) {
        throw new ApiError(400, "use_sources", `sitemaps are ingested in the background: POST ${new URL(c.req.url).pathname.replace(/\/documents$/, "/sources")} with {"kind": "sitemap", "url": …}`);
      }
      if ("format" in body) {
        const parsed = await parseContent({ bytes: utf8.encode(body.content), format: body.format });
        const doc = parsed.documents[0]!;
        const title = body.title ?? doc.title ?? body.source ?? "Untitled";
        const source = body.source ?? body.url ?? title;
        const stored = await storeDocument(c.env, { orgId, collectionId: collection, source, doc, fallbackTitle: title, ...(body.url ? { url: body.url } : {}) });
        return reply({ documents: [ingested(stored.document, title)] });
      }
      return reply({ documents: await ingestUrl(c.env, orgId, collection, body.url, body.title, body.refreshDays) });
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/collections/{collection}/documents/{id}`,
      operationId: "deleteDocument",
      summary: "Remove a document from search",
      tag: "admin",
      auth: "admin",
      params: { ...COLLECTION_PARAMS, id: Ids.document },
      response: z.object({ deleted: z.boolean() }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "write");
      const doc = await c.env.DB.prepare("SELECT r2_key FROM knowledge_documents WHERE id = ? AND org_id = ? AND collection_id = ?")
        .bind(params.id, orgId, params.collection)
        .first<{ r2_key: string | null }>();
      if (!doc || !(await removeDocument(c.env, orgId, params.id))) throw notFound("document");
      await releaseOriginals(c.env, orgId, [doc.r2_key]);
      return reply({ deleted: true });
    },
  );
}

function ingested(d: { id: string; source: string; chunks: number; change: string }, title: string): Ingested {
  return { id: d.id, source: d.source, title, chunks: d.chunks, replaced: d.change !== "added" };
}

/**
 * One page fetched now, as a `url` source of the collection (so it is refreshed like any
 * other). Its URL, as given, names the document: the same URL again replaces it.
 */
async function ingestUrl(env: Env, orgId: string, collectionId: string, raw: string, title: string | undefined, refreshDays: number | null | undefined): Promise<Ingested[]> {
  const page = await fetchResource(env, raw, { userAgent: CRAWLER_USER_AGENT });
  if (page.status !== 200) throw new ApiError(422, "fetch_failed", `${page.url} answered ${page.status}`);
  const docs = await pageDocuments(page);
  await ensureCollection(env.DB, orgId, collectionId);
  const source = await upsertSource(env.DB, { orgId, collectionId, kind: "url", url: raw, ...(refreshDays !== undefined ? { refreshDays } : {}) });
  await markSourceRun(env.DB, source.id, null);
  const out: Ingested[] = [];
  for (const [i, doc] of docs.entries()) {
    const stored = await storeDocument(env, {
      orgId,
      collectionId,
      source: docs.length > 1 ? `${raw}#${doc.path ?? i}` : raw,
      doc: title && docs.length === 1 ? { ...doc, title } : doc,
      fallbackTitle: page.url,
      url: doc.url ?? page.url,
      sourceId: source.id,
      etag: page.etag,
      lastModified: page.lastModified,
      fetched: true,
    });
    out.push(ingested(stored.document, stored.document.title));
  }
  return out;
}
