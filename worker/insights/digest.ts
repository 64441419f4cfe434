/**
 * The weekly digest: last week in one object — conversations and questions against the week
 * before, outcomes, CSAT, answer quality and cost, the top and the rising topics, the worst
 * gaps, documents gone stale or never used, and the best new leads. Served as JSON
 * (`GET …/insights/digest`) and sent through each site's webhook as `insights.digest` by the
 * hourly job when a site's week is due (the org's settings say which weekday and hour, UTC).
 */
import type { DigestResponse } from "../../shared/insights";
import { getSite } from "../config/store";
import type { Env } from "../env";
import { periodMs, periodOf, trendOf } from "./period";
import { gaps } from "./read-gaps";
import { scoredLeads } from "./read-leads";
import { outcomes } from "./read-outcomes";
import { costs, qualityReport } from "./read-quality";
import { sources } from "./read-sources";
import { type Scope, topics } from "./read-topics";
import { getInsightsSettings } from "./settings";
import { bySite, rows } from "./sql";

const DAY_MS = 86_400_000;

export async function digest(env: Env, orgId: string, site: string | null, now = Date.now()): Promise<DigestResponse> {
  const db = env.DB;
  const period = periodOf({ to: new Date(now - DAY_MS).toISOString().slice(0, 10), days: 7 });
  const s: Scope = { orgId, site, period };
  const settings = await getInsightsSettings(env, orgId);
  const { start, end } = periodMs(period);
  const [t, g, o, src, q, c, leads, [previous], [leadCount]] = await Promise.all([
    topics(db, s, 50),
    gaps(db, s, 3),
    outcomes(db, s, now),
    sources(env, s, settings.staleDays, now),
    qualityReport(db, s),
    costs(db, s, settings),
    scoredLeads(db, s, { sort: "score", limit: 3, asOf: now }),
    rows<{ n: number }>(db, `SELECT SUM(conversations) AS n FROM insights_conversation_days WHERE org_id = :org ${bySite(site)} AND day BETWEEN :from AND :to`, {
      org: orgId,
      site,
      from: period.previousFrom,
      to: period.previousTo,
    }),
    rows<{ n: number }>(db, `SELECT COUNT(*) AS n FROM leads WHERE org_id = :org ${bySite(site)} AND created_at >= :start AND created_at < :end`, {
      org: orgId,
      site,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
    }),
  ]);
  const before = Number(previous?.n ?? 0);
  return {
    org: orgId,
    site,
    period,
    generatedAt: new Date(now).toISOString(),
    conversations: { count: o.total.conversations, previous: before, trend: trendOf(o.total.conversations, before) },
    questions: { count: t.totals.questions, previous: t.totals.previousQuestions, trend: trendOf(t.totals.questions, t.totals.previousQuestions) },
    outcomes: o.total,
    csat: { responses: o.csat.responses, average: o.csat.average },
    quality: q.total.quality,
    cost: c.cost,
    topTopics: t.topics.filter((x) => x.questions > 0).slice(0, 5).map((x) => ({ id: x.id, name: x.name, questions: x.questions, trend: x.trend })),
    risingTopics: t.topics
      .filter((x) => x.questions > x.previousQuestions)
      .sort((a, b) => b.questions - b.previousQuestions - (a.questions - a.previousQuestions) || (a.id < b.id ? -1 : 1))
      .slice(0, 3)
      .map((x) => ({ id: x.id, name: x.name, questions: x.questions, previousQuestions: x.previousQuestions })),
    topGaps: g.gaps.map((x) => ({ id: x.id, name: x.name, gapQuestions: x.gapQuestions, sampleQuestion: x.sampleQuestions[0] ?? null })),
    staleDocuments: src.totals.stale,
    unusedDocuments: src.totals.neverUsed,
    leads: { count: Number(leadCount?.n ?? 0), top: leads.map((l) => ({ id: l.id, email: l.email, score: l.score })) },
  };
}

/**
 * The hourly job: each site with a webhook whose org's digest is due now (its weekday, at or
 * after its hour, UTC) and not sent this week gets one `insights.digest` event. The week's
 * row in insights_digests is written first, so a repeated tick sends nothing twice.
 */
export async function digestJob(env: Env, now: Date): Promise<void> {
  const sites = await env.DB.prepare("SELECT key, org_id FROM sites ORDER BY key").all<{ key: string; org_id: string }>();
  const settings = new Map<string, Awaited<ReturnType<typeof getInsightsSettings>>>();
  for (const row of sites.results) {
    if (!settings.has(row.org_id)) settings.set(row.org_id, await getInsightsSettings(env, row.org_id));
    const d = settings.get(row.org_id)?.digest;
    if (!d?.enabled || now.getUTCDay() !== d.weekday || now.getUTCHours() < d.hour) continue;
    const site = await getSite(env, row.key).catch(() => null);
    if (!site?.webhook || site.orgId !== row.org_id) continue;
    const week = now.toISOString().slice(0, 10);
    const claimed = await env.DB.prepare("INSERT OR IGNORE INTO insights_digests (site_key, week, org_id) VALUES (?, ?, ?)").bind(site.key, week, site.orgId).run();
    if (!claimed.meta.changes) continue;
    const payload = await digest(env, site.orgId, site.key, now.getTime());
    await env.WEBHOOKS.get(env.WEBHOOKS.idFromName(site.key)).enqueue({
      id: `evt_digest_${site.key}_${week}`,
      type: "insights.digest",
      url: site.webhook.url,
      secret: site.webhook.secret,
      payload: { siteKey: site.key, digest: payload },
    });
  }
}
