/**
 * URL-based sources: one page, a sitemap, a crawl of a site section, a video page. Adding
 * one runs it in the background (202 with its job); each is re-fetched every `refreshDays`
 * (its own, else its collection's) by the hourly refresh job, or now by `…/refresh`.
 * Every URL is checked by the outbound guard when saved (400 url_refused) and fetched
 * through it.
 */
import { z } from "zod";
import { CrawlOptions, IngestJob, KnowledgeSource, RefreshDays, SourceKind } from "../../../shared/knowledge";
import type { Env } from "../../env";
import { ApiError, notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { Ids } from "../../http/params";
import { deleteSource, runSourceNow } from "../../knowledge/source-runs";
import { getSource, listSources, setSourceRefresh, sourceRow, upsertSource } from "../../knowledge/sources";
import { ensureCollection } from "../../knowledge/store";
import { checkOutboundUrl, UrlRefused } from "../../net/outbound";
import { ORG, ORG_PARAMS, orgAccess } from "./common";

const COLLECTION_PARAMS = { ...ORG_PARAMS, collection: Ids.collection };
const SOURCE_PARAMS = { ...COLLECTION_PARAMS, id: Ids.source };

const SourceBody = z
  .object({
    kind: SourceKind,
    url: z.url().max(2000),
    /** Re-fetch every N days (null or absent: the collection's interval). */
    refreshDays: RefreshDays.optional(),
    /** A crawl's scope and caps (crawls only). */
    crawl: CrawlOptions.optional(),
  })
  .strict()
  .refine((b) => !b.crawl || b.kind === "crawl", { message: "crawl options are for kind crawl only", path: ["crawl"] });

/** The URL, as the guard will see it: 400 url_refused naming the rule when it may not be fetched. */
function checkedUrl(env: Env, raw: string): string {
  try {
    return checkOutboundUrl(env, raw).href;
  } catch (error) {
    if (error instanceof UrlRefused) throw new ApiError(400, "url_refused", error.message);
    throw error;
  }
}

export function knowledgeSourcesAdmin(api: ApiRoutes): void {
  api.add(
    {
      method: "post",
      path: `${ORG}/collections/{collection}/sources`,
      operationId: "addKnowledgeSource",
      summary: "Add a page, sitemap, crawl or video page and ingest it in the background (the same URL again runs it again)",
      tag: "admin",
      auth: "admin",
      params: COLLECTION_PARAMS,
      body: SourceBody,
      status: 202,
      response: z.object({ source: KnowledgeSource, job: IngestJob }),
    },
    async (c, { params, body, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "write");
      const url = checkedUrl(c.env, body.url);
      await ensureCollection(c.env.DB, orgId, params.collection);
      const existing = await c.env.DB.prepare("SELECT id FROM knowledge_sources WHERE org_id = ? AND collection_id = ? AND kind = ? AND url = ?")
        .bind(orgId, params.collection, body.kind, url)
        .first<{ id: string }>();
      const row = await upsertSource(c.env.DB, {
        orgId,
        collectionId: params.collection,
        kind: body.kind,
        url,
        ...(body.crawl ? { options: body.crawl } : {}),
        ...(body.refreshDays !== undefined ? { refreshDays: body.refreshDays } : {}),
      });
      const job = await runSourceNow(c.env, row, existing ? "refresh" : body.kind, existing ? "manual" : "create");
      return reply({ source: (await getSource(c.env.DB, orgId, row.id))!, job });
    },
  );

  api.add(
    {
      method: "get",
      path: `${ORG}/collections/{collection}/sources`,
      operationId: "listKnowledgeSources",
      summary: "A collection's URL-based sources, with their refresh intervals and document counts",
      tag: "admin",
      auth: "admin",
      params: COLLECTION_PARAMS,
      response: z.object({ sources: z.array(KnowledgeSource) }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "read");
      return reply({ sources: await listSources(c.env.DB, orgId, params.collection) });
    },
  );

  api.add(
    {
      method: "patch",
      path: `${ORG}/collections/{collection}/sources/{id}`,
      operationId: "updateKnowledgeSource",
      summary: "Set a source's refresh interval in days (null: the collection's)",
      tag: "admin",
      auth: "admin",
      params: SOURCE_PARAMS,
      body: z.object({ refreshDays: RefreshDays }).strict(),
      response: KnowledgeSource,
    },
    async (c, { params, body, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "write");
      const row = await sourceRow(c.env.DB, orgId, params.id);
      if (!row || row.collection_id !== params.collection) throw notFound("source");
      await setSourceRefresh(c.env.DB, orgId, params.id, body.refreshDays);
      return reply((await getSource(c.env.DB, orgId, params.id))!);
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/collections/{collection}/sources/{id}/refresh`,
      operationId: "refreshKnowledgeSource",
      summary: "Re-fetch a source now (unchanged pages are skipped, removed ones removed); answers its running job if one runs",
      tag: "admin",
      auth: "admin",
      params: SOURCE_PARAMS,
      status: 202,
      response: z.object({ job: IngestJob }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "write");
      const row = await sourceRow(c.env.DB, orgId, params.id);
      if (!row || row.collection_id !== params.collection) throw notFound("source");
      return reply({ job: await runSourceNow(c.env, row, "refresh", "manual") });
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/collections/{collection}/sources/{id}`,
      operationId: "deleteKnowledgeSource",
      summary: "Remove a source and every document it yielded",
      tag: "admin",
      auth: "admin",
      params: SOURCE_PARAMS,
      response: z.object({ deleted: z.boolean(), documents: z.number() }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "write");
      const row = await sourceRow(c.env.DB, orgId, params.id);
      if (!row || row.collection_id !== params.collection) throw notFound("source");
      const n = await deleteSource(c.env, orgId, row.id);
      return reply({ deleted: true, documents: n });
    },
  );
}
