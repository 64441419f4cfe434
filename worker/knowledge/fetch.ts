/**
 * Fetching knowledge from the web: one page, or every page a sitemap lists (a sitemap
 * index is followed one level down). Each fetch goes through the outbound guard (no private
 * addresses, redirects checked hop by hop), is bounded in time and size, and only http(s)
 * text is accepted. A page that cannot be fetched is the caller's problem to fix (422), not
 * ours (5xx), and the message does not say why the network failed.
 */
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { readLimited } from "../http/read-limited";
import { mapLimit } from "../engine/abort";
import { FetchFailed, guardedFetch, UrlRefused } from "../net/outbound";

export const MAX_PAGE_BYTES = 2 * 1024 * 1024;
export const MAX_SITEMAP_URLS = 100;
const TIMEOUT_MS = 10_000;

export interface FetchedPage {
  url: string;
  contentType: string;
  body: string;
}

export async function fetchPage(env: Env, raw: string): Promise<FetchedPage> {
  let response: Response;
  let url: URL;
  try {
    const result = await guardedFetch(env, raw, { timeoutMs: TIMEOUT_MS, headers: { accept: "text/html, text/markdown, text/plain, application/xml;q=0.9" } });
    response = result.response;
    url = new URL(result.url);
  } catch (error) {
    if (error instanceof UrlRefused) throw new ApiError(400, "url_refused", error.message);
    if (error instanceof FetchFailed) throw new ApiError(422, "fetch_failed", error.message);
    throw error;
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ApiError(422, "fetch_failed", `${url.href} answered ${response.status}`);
  }
  const contentType = (response.headers.get("content-type") ?? "").toLowerCase();
  if (!/text\/|xml|markdown/.test(contentType)) {
    await response.body?.cancel();
    throw new ApiError(415, "unsupported_type", `${url.href} is ${contentType || "of an unknown type"}; HTML, Markdown, plain text or XML only`);
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_PAGE_BYTES) {
    await response.body?.cancel();
    throw new ApiError(413, "payload_too_large", `${url.href} is larger than ${MAX_PAGE_BYTES} bytes`);
  }
  // A chunked answer declares no length: read at most the cap, never the whole of it.
  let read: Awaited<ReturnType<typeof readLimited>>;
  try {
    read = await readLimited(response.body, MAX_PAGE_BYTES);
  } catch {
    // The timeout (or the peer) cut the body: the same answer as any other network failure.
    throw new ApiError(422, "fetch_failed", new FetchFailed(url.href).message);
  }
  const { bytes, truncated, reader } = read;
  if (truncated) {
    await reader?.cancel();
    throw new ApiError(413, "payload_too_large", `${url.href} is larger than ${MAX_PAGE_BYTES} bytes`);
  }
  return { url: url.href, contentType, body: new TextDecoder().decode(bytes) };
}

/** The page URLs a sitemap lists (following a sitemap index one level). */
export async function sitemapUrls(env: Env, raw: string): Promise<string[]> {
  const root = await fetchPage(env, raw);
  const locs = (xml: string) => [...xml.matchAll(/<loc>\s*([^<\s]+)\s*<\/loc>/gi)].map((m) => decodeXml(m[1] ?? ""));
  let urls = locs(root.body);
  if (/<sitemapindex/i.test(root.body)) {
    const nested = await mapLimit(urls.slice(0, 10), 4, async (u) => locs((await fetchPage(env, u)).body));
    urls = nested.flat();
  }
  urls = [...new Set(urls)].filter((u) => /^https?:\/\//.test(u));
  if (urls.length === 0) throw new ApiError(400, "empty_sitemap", `${raw} lists no pages`);
  if (urls.length > MAX_SITEMAP_URLS) throw new ApiError(413, "sitemap_too_large", `${raw} lists ${urls.length} pages; at most ${MAX_SITEMAP_URLS} per ingest`);
  return urls;
}

function decodeXml(text: string): string {
  return text.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'");
}
