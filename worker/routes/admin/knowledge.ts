/**
 * Knowledge collections and documents: plain text, Markdown or HTML sent in the body, a URL
 * the worker fetches, or a sitemap whose pages it fetches. Each document is chunked with
 * overlap and indexed in FTS5 under its collection; ingesting the same source again
 * replaces it, deleting removes it from search.
 */
import { z } from "zod";
import { Slug } from "../../../shared/config";
import { mapLimit } from "../../engine/abort";
import { ApiError, notFound } from "../../http/errors";
import type { Env } from "../../env";
import type { ApiRoutes } from "../../http/openapi";
import { extractHtml, markdownTitle } from "../../knowledge/extract";
import { fetchPage, sitemapUrls } from "../../knowledge/fetch";
import { deleteDocument, ensureCollection, ingestDocument } from "../../knowledge/store";
import { Ids } from "../../http/params";
import { ORG, ORG_PARAMS, orgAccess } from "./common";

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
  z.object({ url: z.url(), title: z.string().max(300).optional() }).strict(),
  z.object({ sitemap: z.url() }).strict(),
]);

const Ingested = z.object({ id: z.string(), source: z.string(), title: z.string(), chunks: z.number(), replaced: z.boolean() });
type Ingested = z.infer<typeof Ingested>;
const Collection = z.object({ id: z.string(), name: z.string(), createdAt: z.string(), documents: z.number() });
const DocumentInfo = z.object({ id: z.string(), source: z.string(), title: z.string(), url: z.string().nullable(), bytes: z.number(), createdAt: z.string(), chunks: z.number() });
const COLLECTION_PARAMS = { ...ORG_PARAMS, collection: Ids.collection };

export function knowledgeAdmin(api: ApiRoutes): void {
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
        `SELECT k.id, k.name, k.created_at AS createdAt, COUNT(d.id) AS documents
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
      const docs = await c.env.DB.prepare("SELECT id FROM knowledge_documents WHERE org_id = ? AND collection_id = ?").bind(orgId, params.collection).all<{ id: string }>();
      for (const d of docs.results) await deleteDocument(c.env.DB, orgId, d.id);
      const res = await c.env.DB.prepare("DELETE FROM knowledge_collections WHERE org_id = ? AND id = ?").bind(orgId, params.collection).run();
      if (!res.meta.changes) throw notFound("collection");
      return reply({ deleted: true, documents: docs.results.length });
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
        `SELECT d.id, d.source, d.title, d.url, d.bytes, d.created_at AS createdAt, (SELECT COUNT(*) FROM knowledge_chunks k WHERE k.document_id = d.id) AS chunks
         FROM knowledge_documents d WHERE d.org_id = ? AND d.collection_id = ? ORDER BY d.created_at`,
      )
        .bind(orgId, params.collection)
        .all<z.infer<typeof DocumentInfo>>();
      return reply({ documents: rows.results });
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/collections/{collection}/documents`,
      operationId: "ingestDocuments",
      summary: "Ingest a document: {format, content} (text, markdown, html), {url}, or {sitemap}; fetched URLs pass the outbound guard",
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
      const ingest = async (doc: { source: string; title: string; url?: string; text: string }): Promise<Ingested> => {
        if (!doc.text.trim()) throw new ApiError(422, "empty_document", `${doc.source} has no readable text`);
        const r = await ingestDocument(c.env.DB, { orgId, collectionId: collection, ...doc });
        return { id: r.id, source: doc.source, title: doc.title, chunks: r.chunks, replaced: r.replaced };
      };

      if ("sitemap" in body) {
        const urls = await sitemapUrls(c.env, body.sitemap);
        const results = await mapLimit(urls, 4, async (url) => {
          try {
            return { ok: true as const, doc: await ingest(await fromUrl(c.env, url)) };
          } catch (error) {
            return { ok: false as const, url, error: error instanceof Error ? error.message : String(error) };
          }
        });
        return reply({
          documents: results.flatMap((r) => (r.ok ? [r.doc] : [])),
          failed: results.flatMap((r) => (r.ok ? [] : [{ url: r.url, error: r.error }])),
        });
      }
      if ("format" in body) {
        const extracted = body.format === "html" ? await extractHtml(body.content) : { title: body.format === "markdown" ? markdownTitle(body.content) : null, text: body.content };
        const title = body.title ?? extracted.title ?? body.source ?? "Untitled";
        return reply({ documents: [await ingest({ source: body.source ?? body.url ?? title, title, ...(body.url ? { url: body.url } : {}), text: extracted.text })] });
      }
      const doc = await fromUrl(c.env, body.url);
      return reply({ documents: [await ingest({ ...doc, ...(body.title ? { title: body.title } : {}) })] });
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
      if (!(await deleteDocument(c.env.DB, orgId, params.id))) throw notFound("document");
      return reply({ deleted: true });
    },
  );
}

/** A fetched page as a document: its URL is its source (so re-ingesting replaces it). */
async function fromUrl(env: Env, url: string): Promise<{ source: string; title: string; url: string; text: string }> {
  const page = await fetchPage(env, url);
  if (page.contentType.includes("html")) {
    const { title, text } = await extractHtml(page.body);
    return { source: page.url, title: title ?? page.url, url: page.url, text };
  }
  return { source: page.url, title: (page.contentType.includes("markdown") ? markdownTitle(page.body) : null) ?? page.url, url: page.url, text: page.body };
}
