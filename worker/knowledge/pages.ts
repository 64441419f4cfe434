/**
 * Pages fetched for a source, into documents; and what a crawler needs from a page: its
 * links, and whether it may be indexed or followed (`<meta name="robots">`). Also the scope
 * of a crawl: same origin as the start page, inside the include patterns and outside the
 * exclude ones.
 */
import { ApiError } from "../http/errors";
import { htmlSections } from "./formats/html";
import { extensionOf, parseContent, type ParsedDocument } from "./formats";
import type { FetchedResource } from "./fetch";

/** The documents a fetched page holds (one, except a FAQ export, which is one per question). */
export async function pageDocuments(page: FetchedResource): Promise<ParsedDocument[]> {
  if (/html/.test(page.contentType)) {
    const html = await htmlSections(new TextDecoder().decode(page.bytes));
    if (html.sections.length === 0) throw new ApiError(422, "empty_document", `${page.url} has no readable text`);
    return [{ format: "html", title: html.title, sections: html.sections, ...(html.lang ? { lang: html.lang } : {}), url: page.url }];
  }
  const name = decodeURIComponent(new URL(page.url).pathname.split("/").pop() ?? "") || "page";
  // A URL without a telling extension is read by its type (text/plain, text/markdown …).
  const filename = extensionOf(name) ? name : undefined;
  const parsed = await parseContent({ bytes: page.bytes, ...(filename ? { filename } : {}), contentType: page.contentType, url: page.url });
  if (parsed.format === "zip") throw new ApiError(415, "unsupported_type", `${page.url} is an archive; upload archives as files`);
  return parsed.documents;
}

export interface PageLinks {
  links: string[];
  /** `<meta name="robots" content="noindex">`: fetch it, follow its links, do not store it. */
  noindex: boolean;
  /** `nofollow`: store it, follow nothing. */
  nofollow: boolean;
}

/** The links of an HTML page, absolute, without fragments, http(s) only, in page order. */
export async function pageLinks(html: string, pageUrl: string): Promise<PageLinks> {
  let base = pageUrl;
  const hrefs: string[] = [];
  let noindex = false;
  let nofollow = false;
  const rewriter = new HTMLRewriter()
    .on("base[href]", {
      element(el) {
        try {
          base = new URL(el.getAttribute("href") ?? "", pageUrl).href;
        } catch {
          // a broken <base> is ignored, as browsers do
        }
      },
    })
    .on("meta[name]", {
      element(el) {
        const name = (el.getAttribute("name") ?? "").toLowerCase();
        if (name !== "robots" && name !== "switchboardbot") return;
        const content = (el.getAttribute("content") ?? "").toLowerCase();
        if (/\b(noindex|none)\b/.test(content)) noindex = true;
        if (/\b(nofollow|none)\b/.test(content)) nofollow = true;
      },
    })
    .on("a[href]", {
      element(el) {
        const rel = (el.getAttribute("rel") ?? "").toLowerCase();
        if (/\bnofollow\b/.test(rel)) return;
        hrefs.push(el.getAttribute("href") ?? "");
      },
    });
  await rewriter.transform(new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } })).arrayBuffer();
  const seen = new Set<string>();
  const links: string[] = [];
  for (const href of hrefs) {
    const url = normalizeUrl(href, base);
    if (url && !seen.has(url)) {
      seen.add(url);
      links.push(url);
    }
  }
  return { links, noindex, nofollow };
}

/** An http(s) URL, absolute, without its fragment (one page, however it is linked), or null. */
export function normalizeUrl(href: string, base: string): string | null {
  const raw = href.trim();
  if (!raw || raw.startsWith("#") || /^(mailto|tel|javascript|data):/i.test(raw)) return null;
  try {
    const url = new URL(raw, base);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    url.hash = "";
    return url.href;
  } catch {
    return null;
  }
}

/** `*` matches any run of characters; a pattern not starting with `/` or `*` may match anywhere. */
function patternRegex(pattern: string): RegExp {
  const escaped = pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(pattern.startsWith("/") ? `^${escaped}` : escaped);
}

export interface CrawlScope {
  origin: string;
  include: RegExp[];
  exclude: RegExp[];
}

/**
 * What a crawl may visit: the start page's origin, paths matching an include pattern
 * (default: the start page's folder and below) and no exclude pattern.
 */
export function crawlScope(start: string, include?: string[], exclude?: string[]): CrawlScope {
  const url = new URL(start);
  const folder = url.pathname.replace(/[^/]*$/, "");
  return {
    origin: url.origin,
    include: (include?.length ? include : [`${folder}*`]).map(patternRegex),
    exclude: (exclude ?? []).map(patternRegex),
  };
}

export function inScope(scope: CrawlScope, raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.origin !== scope.origin) return false;
  const target = url.pathname + url.search;
  return scope.include.some((re) => re.test(target)) && !scope.exclude.some((re) => re.test(target));
}
