/**
 * Top questions and topics: each topic's questions in the period (from the per-day topic
 * rollup), against the period before, how they went, their votes, the wordings most asked,
 * and a few example conversations. Reads rollups and a handful of rows by key: never the
 * facts of the whole period.
 */
import type { Period, TopicDetail, TopicSummary, TopicsResponse } from "../../shared/insights";
import { daysOf, rate, trendOf } from "./period";
import { bySite, rows } from "./sql";
import type { TopicRow } from "./topic-store";

export interface Scope {
  orgId: string;
  site: string | null;
  period: Period;
}

interface TopicTotals {
  topic_id: string;
  site_key: string;
  questions: number;
  answered: number;
  abstained: number;
  handed_off: number;
  failed: number;
  resolved: number;
  gaps: number;
  no_hit: number;
  weak: number;
  repeated: number;
  handoff_after: number;
  up: number;
  down: number;
}

/** Sums of the topic rollup over a period, per topic (optionally only `topicIds`). */
export async function topicTotals(db: D1Database, s: Scope, from: string, to: string, topicIds?: string[]): Promise<TopicTotals[]> {
  return rows<TopicTotals>(
    db,
    `SELECT topic_id, site_key, SUM(questions) AS questions, SUM(answered) AS answered, SUM(abstained) AS abstained, SUM(handed_off) AS handed_off,
       SUM(failed) AS failed, SUM(resolved) AS resolved, SUM(gaps) AS gaps, SUM(no_hit) AS no_hit, SUM(weak) AS weak, SUM(repeated) AS repeated,
       SUM(handoff_after) AS handoff_after, SUM(up) AS up, SUM(down) AS down
     FROM insights_topic_days WHERE org_id = :org ${bySite(s.site)} AND day BETWEEN :from AND :to
       ${topicIds ? "AND topic_id IN (SELECT value FROM json_each(:ids))" : ""}
     GROUP BY topic_id, site_key`,
    { org: s.orgId, site: s.site, from, to, ids: JSON.stringify(topicIds ?? []) },
  );
}

export async function topicRows(db: D1Database, orgId: string, ids: string[]): Promise<Map<string, TopicRow>> {
  if (!ids.length) return new Map();
  const list = await rows<TopicRow>(db, "SELECT * FROM insights_topics WHERE org_id = :org AND id IN (SELECT value FROM json_each(:ids))", { org: orgId, ids: JSON.stringify(ids) });
  return new Map(list.map((t) => [t.id, t]));
}

/** The most asked wordings of each topic (all time). */
async function sampleQuestions(db: D1Database, ids: string[], per: number): Promise<Map<string, { text: string; count: number }[]>> {
  const out = new Map<string, { text: string; count: number }[]>();
  if (!ids.length) return out;
  const list = await rows<{ topic_id: string; sample: string; questions: number }>(
    db,
    `SELECT topic_id, sample, questions FROM (
       SELECT topic_id, sample, questions, ROW_NUMBER() OVER (PARTITION BY topic_id ORDER BY questions DESC, signature) AS n
       FROM insights_signatures WHERE topic_id IN (SELECT value FROM json_each(:ids))
     ) WHERE n <= :per`,
    { ids: JSON.stringify(ids), per },
  );
  for (const r of list) out.set(r.topic_id, [...(out.get(r.topic_id) ?? []), { text: r.sample, count: r.questions }]);
  return out;
}

/** The most recent turns of each topic in the period (one indexed read per topic, in one batch). */
async function examples(db: D1Database, s: Scope, topics: { id: string; site: string }[], per: number) {
  const out = new Map<string, TopicSummary["examples"]>();
  if (!topics.length) return out;
  const results = await db.batch<{ turn_id: string; conversation_id: string; question: string; outcome: string; day: string }>(
    topics.map((t) =>
      db
        .prepare(
          `SELECT turn_id, conversation_id, question, outcome, day FROM turn_facts WHERE org_id = ?1 AND site_key = ?2 AND topic_id = ?3 AND day BETWEEN ?4 AND ?5
           ORDER BY day DESC LIMIT ?6`,
        )
        .bind(s.orgId, t.site, t.id, s.period.from, s.period.to, per),
    ),
  );
  topics.forEach((t, i) =>
    out.set(
      t.id,
      (results[i]?.results ?? []).map((r) => ({ conversationId: r.conversation_id, turnId: r.turn_id, question: r.question, outcome: r.outcome, day: r.day })),
    ),
  );
  return out;
}

function summary(t: TopicRow, now: TopicTotals | undefined, before: TopicTotals | undefined): Omit<TopicSummary, "sampleQuestions" | "examples"> {
  const n = (k: keyof TopicTotals) => Number(now?.[k] ?? 0);
  const questions = n("questions");
  const previous = Number(before?.questions ?? 0);
  return {
    id: t.id,
    siteKey: t.site_key,
    name: t.name,
    origin: t.origin,
    namedBy: t.named_by,
    pinned: t.pinned === 1,
    keywords: JSON.parse(t.keywords) as string[],
    questions,
    previousQuestions: previous,
    trend: trendOf(questions, previous),
    answered: n("answered"),
    abstained: n("abstained"),
    handedOff: n("handed_off"),
    failed: n("failed"),
    resolved: n("resolved"),
    resolutionRate: rate(n("resolved"), questions),
    feedback: { up: n("up"), down: n("down") },
    gaps: n("gaps"),
  };
}

/** Every question of the period, for the share in no topic. */
async function allQuestions(db: D1Database, s: Scope, from: string, to: string): Promise<number> {
  const [r] = await rows<{ n: number | null }>(db, `SELECT SUM(turns) AS n FROM insights_days WHERE org_id = :org ${bySite(s.site)} AND day BETWEEN :from AND :to`, {
    org: s.orgId,
    site: s.site,
    from,
    to,
  });
  return Number(r?.n ?? 0);
}

export async function topics(db: D1Database, s: Scope, limit: number): Promise<TopicsResponse> {
  const [now, before, total, previousTotal] = await Promise.all([
    topicTotals(db, s, s.period.from, s.period.to),
    topicTotals(db, s, s.period.previousFrom, s.period.previousTo),
    allQuestions(db, s, s.period.from, s.period.to),
    allQuestions(db, s, s.period.previousFrom, s.period.previousTo),
  ]);
  // Pinned topics are listed even in a quiet period.
  const pinned = await rows<{ id: string }>(db, `SELECT id FROM insights_topics WHERE org_id = :org ${bySite(s.site)} AND pinned = 1 AND merged_into IS NULL`, { org: s.orgId, site: s.site });
  const byId = new Map(now.map((t) => [t.topic_id, t]));
  const previous = new Map(before.map((t) => [t.topic_id, t]));
  const ranked = [...now].sort((a, b) => b.questions - a.questions || (a.topic_id < b.topic_id ? -1 : 1)).map((t) => t.topic_id);
  const ids = [...new Set([...ranked.slice(0, limit), ...pinned.map((p) => p.id)])];
  const meta = await topicRows(db, s.orgId, ids);
  const [samples, example] = await Promise.all([sampleQuestions(db, ids, 3), examples(db, s, [...meta.values()].map((t) => ({ id: t.id, site: t.site_key })), 3)]);
  const list: TopicSummary[] = [];
  for (const id of ids) {
    const t = meta.get(id);
    if (!t) continue;
    list.push({ ...summary(t, byId.get(id), previous.get(id)), sampleQuestions: samples.get(id) ?? [], examples: example.get(id) ?? [] });
  }
  list.sort((a, b) => b.questions - a.questions || Number(b.pinned) - Number(a.pinned) || (a.id < b.id ? -1 : 1));
  const inTopics = now.reduce((n, t) => n + Number(t.questions), 0);
  return {
    period: s.period,
    site: s.site,
    totals: { questions: total, previousQuestions: previousTotal, withoutTopic: Math.max(0, total - inTopics), topics: now.length },
    topics: list,
  };
}

export async function topicDetail(db: D1Database, s: Scope, topic: TopicRow): Promise<TopicDetail> {
  const scoped = { ...s, site: topic.site_key };
  const [[now], [before], samples, example, series, signatures, mergedFrom] = await Promise.all([
    topicTotals(db, scoped, s.period.from, s.period.to, [topic.id]),
    topicTotals(db, scoped, s.period.previousFrom, s.period.previousTo, [topic.id]),
    sampleQuestions(db, [topic.id], 3),
    examples(db, scoped, [{ id: topic.id, site: topic.site_key }], 10),
    rows<{ day: string; questions: number }>(
      db,
      "SELECT day, questions FROM insights_topic_days WHERE org_id = :org AND site_key = :site AND topic_id = :topic AND day BETWEEN :from AND :to",
      { org: s.orgId, site: topic.site_key, topic: topic.id, from: s.period.from, to: s.period.to },
    ),
    rows<{ signature: string; sample: string; questions: number; placed_by: "auto" | "owner" | "model" }>(
      db,
      "SELECT signature, sample, questions, placed_by FROM insights_signatures WHERE topic_id = :topic AND org_id = :org ORDER BY questions DESC, signature LIMIT 200",
      { topic: topic.id, org: s.orgId },
    ),
    rows<{ id: string; name: string }>(db, "SELECT id, name FROM insights_topics WHERE merged_into = :topic AND org_id = :org ORDER BY name", { topic: topic.id, org: s.orgId }),
  ]);
  const perDay = new Map(series.map((r) => [r.day, r.questions]));
  return {
    period: s.period,
    topic: { ...summary(topic, now, before), sampleQuestions: samples.get(topic.id) ?? [], examples: example.get(topic.id) ?? [] },
    series: daysOf(s.period).map((day) => ({ day, value: perDay.get(day) ?? 0 })),
    signatures: signatures.map((r) => ({ signature: r.signature, sample: r.sample, questions: r.questions, placedBy: r.placed_by })),
    mergedFrom,
  };
}
