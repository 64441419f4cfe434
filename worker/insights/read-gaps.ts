/**
 * Content gaps: the topics whose questions the assistant could not answer well, with the
 * evidence (no retrieval hit, a weak match, an abstention, a handoff during or right after
 * the answer, a thumbs-down, the visitor asking again), what was retrieved for them (the
 * documents and their scores, from turn_documents), and what staff answered when a person
 * took over (from the staff_reply facts). Counts come from the topic rollup; the turns of
 * one gap are read by key, the most recent first.
 */
import type { GapDetail, GapSummary, GapsResponse } from "../../shared/insights";
import { evidenceNames, GAP_FLAGS } from "./evidence";
import { rate } from "./period";
import { type Scope, topicRows, topicTotals } from "./read-topics";
import { rows } from "./sql";
import type { TopicRow } from "./topic-store";

/** Recent gap turns read for one gap's documents (the aggregate of what was retrieved). */
const RETRIEVAL_SAMPLE = 1000;

type Totals = Awaited<ReturnType<typeof topicTotals>>[number];

function gapSummary(t: TopicRow, n: Totals, samples: string[]): GapSummary {
  return {
    id: t.id,
    siteKey: t.site_key,
    name: t.name,
    questions: Number(n.questions),
    gapQuestions: Number(n.gaps),
    gapRate: rate(Number(n.gaps), Number(n.questions)),
    evidence: {
      noRetrievalHit: Number(n.no_hit),
      weakMatch: Number(n.weak),
      abstained: Number(n.abstained),
      handedOff: Number(n.handed_off),
      handoffAfterAnswer: Number(n.handoff_after),
      repeatedQuestion: Number(n.repeated),
      thumbsDown: Number(n.down),
    },
    sampleQuestions: samples,
  };
}

/** A few of each gap's questions that had evidence, most recent day first (one statement per gap, in one batch). */
async function gapSamples(db: D1Database, s: Scope, gaps: Totals[], per: number): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!gaps.length) return out;
  const statements = gaps.map((g) =>
    db
      .prepare(
        `SELECT DISTINCT question FROM (SELECT question FROM turn_facts WHERE org_id = ?1 AND site_key = ?2 AND topic_id = ?3 AND day BETWEEN ?4 AND ?5
           AND (flags & ${GAP_FLAGS}) <> 0 ORDER BY day DESC LIMIT ?6)`,
      )
      .bind(s.orgId, g.site_key, g.topic_id, s.period.from, s.period.to, per),
  );
  const results = await db.batch<{ question: string }>(statements);
  gaps.forEach((g, i) => out.set(g.topic_id, (results[i]?.results ?? []).map((r) => r.question)));
  return out;
}

export async function gaps(db: D1Database, s: Scope, limit: number): Promise<GapsResponse> {
  const totals = (await topicTotals(db, s, s.period.from, s.period.to))
    .filter((t) => Number(t.gaps) > 0)
    .sort((a, b) => b.gaps - a.gaps || b.questions - a.questions || (a.topic_id < b.topic_id ? -1 : 1))
    .slice(0, limit);
  const [meta, samples] = await Promise.all([topicRows(db, s.orgId, totals.map((t) => t.topic_id)), gapSamples(db, s, totals, 3)]);
  const list: GapSummary[] = [];
  for (const t of totals) {
    const topic = meta.get(t.topic_id);
    if (topic) list.push(gapSummary(topic, t, samples.get(t.topic_id) ?? []));
  }
  return { period: s.period, site: s.site, gaps: list };
}

interface GapTurnRow {
  turn_id: string;
  conversation_id: string;
  day: string;
  ended_at: number;
  question: string;
  outcome: string;
  flags: number;
  best_score: number | null;
  rating: number | null;
}

export async function gapDetail(db: D1Database, s: Scope, topic: TopicRow, limit: number): Promise<GapDetail> {
  const scoped = { ...s, site: topic.site_key };
  const params = { org: s.orgId, site: topic.site_key, topic: topic.id, from: s.period.from, to: s.period.to };
  const gapWhere = `t.org_id = :org AND t.site_key = :site AND t.topic_id = :topic AND t.day BETWEEN :from AND :to AND ((t.flags & ${GAP_FLAGS}) <> 0 OR f.rating = -1)`;
  const fromTurns = "FROM turn_facts t LEFT JOIN feedback f ON f.conversation_id = t.conversation_id AND f.message_id = t.reply_message_id";
  const [[totals], turns, retrieved, drafts] = await Promise.all([
    topicTotals(db, scoped, s.period.from, s.period.to, [topic.id]),
    rows<GapTurnRow>(
      db,
      `SELECT t.turn_id, t.conversation_id, t.day, t.ended_at, t.question, t.outcome, t.flags, t.best_score, f.rating ${fromTurns} WHERE ${gapWhere}
       ORDER BY t.day DESC, t.ended_at DESC LIMIT :limit`,
      { ...params, limit },
    ),
    rows<{ document_id: string; title: string | null; turns: number; best: number | null; average: number | null; cited: number }>(
      db,
      `SELECT td.document_id, d.title, COUNT(*) AS turns, MIN(td.score) AS best, AVG(td.score) AS average, SUM(td.cited) AS cited
       FROM (SELECT t.turn_id ${fromTurns} WHERE ${gapWhere} ORDER BY t.day DESC LIMIT :sample) g
       JOIN turn_documents td ON td.turn_id = g.turn_id
       LEFT JOIN knowledge_documents d ON d.id = td.document_id AND d.org_id = :org
       GROUP BY td.document_id ORDER BY turns DESC, best LIMIT 20`,
      { ...params, sample: RETRIEVAL_SAMPLE },
    ),
    rows<{ id: string; status: string; title: string }>(db, "SELECT id, status, title FROM knowledge_drafts WHERE org_id = :org AND topic_id = :topic ORDER BY created_at DESC", {
      org: s.orgId,
      topic: topic.id,
    }),
  ]);
  const ids = JSON.stringify(turns.map((t) => t.turn_id));
  const [docs, replies] = await Promise.all([
    turns.length
      ? rows<{ turn_id: string; document_id: string; title: string | null; score: number | null; cited: number }>(
          db,
          `SELECT td.turn_id, td.document_id, d.title, td.score, td.cited FROM turn_documents td LEFT JOIN knowledge_documents d ON d.id = td.document_id AND d.org_id = :org
           WHERE td.turn_id IN (SELECT value FROM json_each(:ids)) ORDER BY td.score`,
          { org: s.orgId, ids },
        )
      : [],
    turns.length
      ? rows<{ t: string; text: string | null; at: number | null }>(
          db,
          `SELECT j.t, (SELECT r.text FROM staff_replies r WHERE r.conversation_id = j.c AND r.at >= j.e ORDER BY r.at LIMIT 1) AS text,
             (SELECT r.at FROM staff_replies r WHERE r.conversation_id = j.c AND r.at >= j.e ORDER BY r.at LIMIT 1) AS at
           FROM (SELECT json_extract(value, '$.t') AS t, json_extract(value, '$.c') AS c, json_extract(value, '$.e') AS e FROM json_each(:turns)) j`,
          { turns: JSON.stringify(turns.map((t) => ({ t: t.turn_id, c: t.conversation_id, e: t.ended_at }))) },
        )
      : [],
  ]);
  const samples = [...new Set(turns.map((t) => t.question))].slice(0, 3);
  const byTurn = new Map<string, GapDetail["turns"][number]["retrieved"]>();
  for (const d of docs) byTurn.set(d.turn_id, [...(byTurn.get(d.turn_id) ?? []), { documentId: d.document_id, title: d.title, score: d.score, cited: d.cited === 1 }]);
  const reply = new Map(replies.map((r) => [r.t, r.text !== null && r.at !== null ? { text: r.text, at: new Date(r.at).toISOString() } : null]));
  const empty = { topic_id: topic.id, site_key: topic.site_key, questions: 0, answered: 0, abstained: 0, handed_off: 0, failed: 0, resolved: 0, gaps: 0, no_hit: 0, weak: 0, repeated: 0, handoff_after: 0, up: 0, down: 0 };
  return {
    period: s.period,
    gap: gapSummary(topic, totals ?? empty, samples),
    retrieved: retrieved.map((r) => ({ documentId: r.document_id, title: r.title, turns: r.turns, bestScore: r.best, averageScore: r.average === null ? null : Math.round(r.average * 1000) / 1000, cited: r.cited })),
    turns: turns.map((t) => ({
      turnId: t.turn_id,
      conversationId: t.conversation_id,
      day: t.day,
      question: t.question,
      outcome: t.outcome,
      evidence: evidenceNames(t.flags, t.rating === -1) as GapDetail["turns"][number]["evidence"],
      bestScore: t.best_score,
      retrieved: byTurn.get(t.turn_id) ?? [],
      staffReply: reply.get(t.turn_id) ?? null,
    })),
    drafts,
  };
}

/** The gap turns of a topic (for making a draft): the most recent first, with the staff reply that followed each. */
export async function gapTurnsWithReplies(db: D1Database, orgId: string, topic: TopicRow, turnId?: string) {
  const list = await rows<{ turn_id: string; question: string; conversation_id: string; ended_at: number; reply: string | null }>(
    db,
    `SELECT t.turn_id, t.question, t.conversation_id, t.ended_at,
       (SELECT r.text FROM staff_replies r WHERE r.conversation_id = t.conversation_id AND r.at >= t.ended_at ORDER BY r.at LIMIT 1) AS reply
     FROM turn_facts t LEFT JOIN feedback f ON f.conversation_id = t.conversation_id AND f.message_id = t.reply_message_id
     WHERE t.org_id = :org AND t.site_key = :site AND t.topic_id = :topic ${turnId ? "AND t.turn_id = :turn" : `AND ((t.flags & ${GAP_FLAGS}) <> 0 OR f.rating = -1)`}
     ORDER BY t.day DESC, t.ended_at DESC LIMIT 200`,
    { org: orgId, site: topic.site_key, topic: topic.id, ...(turnId ? { turn: turnId } : {}) },
  );
  return list;
}

