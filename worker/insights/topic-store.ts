/**
 * The topic list in D1 (insights_topics, insights_signatures): loading a site's topics as
 * seeds for the grouping, and placing the new signatures of a batch of facts — the FACTS
 * consumer's part. An owner's edits and regrouping live in topic-edits.ts.
 */
import { placeOrNew, type Placement } from "./placement";
import { type TopicSeed } from "./clustering";
import { keywordTerms } from "./signature";

export interface TopicRow {
  id: string;
  org_id: string;
  site_key: string;
  name: string;
  terms: string;
  keywords: string;
  origin: "auto" | "owner" | "model";
  named_by: "auto" | "owner" | "model";
  pinned: number;
  merged_into: string | null;
  created_at: string;
  updated_at: string;
}

/** An owner made, pinned, renamed or merged it: every regrouping keeps it as it is. */
export const ownerTouched = (t: Pick<TopicRow, "origin" | "named_by" | "pinned" | "merged_into">) =>
  t.origin === "owner" || t.named_by === "owner" || t.pinned === 1 || t.merged_into !== null;

export function seedOf(t: TopicRow): TopicSeed {
  const keywords = (JSON.parse(t.keywords) as string[]).map(keywordTerms).filter((k) => k.length);
  return { id: t.id, terms: JSON.parse(t.terms) as string[], keywords, fixed: ownerTouched(t), mergedInto: t.merged_into };
}

export async function siteTopics(db: D1Database, orgId: string, siteKey: string): Promise<TopicRow[]> {
  const rows = await db.prepare("SELECT * FROM insights_topics WHERE org_id = ? AND site_key = ? ORDER BY id").bind(orgId, siteKey).all<TopicRow>();
  return rows.results;
}

export interface NewSignature {
  key: string;
  terms: string[];
  surfaces: Record<string, string>;
  sample: string;
  day: string;
}

/**
 * Statements that place a batch's signatures of one site: the ones seen before keep their
 * topic; each new one joins the topic it resembles (clustering.ts) or starts one. Run before
 * the turns are inserted, which take their topic from insights_signatures.
 */
export async function placementStatements(db: D1Database, orgId: string, siteKey: string, signatures: NewSignature[]): Promise<D1PreparedStatement[]> {
  const unique = [...new Map(signatures.filter((s) => s.key).map((s) => [s.key, s])).values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  if (!unique.length) return [];
  const known = await db
    .prepare("SELECT signature FROM insights_signatures WHERE org_id = ?1 AND site_key = ?2 AND signature IN (SELECT value FROM json_each(?3))")
    .bind(orgId, siteKey, JSON.stringify(unique.map((s) => s.key)))
    .all<{ signature: string }>();
  const seen = new Set(known.results.map((r) => r.signature));
  const fresh = unique.filter((s) => !seen.has(s.key));
  if (!fresh.length) return [];
  const placements: Placement[] = placeOrNew(orgId, siteKey, fresh, (await siteTopics(db, orgId, siteKey)).map(seedOf));
  const statements: D1PreparedStatement[] = [];
  const created = placements.filter((p) => p.created);
  if (created.length) {
    statements.push(
      db
        .prepare(
          `INSERT OR IGNORE INTO insights_topics (id, org_id, site_key, name, terms, origin)
           SELECT json_extract(value, '$.id'), ?1, ?2, json_extract(value, '$.name'), json_extract(value, '$.terms'), 'auto' FROM json_each(?3)`,
        )
        .bind(orgId, siteKey, JSON.stringify(created.map((p) => ({ id: p.topicId, name: p.name, terms: JSON.stringify(p.signature.terms) })))),
    );
  }
  statements.push(
    db
      .prepare(
        `INSERT OR IGNORE INTO insights_signatures (org_id, site_key, signature, topic_id, sample, first_day)
         SELECT ?1, ?2, json_extract(value, '$.key'), json_extract(value, '$.topic'), json_extract(value, '$.sample'), json_extract(value, '$.day') FROM json_each(?3)`,
      )
      .bind(orgId, siteKey, JSON.stringify(placements.map((p) => ({ key: p.signature.key, topic: p.topicId, sample: p.signature.sample.slice(0, 300), day: p.signature.day })))),
  );
  return statements;
}
