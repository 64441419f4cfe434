/**
 * Uploads and ingest jobs. A file (PDF, DOCX, CSV/JSON FAQ, VTT/SRT, ZIP export, Markdown,
 * HTML, text) is checked at the door — its type, its size, and for archives every check that
 * needs no inflating — then kept in R2 and parsed by a background job on the INGEST queue;
 * the answer is `202 {job}`, whose progress the console polls.
 */
import { z } from "zod";
import { IngestJob, JobStatus } from "../../../shared/knowledge";
import { ApiError, notFound } from "../../http/errors";
import { formText, readForm } from "../../http/form";
import type { ApiRoutes } from "../../http/openapi";
import { Ids } from "../../http/params";
import { FORMAT_LIMITS, preflight } from "../../knowledge/formats";
import { createJob, getJob, listJobs } from "../../knowledge/jobs";
import { originalKey, putOriginal } from "../../knowledge/originals";
import { ensureCollection } from "../../knowledge/store";
import { randomId } from "../../ids";
import { ORG, ORG_PARAMS, orgAccess } from "./common";

/** The largest file an upload takes (the parsers' cap), plus room for the form's other parts. */
export const MAX_UPLOAD_BYTES = FORMAT_LIMITS.fileBytes + 64 * 1024;
const COLLECTION_PARAMS = { ...ORG_PARAMS, collection: Ids.collection };

const UploadFields = z.object({
  file: z.string().describe("The file (binary): PDF, DOCX, CSV, JSON, VTT, SRT, ZIP, Markdown, HTML or text"),
  url: z.url().max(2000).optional().describe("The page or video this file belongs to: citations link there (a transcript's video, a PDF's public address)"),
  title: z.string().max(300).optional().describe("A title that wins over the file's own"),
});

const HttpUrl = z
  .url()
  .max(2000)
  .refine((u) => /^https?:\/\//i.test(u), "an http or https URL");

/** A file's name without folders or control characters, as people will see it. */
function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  return base.replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, 200) || "upload";
}

export function knowledgeFilesAdmin(api: ApiRoutes): void {
  api.add(
    {
      method: "post",
      path: `${ORG}/collections/{collection}/files`,
      operationId: "uploadKnowledgeFile",
      summary: "Upload a file (multipart: file, optional url and title); it is parsed in the background — poll the job",
      tag: "admin",
      auth: "admin",
      params: COLLECTION_PARAMS,
      upload: { fields: UploadFields, maxBytes: MAX_UPLOAD_BYTES },
      status: 202,
      response: z.object({ job: IngestJob }),
      errors: [422],
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "write");
      const form = await readForm(c.req.raw, MAX_UPLOAD_BYTES);
      const file = form.get("file");
      if (!file || typeof file === "string") throw new ApiError(400, "invalid_request", "file: attach the file as a form part named file");
      const rawUrl = formText(form, "url");
      const url = rawUrl === undefined ? undefined : HttpUrl.safeParse(rawUrl);
      if (url && !url.success) throw new ApiError(400, "invalid_request", "url: an http or https URL of at most 2000 characters");
      const title = formText(form, "title");
      if (title && title.length > 300) throw new ApiError(400, "invalid_request", "title: at most 300 characters");
      const filename = cleanFilename(file.name);
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (bytes.length === 0) throw new ApiError(422, "empty_document", `${filename} is empty`);
      const format = preflight({ bytes, filename, contentType: file.type });

      await ensureCollection(c.env.DB, orgId, params.collection);
      const key = originalKey(orgId, params.collection, randomId("", 9), filename);
      const contentType = file.type || "application/octet-stream";
      await putOriginal(c.env, key, bytes, { filename, contentType });
      const job = await createJob(c.env, {
        orgId,
        collectionId: params.collection,
        kind: "upload",
        input: { filename, contentType, bytes: bytes.length, r2Key: key, ...(url?.success ? { url: url.data } : {}), ...(title ? { title } : {}) },
        total: format === "zip" || format === "csv" || format === "json" ? 0 : 1,
      });
      return reply({ job });
    },
  );

  api.add(
    {
      method: "get",
      path: `${ORG}/ingest-jobs/{id}`,
      operationId: "getIngestJob",
      summary: "An ingest job: status (queued, running, done, failed), progress, documents and errors",
      tag: "admin",
      auth: "admin",
      params: { ...ORG_PARAMS, id: Ids.ingestJob },
      response: IngestJob,
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "read");
      const job = await getJob(c.env.DB, orgId, params.id);
      if (!job) throw notFound("job");
      return reply(job);
    },
  );

  api.add(
    {
      method: "get",
      path: `${ORG}/ingest-jobs`,
      operationId: "listIngestJobs",
      summary: "Ingest jobs, newest first (each with its last 20 documents and errors; the job itself has all)",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      query: z.object({
        collection: Ids.collection.optional(),
        status: JobStatus.optional(),
        before: z.iso.datetime().optional(),
        limit: z.coerce.number().int().min(1).max(100).optional(),
      }),
      response: z.object({ jobs: z.array(IngestJob) }),
    },
    async (c, { query, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "read");
      const jobs = await listJobs(c.env.DB, orgId, {
        ...(query.collection ? { collection: query.collection } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.before ? { before: query.before } : {}),
        limit: query.limit ?? 20,
      });
      return reply({ jobs });
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/collections/{collection}/documents/{id}/reparse`,
      operationId: "reparseDocument",
      summary: "Parse an uploaded document again from its original (kept in R2), in the background",
      tag: "admin",
      auth: "admin",
      params: { ...COLLECTION_PARAMS, id: Ids.document },
      status: 202,
      response: z.object({ job: IngestJob }),
      errors: [422],
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "write");
      const doc = await c.env.DB.prepare("SELECT id, r2_key FROM knowledge_documents WHERE id = ? AND org_id = ? AND collection_id = ?")
        .bind(params.id, orgId, params.collection)
        .first<{ id: string; r2_key: string | null }>();
      if (!doc) throw notFound("document");
      if (!doc.r2_key) throw new ApiError(422, "no_original", "this document was not uploaded as a file; ingest its source again instead");
      const job = await createJob(c.env, { orgId, collectionId: params.collection, kind: "reparse", input: { documentId: doc.id }, total: 1 });
      return reply({ job });
    },
  );
}
