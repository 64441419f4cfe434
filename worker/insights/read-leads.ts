/**
 * Leads with their quality: the score and reasons stored when each was captured
 * (lead-score.ts), plus what its conversation's outcome has added since, sorted by score.
 */
import type { LeadReason, ScoredLead } from "../../shared/insights";
import { clamp, outcomePointsSql, outcomeReason } from "./lead-score";
import { outcomeSql } from "./outcome";
import { periodMs } from "./period";
import type { Scope } from "./read-topics";
import { bySite, rows } from "./sql";

interface LeadRow {
  id: string;
  site_key: string;
  conversation_id: string | null;
  name: string | null;
  email: string;
  source: string;
  created_at: string;
  score: number | null;
  score_reasons: string | null;
  intent: ScoredLead["intent"];
  outcome: string | null;
  csat: number | null;
}

/** Leads of the period, the best (or newest) first: the score with the outcome's points is computed in the database, so only `limit` rows come back. */
export async function scoredLeads(db: D1Database, s: Scope, options: { sort: "score" | "newest"; minScore?: number | undefined; limit: number; asOf: number }): Promise<ScoredLead[]> {
  const { start, end } = periodMs(s.period);
  const list = await rows<LeadRow & { final: number }>(
    db,
    `SELECT * FROM (
       SELECT *, MAX(0, MIN(100, COALESCE(score, 0) + ${outcomePointsSql()})) AS final FROM (
         SELECT l.id, l.site_key, l.conversation_id, l.name, l.email, l.source, l.created_at, l.score, l.score_reasons, l.intent,
           CASE WHEN cf.conversation_id IS NULL THEN NULL ELSE ${outcomeSql("cf.")} END AS outcome, cf.csat AS csat
         FROM leads l LEFT JOIN conversation_facts cf ON cf.conversation_id = l.conversation_id
         WHERE l.org_id = :org ${bySite(s.site, "l.site_key")} AND l.created_at >= :start AND l.created_at < :end))
     WHERE final >= :minScore
     ORDER BY ${options.sort === "newest" ? "created_at DESC" : "final DESC, created_at DESC"} LIMIT :limit`,
    { org: s.orgId, site: s.site, start: new Date(start).toISOString(), end: new Date(end).toISOString(), asOf: options.asOf, minScore: options.minScore ?? 0, limit: options.limit },
  );
  return list.map((l) => {
    const stored = l.score_reasons ? (JSON.parse(l.score_reasons) as LeadReason[]) : [];
    const later = outcomeReason(l.outcome, l.csat);
    return {
      id: l.id,
      siteKey: l.site_key,
      conversationId: l.conversation_id,
      name: l.name,
      email: l.email,
      source: l.source,
      createdAt: l.created_at,
      score: clamp((l.score ?? 0) + later.reduce((n, r) => n + r.points, 0)),
      intent: l.intent ?? null,
      reasons: [...stored, ...later],
      outcome: l.outcome,
    };
  });
}
