/**
 * Fetching knowledge from the web: a page, a sitemap, a document a page links. Each fetch
 * goes through the outbound guard (no private addresses, redirects checked hop by hop), is
 * bounded in time and size, conditional when the last fetch's validators are known, and
 * only pages, text and the document formats we parse are accepted. A page that cannot be
 * fetched is the caller's problem to fix (4xx), not ours (5xx), and the message does not say
 * why the network failed.
 */
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { readLimited } from "../http/read-limited";
import { FetchFailed, guardedFetch, UrlRefused } from "../net/outbound";

export const MAX_PAGE_BYTES = 2 * 1024 * 1024;
const TIMEOUT_MS = 10_000;

function decodeXml(text: string): string {
  return text.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'");
}

/** Types a source's page may be: readable text, and the document formats we parse. */
const PAGE_TYPES = /text\/|xml|markdown|json|application\/pdf|wordprocessingml|subrip|vtt/;
const BINARY_TYPES = /application\/pdf|wordprocessingml/;

export interface FetchedResource {
  status: 200;
  /** The URL that answered, after redirects. */
  url: string;
  contentType: string;
  bytes: Uint8Array;
  etag: string | null;
  lastModified: string | null;
}

/** 304: the validators still hold. 404/410: the page is gone (its document is removed). */
export type FetchOutcome = FetchedResource | { status: 304; url: string } | { status: 404; url: string } | { status: 410; url: string };

export interface ResourceOptions {
  /** Validators of the last fetch: sent as If-None-Match / If-Modified-Since. */
  etag?: string | null;
  lastModified?: string | null;
  userAgent?: string;
  /** Cap for text pages (binaries get the parsers' file cap). */
  maxTextBytes?: number;
  maxBinaryBytes?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * One URL of a source, through the outbound guard, conditionally when validators are known.
 * Errors are ApiErrors with the codes the admin API uses (url_refused, fetch_failed,
 * unsupported_type, payload_too_large), so a job can list each page's failure as it is.
 */
export async function fetchResource(env: Env, raw: string, options: ResourceOptions = {}): Promise<FetchOutcome> {
  const headers: Record<string, string> = {
    accept: "text/html, text/markdown, text/plain, application/pdf, application/vnd.openxmlformats-officedocument.wordprocessingml.document, text/vtt, application/xml;q=0.9, */*;q=0.1",
  };
  if (options.userAgent) headers["user-agent"] = options.userAgent;
  if (options.etag) headers["if-none-match"] = options.etag;
  if (options.lastModified) headers["if-modified-since"] = options.lastModified;
  let response: Response;
  let url: string;
  try {
    const result = await guardedFetch(env, raw, { headers, timeoutMs: options.timeoutMs ?? TIMEOUT_MS, ...(options.signal ? { signal: options.signal } : {}) });
    response = result.response;
    url = result.url;
  } catch (error) {
    if (error instanceof UrlRefused) throw new ApiError(400, "url_refused", error.message);
    if (error instanceof FetchFailed) throw new ApiError(422, "fetch_failed", error.message);
    throw error;
  }
  if (response.status === 304 || response.status === 404 || response.status === 410) {
    await response.body?.cancel();
    return { status: response.status as 304 | 404 | 410, url } as FetchOutcome;
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ApiError(422, "fetch_failed", `${url} answered ${response.status}`);
  }
  const contentType = (response.headers.get("content-type") ?? "").toLowerCase();
  if (!PAGE_TYPES.test(contentType)) {
    await response.body?.cancel();
    throw new ApiError(415, "unsupported_type", `${url} is ${contentType || "of an unknown type"}; pages, Markdown, text, PDF, Word and captions only`);
  }
  const cap = BINARY_TYPES.test(contentType) ? (options.maxBinaryBytes ?? 20 * 1024 * 1024) : (options.maxTextBytes ?? MAX_PAGE_BYTES);
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > cap) {
    await response.body?.cancel();
    throw new ApiError(413, "payload_too_large", `${url} is larger than ${cap} bytes`);
  }
  let read: Awaited<ReturnType<typeof readLimited>>;
  try {
    read = await readLimited(response.body, cap);
  } catch {
    throw new ApiError(422, "fetch_failed", new FetchFailed(url).message);
  }
  if (read.truncated) {
    await read.reader?.cancel();
    throw new ApiError(413, "payload_too_large", `${url} is larger than ${cap} bytes`);
  }
  return { status: 200, url, contentType, bytes: read.bytes, etag: response.headers.get("etag"), lastModified: response.headers.get("last-modified") };
}

/** The page URLs of a sitemap's XML (a sitemap index's nested sitemaps are `nested`). */
export function sitemapLocations(xml: string): { pages: string[]; nested: string[] } {
  const locs = [...xml.matchAll(/<loc>\s*([^<\s]+)\s*<\/loc>/gi)].map((m) => decodeXml(m[1] ?? "")).filter((u) => /^https?:\/\//i.test(u));
  return /<sitemapindex/i.test(xml) ? { pages: [], nested: [...new Set(locs)] } : { pages: [...new Set(locs)], nested: [] };
}
