/**
 * Answer quality per agent (the agent that answered), delegation outcomes per specialist,
 * tokens and cost by model, and the answers themselves ranked by their quality score — all
 * from the per-day rollups except the answer list, which reads turn_facts by its quality
 * index.
 */
import type { z } from "zod";
import type { InsightsSettings } from "../../shared/insights";
import type { AgentQuality, AnswerRow, CostRow, CostsResponse, QualityResponse } from "../../shared/insights";
import { daysOf, rate } from "./period";
import { costOf, PRICES_AS_OF, priceSourceOf } from "./prices";
import type { Scope } from "./read-topics";
import { bySite, rows } from "./sql";

interface DayRow {
  agent_id: string;
  day: string;
  turns: number;
  answered: number;
  abstained: number;
  handed_off: number;
  failed: number;
  cited_answers: number;
  grounded_sum: number;
  grounded_n: number;
  quality_sum: number;
  quality_n: number;
  graded: number;
  over_budget: number;
  first_delta_sum: number;
  first_delta_n: number;
  turn_ms_sum: number;
}

type Quality = z.infer<typeof AgentQuality>;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

function quality(rs: DayRow[]): Omit<Quality, "agentId"> {
  const sum = (k: keyof DayRow) => rs.reduce((n, r) => n + Number(r[k] ?? 0), 0);
  const turns = sum("turns");
  const answered = sum("answered");
  return {
    turns,
    answered,
    abstained: sum("abstained"),
    handedOff: sum("handed_off"),
    failed: sum("failed"),
    citedRate: rate(sum("cited_answers"), answered),
    groundedness: sum("grounded_n") ? round3(sum("grounded_sum") / sum("grounded_n")) : null,
    quality: sum("quality_n") ? round3(sum("quality_sum") / sum("quality_n")) : null,
    graded: sum("graded"),
    overBudget: sum("over_budget"),
    firstDeltaMs: sum("first_delta_n") ? Math.round(sum("first_delta_sum") / sum("first_delta_n")) : null,
    turnMs: turns ? Math.round(sum("turn_ms_sum") / turns) : null,
  };
}

export async function qualityReport(db: D1Database, s: Scope): Promise<QualityResponse> {
  const params = { org: s.orgId, site: s.site, from: s.period.from, to: s.period.to };
  const [days, delegations] = await Promise.all([
    rows<DayRow>(db, `SELECT * FROM insights_days WHERE org_id = :org ${bySite(s.site)} AND day BETWEEN :from AND :to`, params),
    rows<{ agent_id: string; calls: number; ok: number; failures: number; timeouts: number; cancelled: number; refused: number; fallbacks: number }>(
      db,
      `SELECT agent_id, SUM(calls) AS calls, SUM(ok) AS ok, SUM(failures) AS failures, SUM(timeouts) AS timeouts, SUM(cancelled) AS cancelled,
         SUM(refused) AS refused, SUM(fallbacks) AS fallbacks
       FROM insights_delegation_days WHERE org_id = :org ${bySite(s.site)} AND day BETWEEN :from AND :to GROUP BY agent_id ORDER BY calls DESC, agent_id`,
      params,
    ),
  ]);
  const byAgent = new Map<string, DayRow[]>();
  const byDay = new Map<string, DayRow[]>();
  for (const r of days) {
    byAgent.set(r.agent_id, [...(byAgent.get(r.agent_id) ?? []), r]);
    byDay.set(r.day, [...(byDay.get(r.day) ?? []), r]);
  }
  return {
    period: s.period,
    site: s.site,
    total: quality(days),
    byAgent: [...byAgent].map(([agentId, rs]) => ({ agentId, ...quality(rs) })).sort((a, b) => b.turns - a.turns || (a.agentId < b.agentId ? -1 : 1)),
    delegations: delegations.map((d) => ({
      agentId: d.agent_id,
      calls: Number(d.calls),
      ok: Number(d.ok),
      failures: Number(d.failures),
      timeouts: Number(d.timeouts),
      cancelled: Number(d.cancelled),
      refused: Number(d.refused),
      fallbacks: Number(d.fallbacks),
      failureRate: rate(Number(d.failures) + Number(d.timeouts), Number(d.calls)),
    })),
    series: daysOf(s.period).map((day) => {
      const q = quality(byDay.get(day) ?? []);
      return { day, answers: q.answered, quality: q.quality };
    }),
  };
}

export async function costs(db: D1Database, s: Scope, settings: InsightsSettings): Promise<CostsResponse> {
  const params = { org: s.orgId, site: s.site, from: s.period.from, to: s.period.to };
  const [usage, [conversations]] = await Promise.all([
    rows<{ model: string; agent_id: string; calls: number; tokens_in: number; tokens_out: number; conversations: number }>(
      db,
      `SELECT model, agent_id, SUM(calls) AS calls, SUM(tokens_in) AS tokens_in, SUM(tokens_out) AS tokens_out, SUM(conversations) AS conversations
       FROM insights_usage_days WHERE org_id = :org ${bySite(s.site)} AND day BETWEEN :from AND :to GROUP BY model, agent_id`,
      params,
    ),
    rows<{ n: number }>(db, `SELECT SUM(with_turns) AS n FROM insights_conversation_days WHERE org_id = :org ${bySite(s.site)} AND day BETWEEN :from AND :to`, params),
  ]);
  const byModel = new Map<string, CostRow>();
  for (const u of usage) {
    const row = byModel.get(u.model) ?? {
      model: u.model,
      agentIds: [],
      calls: 0,
      tokensIn: 0,
      tokensOut: 0,
      cost: null,
      ...priceSourceOf(u.model, settings.prices),
      conversations: 0,
      costPerConversation: null,
    };
    if (!row.agentIds.includes(u.agent_id)) row.agentIds.push(u.agent_id);
    row.calls += Number(u.calls);
    row.tokensIn += Number(u.tokens_in);
    row.tokensOut += Number(u.tokens_out);
    // Conversations per agent and day are summed: one that spans midnight, or two agents on one model, counts once each.
    row.conversations += Number(u.conversations);
    byModel.set(u.model, row);
  }
  let cost = 0;
  let unpriced = 0;
  let tokensIn = 0;
  let tokensOut = 0;
  for (const row of byModel.values()) {
    row.cost = costOf(row.model, row.tokensIn, row.tokensOut, settings.prices);
    row.costPerConversation = row.cost !== null && row.conversations ? row.cost / row.conversations : null;
    row.agentIds.sort();
    tokensIn += row.tokensIn;
    tokensOut += row.tokensOut;
    if (row.cost === null) unpriced += row.tokensIn + row.tokensOut;
    else cost += row.cost;
  }
  const n = Number(conversations?.n ?? 0);
  return {
    period: s.period,
    site: s.site,
    pricesAsOf: PRICES_AS_OF,
    conversations: n,
    tokensIn,
    tokensOut,
    cost,
    unpricedTokens: unpriced,
    costPerConversation: n ? cost / n : null,
    tokensPerConversation: n ? Math.round((tokensIn + tokensOut) / n) : null,
    byModel: [...byModel.values()].sort((a, b) => (b.cost ?? -1) - (a.cost ?? -1) || b.tokensIn + b.tokensOut - (a.tokensIn + a.tokensOut)),
  };
}


export async function answers(db: D1Database, s: Scope, order: "worst" | "best", limit: number): Promise<AnswerRow[]> {
  const list = await rows<{
    turn_id: string;
    conversation_id: string;
    site_key: string;
    day: string;
    question: string;
    answered_by: string | null;
    quality: number;
    grounded: number | null;
    grade: number | null;
    cited: number;
    within_budget: number;
    tokens: number;
  }>(
    db,
    `SELECT turn_id, conversation_id, site_key, day, question, answered_by, quality, grounded, grade, cited, within_budget, tokens_in + tokens_out AS tokens
     FROM turn_facts INDEXED BY turn_facts_quality
     WHERE org_id = :org AND quality IS NOT NULL ${bySite(s.site)} AND day BETWEEN :from AND :to
     ORDER BY quality ${order === "worst" ? "ASC" : "DESC"}, turn_id LIMIT :limit`,
    { org: s.orgId, site: s.site, from: s.period.from, to: s.period.to, limit },
  );
  return list.map((r) => ({
    turnId: r.turn_id,
    conversationId: r.conversation_id,
    siteKey: r.site_key,
    day: r.day,
    question: r.question,
    agentId: r.answered_by,
    quality: r.quality,
    grounded: r.grounded,
    grade: r.grade,
    cited: r.cited,
    withinBudget: r.within_budget === 1,
    tokens: r.tokens,
  }));
}
