/**
 * Fetching knowledge from the web: one page, or every page a sitemap lists (a sitemap
 * index is followed one level down). Each fetch is bounded in time and size, and only
 * http(s) text is accepted.
 */
import { ApiError } from "../http/errors";
import { mapLimit } from "../engine/abort";

export const MAX_PAGE_BYTES = 2 * 1024 * 1024;
export const MAX_SITEMAP_URLS = 100;
const TIMEOUT_MS = 10_000;

export interface FetchedPage {
  url: string;
  contentType: string;
  body: string;
}

function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError(400, "invalid_url", `not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ApiError(400, "invalid_url", "only http and https URLs can be ingested");
  return url;
}

export async function fetchPage(raw: string): Promise<FetchedPage> {
  const url = checkUrl(raw);
  let response: Response;
  try {
    response = await fetch(url.href, { redirect: "follow", signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: "text/html, text/markdown, text/plain, application/xml;q=0.9" } });
  } catch (error) {
    throw new ApiError(502, "fetch_failed", `could not fetch ${url.href}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ApiError(502, "fetch_failed", `${url.href} answered ${response.status}`);
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
  const buffer = await response.arrayBuffer();
  if (buffer.byteLength > MAX_PAGE_BYTES) throw new ApiError(413, "payload_too_large", `${url.href} is larger than ${MAX_PAGE_BYTES} bytes`);
  return { url: response.url || url.href, contentType, body: new TextDecoder().decode(buffer) };
}

/** The page URLs a sitemap lists (following a sitemap index one level). */
export async function sitemapUrls(raw: string): Promise<string[]> {
  const root = await fetchPage(raw);
  const locs = (xml: string) => [...xml.matchAll(/<loc>\s*([^<\s]+)\s*<\/loc>/gi)].map((m) => decodeXml(m[1] ?? ""));
  let urls = locs(root.body);
  if (/<sitemapindex/i.test(root.body)) {
    const nested = await mapLimit(urls.slice(0, 10), 4, async (u) => locs((await fetchPage(u)).body));
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
