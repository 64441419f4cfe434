/**
 * URL-based sources of knowledge: one page, a sitemap, a crawl of a site section, a video
 * page. A source is what gets re-fetched on a schedule — its own `refresh_days`, else its
 * collection's — and what owns the documents it yielded, so a page that disappears from it
 * can be removed.
 */
import type { CrawlOptions, KnowledgeSource, SourceKind } from "../../shared/knowledge";
import { randomId } from "../ids";

export interface SourceRow {
  id: string;
  org_id: string;
  collection_id: string;
  kind: SourceKind;
  url: string;
  options: string;
  refresh_days: number | null;
  created_at: string;
  refreshed_at: string | null;
  last_job_id: string | null;
}

export function sourceOptions(row: Pick<SourceRow, "options">): CrawlOptions {
  try {
    const v = JSON.parse(row.options);
    return v && typeof v === "object" ? (v as CrawlOptions) : {};
  } catch {
    return {};
  }
}

/**
 * The source for (collection, kind, url), created when new. Settings given replace the
 * stored ones (adding the same sitemap again with another interval changes its interval).
 */
export async function upsertSource(
  db: D1Database,
  s: { orgId: string; collectionId: string; kind: SourceKind; url: string; options?: CrawlOptions; refreshDays?: number | null },
): Promise<SourceRow> {
  const id = randomId("src_", 12);
  await db
    .prepare(
      `INSERT INTO knowledge_sources (id, org_id, collection_id, kind, url, options, refresh_days) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT (org_id, collection_id, kind, url) DO UPDATE SET
         options = CASE WHEN ?8 THEN excluded.options ELSE options END,
         refresh_days = CASE WHEN ?9 THEN excluded.refresh_days ELSE refresh_days END`,
    )
    .bind(id, s.orgId, s.collectionId, s.kind, s.url, JSON.stringify(s.options ?? {}), s.refreshDays ?? null, s.options !== undefined ? 1 : 0, s.refreshDays !== undefined ? 1 : 0)
    .run();
  return (await db
    .prepare("SELECT * FROM knowledge_sources WHERE org_id = ? AND collection_id = ? AND kind = ? AND url = ?")
    .bind(s.orgId, s.collectionId, s.kind, s.url)
    .first<SourceRow>()) as SourceRow;
}

export async function sourceRow(db: D1Database, orgId: string, id: string): Promise<SourceRow | null> {
  return db.prepare("SELECT * FROM knowledge_sources WHERE id = ? AND org_id = ?").bind(id, orgId).first<SourceRow>();
}

export async function markSourceRun(db: D1Database, sourceId: string, jobId: string | null, at = new Date()): Promise<void> {
  await db.prepare("UPDATE knowledge_sources SET refreshed_at = ?, last_job_id = ? WHERE id = ?").bind(at.toISOString(), jobId, sourceId).run();
}

const SELECT_VIEW = `SELECT s.*, k.refresh_days AS collection_refresh_days,
  (SELECT COUNT(*) FROM knowledge_documents d WHERE d.source_id = s.id) AS document_count
  FROM knowledge_sources s LEFT JOIN knowledge_collections k ON k.org_id = s.org_id AND k.id = s.collection_id`;

type ViewRow = SourceRow & { collection_refresh_days: number | null; document_count: number };

function view(r: ViewRow): KnowledgeSource {
  return {
    id: r.id,
    collection: r.collection_id,
    kind: r.kind,
    url: r.url,
    options: sourceOptions(r),
    refreshDays: r.refresh_days,
    effectiveRefreshDays: r.refresh_days ?? r.collection_refresh_days ?? null,
    documents: r.document_count,
    createdAt: r.created_at,
    refreshedAt: r.refreshed_at,
    lastJobId: r.last_job_id,
  };
}

export async function listSources(db: D1Database, orgId: string, collectionId: string): Promise<KnowledgeSource[]> {
  const rows = await db.prepare(`${SELECT_VIEW} WHERE s.org_id = ? AND s.collection_id = ? ORDER BY s.created_at`).bind(orgId, collectionId).all<ViewRow>();
  return rows.results.map(view);
}

export async function getSource(db: D1Database, orgId: string, id: string): Promise<KnowledgeSource | null> {
  const row = await db.prepare(`${SELECT_VIEW} WHERE s.org_id = ? AND s.id = ?`).bind(orgId, id).first<ViewRow>();
  return row ? view(row) : null;
}

export async function setSourceRefresh(db: D1Database, orgId: string, id: string, refreshDays: number | null): Promise<boolean> {
  const res = await db.prepare("UPDATE knowledge_sources SET refresh_days = ? WHERE id = ? AND org_id = ?").bind(refreshDays, id, orgId).run();
  return res.meta.changes > 0;
}

/**
 * Sources whose interval has passed at `now` (never run, or last run at least their
 * interval ago), oldest first. What to do with them is the refresh job's choice.
 */
export async function dueSources(db: D1Database, now: Date, limit: number): Promise<SourceRow[]> {
  const rows = await db
    .prepare(
      `SELECT s.* FROM knowledge_sources s LEFT JOIN knowledge_collections k ON k.org_id = s.org_id AND k.id = s.collection_id
       WHERE COALESCE(s.refresh_days, k.refresh_days) IS NOT NULL
         AND (s.refreshed_at IS NULL OR julianday(?1) - julianday(s.refreshed_at) >= COALESCE(s.refresh_days, k.refresh_days) - 1.0 / 48)
       ORDER BY COALESCE(s.refreshed_at, '') LIMIT ?2`,
    )
    .bind(now.toISOString(), limit)
    .all<SourceRow>();
  return rows.results;
}
