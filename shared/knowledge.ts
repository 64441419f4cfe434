/**
 * The knowledge admin API's wire types (ingest jobs, URL-based sources, the embedding index,
 * documents), shared by the worker's routes and the console that shows them.
 */
import { z } from "zod";

export const JobStatus = z.enum(["queued", "running", "done", "failed"]);
export type JobStatus = z.infer<typeof JobStatus>;

export const JobKind = z.enum(["upload", "url", "sitemap", "crawl", "video", "refresh", "embed", "reparse"]);
export type JobKind = z.infer<typeof JobKind>;

/** What a job did to one document. */
export const DocumentChange = z.enum(["added", "updated", "unchanged", "removed"]);

export const JobDocument = z.object({
  id: z.string(),
  source: z.string(),
  title: z.string(),
  url: z.string().nullable(),
  chunks: z.number(),
  change: DocumentChange,
});
export type JobDocument = z.infer<typeof JobDocument>;

/** One item that did not become a document (a page that failed, a file of a ZIP skipped), or why the job failed. */
export const JobError = z.object({
  /** The page URL, the path inside an archive, or the file's name. */
  item: z.string(),
  code: z.string(),
  message: z.string(),
});
export type JobError = z.infer<typeof JobError>;

export const IngestJob = z.object({
  id: z.string(),
  kind: JobKind,
  status: JobStatus,
  collection: z.string().nullable(),
  sourceId: z.string().nullable(),
  /** What was asked: the uploaded file's name, type and size, or the URL. */
  input: z.object({
    filename: z.string().optional(),
    contentType: z.string().optional(),
    bytes: z.number().optional(),
    url: z.string().optional(),
    title: z.string().optional(),
    documentId: z.string().optional(),
  }),
  /** Items done out of the items known so far (a crawl's total grows as it finds pages). */
  progress: z.object({ done: z.number(), total: z.number() }),
  documents: z.array(JobDocument),
  errors: z.array(JobError),
  /** Why the whole job failed, when it did (each item's own failure is in `errors`). */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type IngestJob = z.infer<typeof IngestJob>;

export const SourceKind = z.enum(["url", "sitemap", "crawl", "video"]);
export type SourceKind = z.infer<typeof SourceKind>;

/** A URL path pattern: `*` matches any run of characters, a leading `/` anchors it at the path's start. */
export const UrlPattern = z.string().min(1).max(200);

export const CrawlOptions = z
  .object({
    /** Pages whose path (and query) match one of these are crawled; default: the start URL's folder. */
    include: z.array(UrlPattern).max(20).optional(),
    /** Pages matching one of these are not. */
    exclude: z.array(UrlPattern).max(20).optional(),
    /** Links followed from the start page, at most (default 3). */
    maxDepth: z.number().int().min(0).max(10).optional(),
    /** Pages ingested, at most (default 50). */
    maxPages: z.number().int().min(1).max(500).optional(),
  })
  .strict();
export type CrawlOptions = z.infer<typeof CrawlOptions>;

export const RefreshDays = z.number().int().min(1).max(365).nullable();

export const KnowledgeSource = z.object({
  id: z.string(),
  collection: z.string(),
  kind: SourceKind,
  url: z.string(),
  options: CrawlOptions,
  /** This source's own interval (null: the collection's). */
  refreshDays: RefreshDays,
  /** The interval in force: its own, else the collection's, else null (never refreshed). */
  effectiveRefreshDays: RefreshDays,
  documents: z.number(),
  createdAt: z.string(),
  refreshedAt: z.string().nullable(),
  lastJobId: z.string().nullable(),
});
export type KnowledgeSource = z.infer<typeof KnowledgeSource>;

export const EmbeddingsSettings = z.object({
  /** An OpenAI-compatible API base, up to and including its version: `https://api.openai.com/v1`. */
  baseURL: z.url().max(500),
  model: z.string().min(1).max(200),
  /** The org secret holding the endpoint's key (none for a local endpoint without one). */
  apiKeySecret: z
    .string()
    .max(64)
    .regex(/^[A-Z][A-Z0-9_]*$/, "an org secret name: A-Z, 0-9 and _")
    .optional(),
  /** Vector length; learned from the endpoint when left out. */
  dimensions: z.number().int().min(8).max(4096).optional(),
});
export type EmbeddingsSettings = z.infer<typeof EmbeddingsSettings>;

/** A collection, with its document count and default refresh interval. */
export const KnowledgeCollection = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  documents: z.number(),
  /** Every URL-based source of the collection that sets no interval of its own is re-fetched this often (null: never). */
  refreshDays: RefreshDays,
});
export type KnowledgeCollection = z.infer<typeof KnowledgeCollection>;

/** A document as the collection's list shows it. */
export const KnowledgeDocument = z.object({
  id: z.string(),
  source: z.string(),
  title: z.string(),
  url: z.string().nullable(),
  bytes: z.number(),
  createdAt: z.string(),
  chunks: z.number(),
  /** pdf, docx, csv, json, vtt, srt, markdown, html, text (null: ingested before formats were recorded). */
  format: z.string().nullable(),
  /** The URL-based source it came from (null: uploaded or sent as text). */
  sourceId: z.string().nullable(),
  /** When it was last fetched from its URL, when its text last changed, and how. */
  fetchedAt: z.string().nullable(),
  changedAt: z.string().nullable(),
  changeSummary: z.string().nullable(),
  /** Its uploaded original is kept, so it can be parsed again. */
  hasOriginal: z.boolean(),
});
export type KnowledgeDocument = z.infer<typeof KnowledgeDocument>;

/** The org's embedding index as `GET …/embeddings` answers it. */
export const EmbeddingsStatus = z.object({
  embeddings: EmbeddingsSettings.nullable(),
  /** Where vectors are searched: Cloudflare Vectorize when bound, else exactly in the Worker. */
  index: z.enum(["exact", "vectorize"]),
  chunks: z.object({ total: z.number(), embedded: z.number() }),
});
export type EmbeddingsStatus = z.infer<typeof EmbeddingsStatus>;
