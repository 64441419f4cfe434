/**
 * Looking into a collection the way the agents do: a question searched exactly as
 * `search_knowledge` searches (knowledge/search.ts), and a document's chunks as they were
 * indexed. (Collections and documents themselves: routes/admin/knowledge.ts.)
 */
import { z } from "zod";
import { DocumentChunks, KnowledgeSearchQuery, KnowledgeSearchResult } from "../../../shared/admin";
import { notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { Ids } from "../../http/params";
import { searchKnowledge } from "../../knowledge/search";
import { ORG, ORG_PARAMS, orgAccess } from "./common";

const COLLECTION_PARAMS = { ...ORG_PARAMS, collection: Ids.collection };

export function knowledgeInspectAdmin(api: ApiRoutes): void {
  api.add(
    {
      method: "get",
      path: `${ORG}/collections/{collection}/search`,
      operationId: "searchCollection",
      summary: "Search a collection as the agents' search_knowledge does: what a question retrieves, best first (BM25, lower is better)",
      tag: "admin",
      auth: "admin",
      params: COLLECTION_PARAMS,
      query: KnowledgeSearchQuery,
      response: KnowledgeSearchResult,
    },
    async (c, { params, query, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "read");
      const exists = await c.env.DB.prepare("SELECT 1 AS x FROM knowledge_collections WHERE org_id = ? AND id = ?").bind(orgId, params.collection).first();
      if (!exists) throw notFound("collection");
      const passages = await searchKnowledge(c.env, orgId, [params.collection], query.q, query.limit);
      return reply({ query: query.q, results: passages.map((p) => ({ ref: p.ref, title: p.title, url: p.url ?? null, text: p.text, score: p.score })) });
    },
  );

  api.add(
    {
      method: "get",
      path: `${ORG}/collections/{collection}/documents/{id}/chunks`,
      operationId: "listDocumentChunks",
      summary: "A document and the chunks it was indexed as, in order",
      tag: "admin",
      auth: "admin",
      params: { ...COLLECTION_PARAMS, id: Ids.document },
      response: DocumentChunks,
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "read");
      const document = await c.env.DB.prepare(
        `SELECT id, source, title, url, bytes, created_at AS createdAt, (SELECT COUNT(*) FROM knowledge_chunks k WHERE k.document_id = d.id) AS chunks,
                source_id AS sourceId, fetched_at AS fetchedAt, changed_at AS changedAt, change_summary AS changeSummary
         FROM knowledge_documents d WHERE id = ? AND org_id = ? AND collection_id = ?`,
      )
        .bind(params.id, orgId, params.collection)
        .first<z.infer<typeof DocumentChunks>["document"]>();
      if (!document) throw notFound("document");
      const chunks = await c.env.DB.prepare(
        "SELECT id, position, text, heading, page, start_sec AS startSec FROM knowledge_chunks WHERE document_id = ? ORDER BY position LIMIT 2000",
      )
        .bind(params.id)
        .all<z.infer<typeof DocumentChunks>["chunks"][number]>();
      return reply({ document, chunks: chunks.results });
    },
  );
}
