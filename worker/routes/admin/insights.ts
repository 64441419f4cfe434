/**
 * The insights API, reading: top questions and topics, content gaps, source usage, outcomes,
 * answer quality and delegations, cost by model, the answers ranked by quality, scored leads
 * and the weekly digest — each table also as CSV (a `.csv` twin of its path). Scope
 * `insights:read`. Everything here reads the batched facts' rollups (worker/insights/*),
 * never a transcript.
 */
import type { Context } from "hono";
import { z } from "zod";
import {
  AnswersQuery,
  AnswersResponse,
  CostsResponse,
  DigestResponse,
  GapDetail,
  GapsResponse,
  LeadsQuery,
  LeadsResponse,
  OutcomesResponse,
  PeriodQuery,
  QualityResponse,
  SourcesResponse,
  TopicDetail,
  TopicsResponse,
} from "../../../shared/insights";
import type { AppEnv } from "../../env";
import { ApiError, notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { digest } from "../../insights/digest";
import { periodOf } from "../../insights/period";
import { gapDetail, gaps } from "../../insights/read-gaps";
import { scoredLeads } from "../../insights/read-leads";
import { outcomes } from "../../insights/read-outcomes";
import { answers, costs, qualityReport } from "../../insights/read-quality";
import { sources } from "../../insights/read-sources";
import { type Scope, topicDetail, topics } from "../../insights/read-topics";
import { getInsightsSettings } from "../../insights/settings";
import { getTopic } from "../../insights/topic-edits";
import { ORG, ORG_PARAMS, orgAccess } from "./common";
import { type Column, toCsv } from "./insights-csv";

export const INSIGHTS = `${ORG}/insights`;
export const TopicId = z.string().max(80).regex(/^top_[A-Za-z0-9_-]{1,64}$/, "a topic id (top_…)");

const ListQuery = PeriodQuery.extend({ limit: z.coerce.number().int().min(1).max(500).default(50) });
const AsOfQuery = PeriodQuery.extend({ asOf: z.iso.datetime().optional() });

/** The org (for a caller holding insights:read there), its site when one is asked for, and the period. */
export async function insightsScope(c: Context<AppEnv>, q: z.infer<typeof PeriodQuery>, action: "read" | "write" = "read"): Promise<Scope> {
  const { orgId } = await orgAccess(c, "insights", action);
  if (q.site) {
    const site = await c.env.DB.prepare("SELECT 1 AS x FROM sites WHERE key = ? AND org_id = ?").bind(q.site, orgId).first();
    if (!site) throw notFound("site");
  }
  return { orgId, site: q.site ?? null, period: periodOf(q) };
}

const csvResponse = (c: Context<AppEnv>, name: string, body: string) =>
  c.body(body, 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}.csv"` });

/**
 * A table: its JSON route and its `.csv` twin, from one loader. `csv` picks the rows and
 * columns of the loaded data (the CSV may ask for more rows than the JSON's default).
 */
function table<Q extends z.ZodType<Record<string, unknown>>, R extends z.ZodType, Row>(
  api: ApiRoutes,
  spec: { path: string; operationId: string; summary: string; query: Q; response: R; params?: Record<string, z.ZodType>; csvQuery?: (q: z.infer<Q>) => z.infer<Q> },
  load: (c: Context<AppEnv>, query: z.infer<Q>) => Promise<z.input<R>>,
  csv: { name: (data: z.input<R>) => string; rows: (data: z.input<R>) => Row[]; columns: Column<Row>[] },
): void {
  const params = spec.params ?? ORG_PARAMS;
  api.add(
    { method: "get", path: spec.path, operationId: spec.operationId, summary: spec.summary, tag: "insights", auth: "admin", params, query: spec.query, response: spec.response },
    async (c, { query, reply }) => reply((await load(c, query as z.infer<Q>)) as never),
  );
  api.add(
    {
      method: "get",
      path: `${spec.path}.csv`,
      operationId: `${spec.operationId}Csv`,
      summary: `${spec.summary} (CSV)`,
      tag: "insights",
      auth: "admin",
      params,
      query: spec.query,
      response: { contentType: "text/csv", description: "one row per line, with a header line" },
    },
    async (c, { query }) => {
      const q = query as z.infer<Q>;
      const data = await load(c, spec.csvQuery ? spec.csvQuery(q) : q);
      return csvResponse(c, csv.name(data), toCsv(csv.rows(data), csv.columns));
    },
  );
}

const periodName = (kind: string, d: { period: { from: string; to: string }; site?: string | null }) => `${kind}-${d.site ?? "all"}-${d.period.from}-${d.period.to}`;

export function insightsAdmin(api: ApiRoutes): void {
  table(
    api,
    {
      path: `${INSIGHTS}/topics`,
      operationId: "getInsightsTopics",
      summary: "Top questions grouped into topics: counts, trend against the previous period, resolution, votes, examples",
      query: ListQuery,
      response: TopicsResponse,
      csvQuery: (q) => ({ ...q, limit: 500 }),
    },
    async (c, q) => topics(c.env.DB, await insightsScope(c, q), q.limit),
    {
      name: (d) => periodName("topics", d),
      rows: (d) => d.topics,
      columns: [
        { header: "site", value: (t) => t.siteKey },
        { header: "topic", value: (t) => t.id },
        { header: "name", value: (t) => t.name },
        { header: "questions", value: (t) => t.questions },
        { header: "previous period", value: (t) => t.previousQuestions },
        { header: "trend", value: (t) => t.trend },
        { header: "answered", value: (t) => t.answered },
        { header: "abstained", value: (t) => t.abstained },
        { header: "handed off", value: (t) => t.handedOff },
        { header: "failed", value: (t) => t.failed },
        { header: "resolved", value: (t) => t.resolved },
        { header: "resolution rate", value: (t) => t.resolutionRate },
        { header: "thumbs up", value: (t) => t.feedback.up },
        { header: "thumbs down", value: (t) => t.feedback.down },
        { header: "gap questions", value: (t) => t.gaps },
        { header: "pinned", value: (t) => t.pinned },
        { header: "origin", value: (t) => t.origin },
        { header: "top question", value: (t) => t.sampleQuestions[0]?.text ?? "" },
      ],
    },
  );

  table(
    api,
    {
      path: `${INSIGHTS}/topics/{topicId}`,
      operationId: "getInsightsTopic",
      summary: "One topic: its numbers, a daily series, every wording placed in it, and what was merged into it",
      query: PeriodQuery.omit({ site: true }),
      response: TopicDetail,
      params: { ...ORG_PARAMS, topicId: TopicId },
    },
    async (c, q) => {
      const s = await insightsScope(c, q);
      return topicDetail(c.env.DB, s, await getTopic(c.env.DB, s.orgId, c.req.param("topicId") ?? ""));
    },
    {
      name: (d) => `topic-${d.topic.id}-${d.period.from}-${d.period.to}`,
      rows: (d) => d.signatures,
      columns: [
        { header: "signature", value: (r) => r.signature },
        { header: "question", value: (r) => r.sample },
        { header: "asked (all time)", value: (r) => r.questions },
        { header: "placed by", value: (r) => r.placedBy },
      ],
    },
  );

  table(
    api,
    {
      path: `${INSIGHTS}/gaps`,
      operationId: "getInsightsGaps",
      summary: "Content gaps: topics with questions the assistant could not answer well, and the evidence",
      query: ListQuery,
      response: GapsResponse,
      csvQuery: (q) => ({ ...q, limit: 500 }),
    },
    async (c, q) => gaps(c.env.DB, await insightsScope(c, q), q.limit),
    {
      name: (d) => periodName("gaps", d),
      rows: (d) => d.gaps,
      columns: [
        { header: "site", value: (g) => g.siteKey },
        { header: "topic", value: (g) => g.id },
        { header: "name", value: (g) => g.name },
        { header: "questions", value: (g) => g.questions },
        { header: "gap questions", value: (g) => g.gapQuestions },
        { header: "gap rate", value: (g) => g.gapRate },
        { header: "no retrieval hit", value: (g) => g.evidence.noRetrievalHit },
        { header: "weak match", value: (g) => g.evidence.weakMatch },
        { header: "abstained", value: (g) => g.evidence.abstained },
        { header: "handed off", value: (g) => g.evidence.handedOff },
        { header: "handoff after answer", value: (g) => g.evidence.handoffAfterAnswer },
        { header: "repeated question", value: (g) => g.evidence.repeatedQuestion },
        { header: "thumbs down", value: (g) => g.evidence.thumbsDown },
        { header: "sample question", value: (g) => g.sampleQuestions[0] ?? "" },
      ],
    },
  );

  table(
    api,
    {
      path: `${INSIGHTS}/gaps/{topicId}`,
      operationId: "getInsightsGap",
      summary: "One content gap: its questions with their evidence, what was retrieved for them (documents and scores), and the staff's replies",
      query: PeriodQuery.omit({ site: true }).extend({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: GapDetail,
      params: { ...ORG_PARAMS, topicId: TopicId },
    },
    async (c, q) => {
      const s = await insightsScope(c, q);
      return gapDetail(c.env.DB, s, await getTopic(c.env.DB, s.orgId, c.req.param("topicId") ?? ""), q.limit);
    },
    {
      name: (d) => `gap-${d.gap.id}-${d.period.from}-${d.period.to}`,
      rows: (d) => d.turns,
      columns: [
        { header: "day", value: (t) => t.day },
        { header: "conversation", value: (t) => t.conversationId },
        { header: "question", value: (t) => t.question },
        { header: "outcome", value: (t) => t.outcome },
        { header: "evidence", value: (t) => t.evidence.join(" ") },
        { header: "best score", value: (t) => t.bestScore },
        { header: "retrieved", value: (t) => t.retrieved.map((r) => `${r.title ?? r.documentId} (${r.score ?? "cited"})`).join("; ") },
        { header: "staff reply", value: (t) => t.staffReply?.text ?? "" },
      ],
    },
  );

  table(
    api,
    {
      path: `${INSIGHTS}/sources`,
      operationId: "getInsightsSources",
      summary: "Source usage per knowledge document: retrieved, cited, votes on answers citing it, never used, stale",
      query: PeriodQuery,
      response: SourcesResponse,
    },
    async (c, q) => {
      const s = await insightsScope(c, q);
      return sources(c.env, s, (await getInsightsSettings(c.env, s.orgId)).staleDays);
    },
    {
      name: (d) => periodName("sources", d),
      rows: (d) => d.documents,
      columns: [
        { header: "document", value: (r) => r.documentId },
        { header: "title", value: (r) => r.title },
        { header: "collection", value: (r) => r.collectionId },
        { header: "url", value: (r) => r.url },
        { header: "retrieved", value: (r) => r.retrieved },
        { header: "cited", value: (r) => r.cited },
        { header: "thumbs up", value: (r) => r.feedback.up },
        { header: "thumbs down", value: (r) => r.feedback.down },
        { header: "never used", value: (r) => r.neverUsed },
        { header: "last used", value: (r) => r.lastUsed },
        { header: "fetched at", value: (r) => r.fetchedAt },
        { header: "age (days)", value: (r) => r.ageDays },
        { header: "stale", value: (r) => r.stale },
      ],
    },
  );

  table(
    api,
    {
      path: `${INSIGHTS}/outcomes`,
      operationId: "getInsightsOutcomes",
      summary: "Outcomes per site and agent (answered by the bot, handed off, abandoned, failed), CSAT, first-response and resolution times",
      query: AsOfQuery,
      response: OutcomesResponse,
    },
    async (c, q) => outcomes(c.env.DB, await insightsScope(c, q), q.asOf ? Date.parse(q.asOf) : Date.now()),
    {
      name: (d) => periodName("outcomes", d),
      rows: (d) => [{ key: "all", ...d.total }, ...d.byAgent.map((a) => ({ key: `agent:${a.agentId}`, ...a })), ...d.bySite.map((s) => ({ key: `site:${s.siteKey}`, ...s }))],
      columns: [
        { header: "group", value: (r) => r.key },
        { header: "conversations", value: (r) => r.conversations },
        { header: "answered (confirmed)", value: (r) => r.answeredConfirmed },
        { header: "answered (assumed)", value: (r) => r.answeredAssumed },
        { header: "handed off", value: (r) => r.handedOff },
        { header: "abandoned", value: (r) => r.abandoned },
        { header: "failed", value: (r) => r.failed },
        { header: "open", value: (r) => r.open },
        { header: "bot resolution rate", value: (r) => r.botResolutionRate },
      ],
    },
  );

  table(
    api,
    {
      path: `${INSIGHTS}/quality`,
      operationId: "getInsightsQuality",
      summary: "Answer quality per agent (cited, grounded, within budget, graded) and delegation outcomes per specialist",
      query: PeriodQuery,
      response: QualityResponse,
    },
    async (c, q) => qualityReport(c.env.DB, await insightsScope(c, q)),
    {
      name: (d) => periodName("quality", d),
      rows: (d) => d.byAgent,
      columns: [
        { header: "agent", value: (r) => r.agentId },
        { header: "turns", value: (r) => r.turns },
        { header: "answered", value: (r) => r.answered },
        { header: "abstained", value: (r) => r.abstained },
        { header: "handed off", value: (r) => r.handedOff },
        { header: "failed", value: (r) => r.failed },
        { header: "cited rate", value: (r) => r.citedRate },
        { header: "groundedness", value: (r) => r.groundedness },
        { header: "quality", value: (r) => r.quality },
        { header: "graded", value: (r) => r.graded },
        { header: "over budget", value: (r) => r.overBudget },
        { header: "first delta (ms)", value: (r) => r.firstDeltaMs },
        { header: "turn (ms)", value: (r) => r.turnMs },
      ],
    },
  );

  table(
    api,
    {
      path: `${INSIGHTS}/delegations`,
      operationId: "getInsightsDelegations",
      summary: "Delegation outcomes per specialist: calls, failures, timeouts, fallbacks",
      query: PeriodQuery,
      response: QualityResponse.pick({ period: true, site: true, delegations: true }),
    },
    async (c, q) => {
      const r = await qualityReport(c.env.DB, await insightsScope(c, q));
      return { period: r.period, site: r.site, delegations: r.delegations };
    },
    {
      name: (d) => periodName("delegations", d),
      rows: (d) => d.delegations,
      columns: [
        { header: "specialist", value: (r) => r.agentId },
        { header: "calls", value: (r) => r.calls },
        { header: "ok", value: (r) => r.ok },
        { header: "failures", value: (r) => r.failures },
        { header: "timeouts", value: (r) => r.timeouts },
        { header: "cancelled", value: (r) => r.cancelled },
        { header: "refused", value: (r) => r.refused },
        { header: "fallbacks", value: (r) => r.fallbacks },
        { header: "failure rate", value: (r) => r.failureRate },
      ],
    },
  );

  table(
    api,
    {
      path: `${INSIGHTS}/costs`,
      operationId: "getInsightsCosts",
      summary: "Tokens and cost by model, per conversation (list prices, or the org's own)",
      query: PeriodQuery,
      response: CostsResponse,
    },
    async (c, q) => {
      const s = await insightsScope(c, q);
      return costs(c.env.DB, s, await getInsightsSettings(c.env, s.orgId));
    },
    {
      name: (d) => periodName("costs", d),
      rows: (d) => d.byModel,
      columns: [
        { header: "model", value: (r) => r.model },
        { header: "agents", value: (r) => r.agentIds.join(" ") },
        { header: "calls", value: (r) => r.calls },
        { header: "tokens in", value: (r) => r.tokensIn },
        { header: "tokens out", value: (r) => r.tokensOut },
        { header: "cost (USD)", value: (r) => r.cost },
        { header: "price in (USD/M)", value: (r) => r.price?.input ?? null },
        { header: "price out (USD/M)", value: (r) => r.price?.output ?? null },
        { header: "price source", value: (r) => r.priceSource },
        { header: "conversations", value: (r) => r.conversations },
        { header: "cost per conversation", value: (r) => r.costPerConversation },
      ],
    },
  );

  table(
    api,
    {
      path: `${INSIGHTS}/answers`,
      operationId: "getInsightsAnswers",
      summary: "Answers ranked by their quality score (worst first by default)",
      query: AnswersQuery,
      response: AnswersResponse,
    },
    async (c, q) => {
      const s = await insightsScope(c, q);
      return { period: s.period, site: s.site, answers: await answers(c.env.DB, s, q.order, q.limit) };
    },
    {
      name: (d) => periodName("answers", d),
      rows: (d) => d.answers,
      columns: [
        { header: "day", value: (r) => r.day },
        { header: "site", value: (r) => r.siteKey },
        { header: "conversation", value: (r) => r.conversationId },
        { header: "question", value: (r) => r.question },
        { header: "agent", value: (r) => r.agentId },
        { header: "quality", value: (r) => r.quality },
        { header: "grounded", value: (r) => r.grounded },
        { header: "grade", value: (r) => r.grade },
        { header: "cited", value: (r) => r.cited },
        { header: "within budget", value: (r) => r.withinBudget },
        { header: "tokens", value: (r) => r.tokens },
      ],
    },
  );

  table(
    api,
    {
      path: `${INSIGHTS}/leads`,
      operationId: "getInsightsLeads",
      summary: "Leads scored from what is known (identity, fields, pages, intent, outcome), with the reasons",
      query: LeadsQuery.extend({ asOf: z.iso.datetime().optional() }),
      response: LeadsResponse,
      csvQuery: (q) => ({ ...q, limit: 5000 }),
    },
    async (c, q) => {
      const s = await insightsScope(c, q);
      const list = await scoredLeads(c.env.DB, s, { sort: q.sort, minScore: q.minScore, limit: q.limit, asOf: q.asOf ? Date.parse(q.asOf) : Date.now() });
      return { period: s.period, site: s.site, leads: list };
    },
    {
      name: (d) => periodName("leads", d),
      rows: (d) => d.leads,
      columns: [
        { header: "score", value: (r) => r.score },
        { header: "intent", value: (r) => r.intent },
        { header: "email", value: (r) => r.email },
        { header: "name", value: (r) => r.name },
        { header: "site", value: (r) => r.siteKey },
        { header: "source", value: (r) => r.source },
        { header: "outcome", value: (r) => r.outcome },
        { header: "created at", value: (r) => r.createdAt },
        { header: "conversation", value: (r) => r.conversationId },
        { header: "reasons", value: (r) => r.reasons.map((x) => `${x.points > 0 ? "+" : ""}${x.points} ${x.detail}`).join("; ") },
      ],
    },
  );

  api.add(
    {
      method: "get",
      path: `${INSIGHTS}/digest`,
      operationId: "getInsightsDigest",
      summary: "The weekly digest: last week against the week before (what the insights.digest webhook event carries)",
      tag: "insights",
      auth: "admin",
      params: ORG_PARAMS,
      query: PeriodQuery.pick({ site: true }).extend({ asOf: z.iso.datetime().optional() }),
      response: DigestResponse,
    },
    async (c, { query, reply }) => {
      const s = await insightsScope(c, { site: query.site });
      const at = query.asOf ? Date.parse(query.asOf) : Date.now();
      if (Number.isNaN(at)) throw new ApiError(400, "invalid_as_of", "asOf must be an ISO time");
      return reply(await digest(c.env, s.orgId, s.site, at));
    },
  );
}
