/**
 * Leads with their quality: the score and reasons stored when each was captured
 * (lead-score.ts), plus what its conversation's outcome has added since, sorted by score.
 */
import type { LeadReason, ScoredLead } from "../../shared/insights";
import { clamp, outcomeReason } from "./lead-score";
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

export async function scoredLeads(db: D1Database, s: Scope, options: { sort: "score" | "newest"; minScore?: number | undefined; limit: number; asOf: number }): Promise<ScoredLead[]> {
  const { start, end } = periodMs(s.period);
  const list = await rows<LeadRow>(
    db,
    `SELECT l.id, l.site_key, l.conversation_id, l.name, l.email, l.source, l.created_at, l.score, l.score_reasons, l.intent,
       CASE WHEN cf.conversation_id IS NULL THEN NULL ELSE ${outcomeSql("cf.")} END AS outcome,
       cf.csat AS csat
     FROM leads l LEFT JOIN conversation_facts cf ON cf.conversation_id = l.conversation_id
     WHERE l.org_id = :org ${bySite(s.site, "l.site_key")} AND l.created_at >= :start AND l.created_at < :end
     ORDER BY ${options.sort === "newest" ? "l.created_at DESC" : "COALESCE(l.score, 0) DESC, l.created_at DESC"} LIMIT 5000`,
    { org: s.orgId, site: s.site, start: new Date(start).toISOString(), end: new Date(end).toISOString(), asOf: options.asOf },
  );
  const scored: ScoredLead[] = list.map((l) => {
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
  const kept = options.minScore === undefined ? scored : scored.filter((l) => l.score >= (options.minScore as number));
  if (options.sort === "score") kept.sort((a, b) => b.score - a.score || (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  return kept.slice(0, options.limit);
}
