/**
 * Source jobs: the first run of a URL-based source and every refresh of it. One loop serves
 * all four kinds — a page, a sitemap's pages, a crawl's frontier, a video page — item by
 * item, each through the outbound guard:
 *
 * - a page already stored is asked for conditionally (If-None-Match / If-Modified-Since);
 *   304, or the same text (content hash), leaves it as it is; 404 or 410 removes it;
 * - a crawl stays on the start page's origin, inside its include/exclude patterns, within
 *   its depth and page caps, honours robots.txt (our token's group, else `*`) and waits its
 *   per-host delay (CRAWL_DELAY_MS, or the site's Crawl-delay when longer) between requests;
 * - when a sitemap or crawl run finishes whole (no page failed, no cap or time limit cut
 *   it short), the source's documents it did not reach are removed: gone from the site.
 */
import type { CrawlOptions, JobDocument, JobError } from "../../shared/knowledge";
import { ApiError } from "../http/errors";
import { FetchFailed, guardedFetch, UrlRefused } from "../net/outbound";
import { fetchResource, sitemapLocations, type FetchOutcome } from "./fetch";
import { FORMAT_LIMITS, transcriptFromVideoPage, type ParsedDocument } from "./formats";
import { removeDocument, storeDocument } from "./ingest";
import { crawlScope, inScope, pageDocuments, pageLinks } from "./pages";
import { ALLOW_ALL, CRAWLER_USER_AGENT, DISALLOW_ALL, parseRobots, ROBOTS_MAX_BYTES, robotsAllow, type RobotsRules } from "./robots";
import { itemError, stateOf, type SliceContext, type SliceResult } from "./slice";
import { sourceOptions, sourceRow, type SourceRow } from "./sources";
import { readLimited } from "../http/read-limited";

export const CRAWL_DEFAULTS = { maxDepth: 3, maxPages: 50 };
/** Pages of one sitemap run, at most. */
export const SITEMAP_MAX_PAGES = 500;
/** Nested sitemaps of a sitemap index read, at most. */
const SITEMAP_MAX_NESTED = 20;
/** A crawl remembers at most this many URLs it has seen (queued or visited). */
const CRAWL_MAX_SEEN = 5000;
/** The longest Crawl-delay honoured; a site asking for more is crawled at this pace. */
const MAX_CRAWL_DELAY_MS = 30_000;
/** A source's run stops after this long (across slices), keeping what it has. */
export const SOURCE_TIME_LIMIT_MS = 30 * 60 * 1000;

interface Item {
  url: string;
  depth: number;
}

interface SourceState {
  listed: boolean;
  queue: Item[];
  seen: string[];
  /** Sources (URLs) of documents this run stored or found unchanged. */
  reached: string[];
  pages: number;
  robots: RobotsRules | null;
  delayMs: number;
  nextAt: number;
  /** Something kept this run from seeing the whole source: nothing is removed for being unseen. */
  incomplete: boolean;
}

const fresh = (): SourceState => ({ listed: false, queue: [], seen: [], reached: [], pages: 0, robots: null, delayMs: 0, nextAt: 0, incomplete: false });

function baseDelay(ctx: SliceContext): number {
  const n = Number(ctx.env.CRAWL_DELAY_MS);
  return Number.isFinite(n) && n >= 0 ? n : 1000;
}

export async function runSource(ctx: SliceContext): Promise<SliceResult> {
  const { env, job } = ctx;
  const source = job.source_id ? await sourceRow(env.DB, job.org_id, job.source_id) : null;
  if (!source) throw new ApiError(422, "source_missing", "the source was deleted");
  const options = sourceOptions(source);
  const state = stateOf<SourceState>(job, fresh());
  const startedAt = Date.parse(job.started_at ?? "") || Date.now();

  if (!state.listed) {
    await list(ctx, source, options, state);
    state.listed = true;
    await ctx.step({ state, total: state.queue.length });
  }

  const maxPages = source.kind === "crawl" ? (options.maxPages ?? CRAWL_DEFAULTS.maxPages) : SITEMAP_MAX_PAGES;
  const resumedAt = state.queue[0]?.url;
  let done = job.done;
  while (state.queue.length) {
    if (Date.now() - startedAt > SOURCE_TIME_LIMIT_MS) {
      state.incomplete = true;
      await ctx.step({ state: { ...state, queue: [] }, error: { item: source.url, code: "time_limit", message: `stopped after ${SOURCE_TIME_LIMIT_MS / 60_000} minutes with ${state.queue.length} pages left` } });
      state.queue = [];
      break;
    }
    if (state.pages >= maxPages) {
      state.incomplete = true;
      await ctx.step({ error: { item: source.url, code: "page_limit", message: `stopped at ${maxPages} pages; ${state.queue.length} more were found` } });
      state.queue = [];
      break;
    }
    const wait = state.nextAt - Date.now();
    if (Date.now() + Math.max(0, wait) > ctx.deadline) return { done: false, delaySeconds: Math.max(0, wait) / 1000 };
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));

    const item = state.queue.shift()!;
    if (ctx.skipCurrent && item.url === resumedAt) {
      state.incomplete = true;
      await ctx.step({ state, done: ++done, error: { item: item.url, code: "too_slow", message: `${item.url} could not be processed in the time a job step has` } });
      continue;
    }
    state.nextAt = Date.now() + state.delayMs;
    const outcome = await visit(ctx, source, options, state, item);
    done++;
    await ctx.step({ state, done, total: done + state.queue.length, ...outcome });
  }

  if (!state.incomplete && (source.kind === "sitemap" || source.kind === "crawl")) {
    const reached = new Set(state.reached);
    const docs = await env.DB.prepare("SELECT id, source, title, url FROM knowledge_documents WHERE org_id = ? AND source_id = ?")
      .bind(job.org_id, source.id)
      .all<{ id: string; source: string; title: string; url: string | null }>();
    for (const d of docs.results) {
      if (reached.has(d.source)) continue;
      await removeDocument(env, job.org_id, d.id);
      await ctx.step({ document: { id: d.id, source: d.source, title: d.title, url: d.url, chunks: 0, change: "removed" } });
    }
  }
  return { done: true };
}

/** The first step of a run: what to visit (and, for a crawl, the site's robots.txt). */
async function list(ctx: SliceContext, source: SourceRow, options: CrawlOptions, state: SourceState): Promise<void> {
  state.delayMs = baseDelay(ctx);
  if (source.kind === "url" || source.kind === "video") {
    state.queue = [{ url: source.url, depth: 0 }];
    return;
  }
  if (source.kind === "sitemap") {
    const pages = await sitemapPages(ctx, source.url);
    if (pages.length > SITEMAP_MAX_PAGES) {
      state.incomplete = true;
      await ctx.step({ error: { item: source.url, code: "sitemap_too_large", message: `the sitemap lists ${pages.length} pages; the first ${SITEMAP_MAX_PAGES} are read` } });
    }
    state.queue = pages.slice(0, SITEMAP_MAX_PAGES).map((url) => ({ url, depth: 0 }));
    return;
  }
  // A crawl: robots.txt first. Missing (4xx) allows all; unreadable (5xx, no answer) stops the crawl.
  const robots = await robotsFor(ctx, source.url);
  if (robots === DISALLOW_ALL) throw new ApiError(422, "robots_unavailable", `${new URL("/robots.txt", source.url).href} could not be read; not crawling until it can`);
  state.robots = robots;
  if (robots.crawlDelay !== null) state.delayMs = Math.max(state.delayMs, Math.min(robots.crawlDelay * 1000, MAX_CRAWL_DELAY_MS));
  if (!robotsAllow(robots, new URL(source.url))) throw new ApiError(422, "robots_disallowed", `robots.txt does not allow crawling ${source.url}`);
  state.queue = [{ url: source.url, depth: 0 }];
  state.seen = [source.url];
  state.nextAt = Date.now() + state.delayMs;
}

async function robotsFor(ctx: SliceContext, start: string): Promise<RobotsRules> {
  const url = new URL("/robots.txt", start).href;
  let response: Response;
  try {
    response = (await guardedFetch(ctx.env, url, { headers: { "user-agent": CRAWLER_USER_AGENT, accept: "text/plain" }, timeoutMs: 10_000 })).response;
  } catch (error) {
    if (error instanceof UrlRefused) throw new ApiError(400, "url_refused", error.message);
    if (error instanceof FetchFailed) return DISALLOW_ALL;
    throw error;
  }
  if (response.status >= 400 && response.status < 500) {
    await response.body?.cancel();
    return ALLOW_ALL;
  }
  if (!response.ok) {
    await response.body?.cancel();
    return DISALLOW_ALL;
  }
  const { bytes, reader, truncated } = await readLimited(response.body, ROBOTS_MAX_BYTES).catch(() => ({ bytes: null, reader: null, truncated: false }));
  if (truncated) await reader?.cancel();
  if (!bytes) return DISALLOW_ALL;
  return parseRobots(new TextDecoder().decode(bytes));
}

async function sitemapPages(ctx: SliceContext, url: string): Promise<string[]> {
  const root = await fetchResource(ctx.env, url, { userAgent: CRAWLER_USER_AGENT });
  if (root.status !== 200) throw new ApiError(422, "fetch_failed", `${url} answered ${root.status}`);
  const { pages, nested } = sitemapLocations(new TextDecoder().decode(root.bytes));
  const all = [...pages];
  for (const child of nested.slice(0, SITEMAP_MAX_NESTED)) {
    try {
      const r = await fetchResource(ctx.env, child, { userAgent: CRAWLER_USER_AGENT });
      if (r.status === 200) all.push(...sitemapLocations(new TextDecoder().decode(r.bytes)).pages);
      else await ctx.step({ error: { item: child, code: "fetch_failed", message: `${child} answered ${r.status}` } });
    } catch (error) {
      const failure = itemError(child, error);
      if (!failure) throw error;
      await ctx.step({ error: failure });
    }
    if (all.length > SITEMAP_MAX_PAGES) break;
  }
  const unique = [...new Set(all)];
  if (unique.length === 0) throw new ApiError(422, "empty_sitemap", `${url} lists no pages`);
  return unique;
}

interface Known {
  id: string;
  title: string;
  url: string | null;
  etag: string | null;
  last_modified: string | null;
  links: string | null;
  chunks: number;
}

async function knownDocument(ctx: SliceContext, source: SourceRow, url: string): Promise<Known | null> {
  return ctx.env.DB.prepare(
    `SELECT id, title, url, etag, last_modified, links, (SELECT COUNT(*) FROM knowledge_chunks c WHERE c.document_id = d.id) AS chunks
     FROM knowledge_documents d WHERE org_id = ? AND collection_id = ? AND source = ?`,
  )
    .bind(ctx.job.org_id, source.collection_id, url)
    .first<Known>();
}

type Outcome = { document?: JobDocument; error?: JobError };

/** One page: fetched (conditionally when known), stored, unchanged or removed; a crawl's links queued. */
async function visit(ctx: SliceContext, source: SourceRow, options: CrawlOptions, state: SourceState, item: Item): Promise<Outcome> {
  const { env, job } = ctx;
  const known = await knownDocument(ctx, source, item.url);
  let outcome: FetchOutcome;
  try {
    outcome = await fetchResource(env, item.url, { etag: known?.etag, lastModified: known?.last_modified, userAgent: CRAWLER_USER_AGENT });
  } catch (error) {
    const failure = itemError(item.url, error);
    if (!failure) throw error;
    // A page we could not read may still exist: nothing is removed for being unseen this time.
    state.incomplete = true;
    if (known) state.reached.push(item.url);
    if (item.depth === 0 && !state.pages && source.kind !== "sitemap") throw new ApiError(422, failure.code, failure.message);
    return { error: failure };
  }
  if (outcome.status === 404 || outcome.status === 410) {
    if (known) {
      await removeDocument(env, job.org_id, known.id);
      return { document: { id: known.id, source: item.url, title: known.title, url: known.url, chunks: 0, change: "removed" } };
    }
    if (item.depth === 0 && source.kind !== "sitemap") throw new ApiError(422, "fetch_failed", `${item.url} answered ${outcome.status}`);
    return { error: { item: item.url, code: "not_found", message: `${item.url} answered ${outcome.status}` } };
  }
  if (outcome.status === 304) {
    if (!known) return { error: { item: item.url, code: "fetch_failed", message: `${item.url} answered 304 to an unconditional request` } };
    await env.DB.prepare("UPDATE knowledge_documents SET fetched_at = ? WHERE id = ?").bind(new Date().toISOString(), known.id).run();
    state.reached.push(item.url);
    state.pages++;
    if (source.kind === "crawl") enqueueLinks(state, source, options, item, parseLinks(known.links));
    return { document: { id: known.id, source: item.url, title: known.title, url: known.url, chunks: known.chunks, change: "unchanged" } };
  }

  let docs: ParsedDocument[];
  let links: string[] | null = null;
  let noindex = false;
  try {
    if (source.kind === "video") {
      const html = new TextDecoder().decode(outcome.bytes);
      const fetchCaptions = async (u: string, init?: RequestInit) => (await guardedFetch(env, u, { ...init, headers: { ...(init?.headers as Record<string, string>), "user-agent": CRAWLER_USER_AGENT }, timeoutMs: 10_000 })).response;
      docs = [await transcriptFromVideoPage(outcome.url, html, fetchCaptions, FORMAT_LIMITS)];
    } else {
      if (source.kind === "crawl" && /html/.test(outcome.contentType)) {
        const page = await pageLinks(new TextDecoder().decode(outcome.bytes), outcome.url);
        noindex = page.noindex;
        links = page.nofollow ? [] : page.links.filter((l) => inScope(scopeOf(source, options), l)).slice(0, 500);
        enqueueLinks(state, source, options, item, links);
      }
      docs = noindex ? [] : await pageDocuments(outcome);
    }
  } catch (error) {
    if (error instanceof UrlRefused) return { error: { item: item.url, code: "url_refused", message: error.message } };
    if (error instanceof FetchFailed) {
      state.incomplete = true;
      return { error: { item: item.url, code: "fetch_failed", message: error.message } };
    }
    const failure = itemError(item.url, error);
    if (!failure) throw error;
    if (item.depth === 0 && source.kind !== "sitemap" && source.kind !== "crawl") throw new ApiError(422, failure.code, failure.message);
    return { error: failure };
  }
  if (noindex) {
    // The page asks not to be indexed: whatever we had of it goes.
    if (known) await removeDocument(env, job.org_id, known.id);
    return known ? { document: { id: known.id, source: item.url, title: known.title, url: known.url, chunks: 0, change: "removed" } } : {};
  }

  let last: Outcome = {};
  for (const [i, doc] of docs.entries()) {
    const name = docs.length > 1 ? `${item.url}#${doc.path ?? i}` : item.url;
    const stored = await storeDocument(env, {
      orgId: job.org_id,
      collectionId: source.collection_id,
      source: name,
      doc,
      fallbackTitle: outcome.url,
      url: doc.url ?? outcome.url,
      sourceId: source.id,
      etag: outcome.etag,
      lastModified: outcome.lastModified,
      fetched: true,
      links,
    });
    state.reached.push(name);
    last = { document: stored.document, ...(stored.embeddingError ? { error: { item: name, code: "embeddings_failed", message: stored.embeddingError } } : {}) };
    // Several documents from one page (an FAQ export): each but the last recorded on its own.
    if (i < docs.length - 1) await ctx.step(last);
  }
  state.pages++;
  return last;
}

function scopeOf(source: SourceRow, options: CrawlOptions) {
  return crawlScope(source.url, options.include, options.exclude);
}

function parseLinks(text: string | null): string[] {
  try {
    const v = JSON.parse(text ?? "[]");
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** A crawled page's links into the frontier: in scope, allowed by robots.txt, new, within depth. */
function enqueueLinks(state: SourceState, source: SourceRow, options: CrawlOptions, from: Item, links: string[]): void {
  const depth = from.depth + 1;
  if (depth > (options.maxDepth ?? CRAWL_DEFAULTS.maxDepth)) return;
  const scope = scopeOf(source, options);
  const seen = new Set(state.seen);
  for (const link of links) {
    if (seen.size >= CRAWL_MAX_SEEN) {
      state.incomplete = true;
      break;
    }
    if (seen.has(link) || !inScope(scope, link)) continue;
    if (state.robots && !robotsAllow(state.robots, new URL(link))) continue;
    seen.add(link);
    state.queue.push({ url: link, depth });
  }
  state.seen = [...seen];
}
