/**
 * Outcomes per site and per agent (the conversation's own agent): answered by the bot
 * (confirmed, or assumed after a quiet day), handed off, abandoned, failed — with the funnel,
 * CSAT, first-response and resolution times, and a daily series. One row per conversation
 * (conversation_facts) classified as of `asOf` (outcome.ts).
 */
import type { OutcomesResponse } from "../../shared/insights";
import { DAY_MS, outcomeOfClass, outcomeSql } from "./outcome";
import { daysOf, rate } from "./period";
import type { Scope } from "./read-topics";
import { bySite, rows, stmt } from "./sql";

type Counts = OutcomesResponse["total"];

const zero = (): Counts => ({ conversations: 0, answeredConfirmed: 0, answeredAssumed: 0, handedOff: 0, abandoned: 0, failed: 0, open: 0, botResolutionRate: null });

function add(c: Counts, outcome: string, n: number): void {
  c.conversations += n;
  if (outcome === "answered_confirmed") c.answeredConfirmed += n;
  else if (outcome === "answered_assumed") c.answeredAssumed += n;
  else if (outcome === "handed_off") c.handedOff += n;
  else if (outcome === "abandoned") c.abandoned += n;
  else if (outcome === "failed") c.failed += n;
  else c.open += n;
}

/** Bot resolution: confirmed or assumed answers, of the conversations whose outcome is known. */
const finish = <C extends Counts>(c: C): C => ({ ...c, botResolutionRate: rate(c.answeredConfirmed + c.answeredAssumed, c.conversations - c.open) });

/** A duration the outcomes report: its expression, the rows it exists for, and the index that keeps it in order. */
const DURATIONS = {
  firstResponse: { expr: "(first_staff_reply_at - handoff_at)", where: "handoff_at IS NOT NULL AND first_staff_reply_at IS NOT NULL", index: "conversation_facts_first_response" },
  resolution: { expr: "(resolved_at - started_at)", where: "resolved_at IS NOT NULL", index: "conversation_facts_resolution" },
};

/**
 * Count, average, median and 90th percentile of a duration over the period's conversations,
 * in the database: the index keeps the durations in order, so a percentile is the row at
 * ⌊p·n⌋ along it (the p-th percentile is the value ranked ⌊p·n⌋ + 1), never a sort.
 */
async function durationsOf(db: D1Database, s: Scope, which: keyof typeof DURATIONS): Promise<OutcomesResponse["firstResponse"]> {
  const d = DURATIONS[which];
  const from = `FROM conversation_facts INDEXED BY ${d.index} WHERE org_id = :org AND ${d.where} AND day BETWEEN :from AND :to ${bySite(s.site)}`;
  const params = { org: s.orgId, site: s.site, from: s.period.from, to: s.period.to };
  const [count] = await rows<{ n: number; total: number | null }>(db, `SELECT COUNT(*) AS n, TOTAL(MAX(0, ${d.expr})) AS total ${from}`, params);
  const n = Number(count?.n ?? 0);
  if (!n) return { n: 0, averageSec: null, p50Sec: null, p90Sec: null };
  const at = (p: number) => stmt(db, `SELECT MAX(0, ${d.expr}) AS ms ${from} ORDER BY ${d.expr} LIMIT 1 OFFSET :k`, { ...params, k: Math.floor(p * n) });
  const [p50, p90] = await db.batch<{ ms: number }>([at(0.5), at(0.9)]);
  const sec = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms / 100) / 10);
  return { n, averageSec: sec(Number(count?.total ?? 0) / n), p50Sec: sec(p50?.results[0]?.ms), p90Sec: sec(p90?.results[0]?.ms) };
}

export async function outcomeCounts(db: D1Database, s: Scope, asOf: number) {
  const cutoffDay = new Date(asOf - DAY_MS).toISOString().slice(0, 10);
  const params = { org: s.orgId, site: s.site, from: s.period.from, to: s.period.to, asOf, cutoffDay, cutoffMs: Date.parse(`${cutoffDay}T00:00:00Z`) };
  type Row = { agent_id: string; site_key: string; day: string; outcome: string; n: number; answered: number; no_handoff: number };
  const [settled, recent] = await Promise.all([
    rows<Row & { class: string }>(
      db,
      `SELECT agent_id, site_key, day, class, SUM(conversations) AS n, SUM(bot_answered) AS answered, SUM(no_handoff) AS no_handoff
       FROM insights_conversation_days WHERE org_id = :org ${bySite(s.site)} AND day BETWEEN :from AND :to AND last_day < :cutoffDay
       GROUP BY agent_id, site_key, day, class`,
      params,
    ),
    rows<Row>(
      db,
      `SELECT agent_id, site_key, day, outcome, COUNT(*) AS n, SUM(answered > 0) AS answered, SUM(answered > 0 AND handoff_at IS NULL) AS no_handoff
       FROM (SELECT COALESCE(agent_id, '') AS agent_id, site_key, day, answered, handoff_at, ${outcomeSql()} AS outcome
             FROM conversation_facts ${s.site ? "INDEXED BY conversation_facts_last" : ""}
             WHERE org_id = :org ${bySite(s.site)} AND last_at >= :cutoffMs AND day BETWEEN :from AND :to)
       GROUP BY agent_id, site_key, day, outcome`,
      params,
    ),
  ]);
  return [...settled.map((r) => ({ ...r, outcome: outcomeOfClass(r.class) })), ...recent];
}

export async function outcomes(db: D1Database, s: Scope, asOf: number): Promise<OutcomesResponse> {
  const params = { org: s.orgId, site: s.site, from: s.period.from, to: s.period.to };
  const [counts, ratings, comments, firstResponse, resolution] = await Promise.all([
    outcomeCounts(db, s, asOf),
    rows<{ rating: number; n: number }>(db, `SELECT rating, COUNT(*) AS n FROM csat WHERE org_id = :org ${bySite(s.site)} AND day BETWEEN :from AND :to GROUP BY rating`, params),
    rows<{ conversation_id: string; rating: number; comment: string; day: string }>(
      db,
      `SELECT conversation_id, rating, comment, day FROM csat WHERE org_id = :org ${bySite(s.site)} AND day BETWEEN :from AND :to AND comment IS NOT NULL
       ORDER BY at DESC LIMIT 10`,
      params,
    ),
    durationsOf(db, s, "firstResponse"),
    durationsOf(db, s, "resolution"),
  ]);
  const total = zero();
  const byAgent = new Map<string, Counts>();
  const bySiteKey = new Map<string, Counts>();
  const perDay = new Map<string, { conversations: number; handedOff: number }>();
  let answered = 0;
  let noHandoff = 0;
  for (const r of counts) {
    const n = Number(r.n);
    add(total, r.outcome, n);
    const agent = r.agent_id;
    add(byAgent.get(agent) ?? byAgent.set(agent, zero()).get(agent)!, r.outcome, n);
    add(bySiteKey.get(r.site_key) ?? bySiteKey.set(r.site_key, zero()).get(r.site_key)!, r.outcome, n);
    const day = perDay.get(r.day) ?? { conversations: 0, handedOff: 0 };
    day.conversations += n;
    if (r.outcome === "handed_off") day.handedOff += n;
    perDay.set(r.day, day);
    answered += Number(r.answered);
    noHandoff += Number(r.no_handoff);
  }
  const distribution = { "1": 0, "2": 0, "3": 0, "4": 0, "5": 0 };
  let responses = 0;
  let sum = 0;
  for (const r of ratings) {
    distribution[String(r.rating) as keyof typeof distribution] = Number(r.n);
    responses += Number(r.n);
    sum += r.rating * Number(r.n);
  }
  const totalDone = finish(total);
  return {
    period: s.period,
    site: s.site,
    asOf: new Date(asOf).toISOString(),
    total: totalDone,
    byAgent: [...byAgent].map(([agentId, c]) => ({ agentId, ...finish(c) })).sort((a, b) => b.conversations - a.conversations || (a.agentId < b.agentId ? -1 : 1)),
    bySite: [...bySiteKey].map(([siteKey, c]) => ({ siteKey, ...finish(c) })).sort((a, b) => b.conversations - a.conversations || (a.siteKey < b.siteKey ? -1 : 1)),
    funnel: [
      { step: "conversations", count: totalDone.conversations },
      { step: "answered by the bot", count: answered },
      { step: "no handoff", count: noHandoff },
      { step: "resolved by the bot", count: totalDone.answeredConfirmed + totalDone.answeredAssumed },
    ],
    csat: {
      responses,
      average: responses ? Math.round((sum / responses) * 100) / 100 : null,
      satisfied: rate(distribution["4"] + distribution["5"], responses),
      distribution,
      recentComments: comments.map((c) => ({ conversationId: c.conversation_id, rating: c.rating, comment: c.comment, day: c.day })),
    },
    firstResponse,
    resolution,
    series: daysOf(s.period).map((day) => ({ day, conversations: perDay.get(day)?.conversations ?? 0, handedOff: perDay.get(day)?.handedOff ?? 0 })),
  };
}
