/**
 * The FACTS queue's consumer: writes each batch of fact records to D1 in one transaction,
 * then recomputes the insights rollups for the keys the batch touched (rollups.ts).
 *
 * Before the transaction, it works out what insights group and score a turn by: the
 * question's signature and topic (insights/signature.ts, placed among the site's topics by
 * insights/topic-store.ts), the evidence that it was not answered well
 * (insights/evidence.ts), and the answer's quality (insights/quality.ts).
 *
 * Writes are idempotent (a turn's row is kept as first written, a vote is replaced only by a
 * later vote, a status change or staff reply is stored once, a rating only by a later one),
 * and every rollup is recomputed rather than incremented, so a batch the queue delivers
 * again after a failure changes nothing twice. A record that does not parse is logged and
 * dropped rather than retried forever; a grade whose turn has not arrived yet is retried.
 */
import type { InsightsSettings } from "../../shared/insights";
import type { Env } from "../env";
import { FLAG, flagsOf } from "../insights/evidence";
import { qualityScore, withinBudget } from "../insights/quality";
import { getInsightsSettings } from "../insights/settings";
import { signatureOf } from "../insights/signature";
import { type NewSignature, placementStatements } from "../insights/topic-store";
import { conversationDaysSql, conversationsSql, daysSql, delegationsSql, documentsSql, signatureCountsSql, topicDaysSql, usageSql } from "./rollups";
import { type CsatFact, Fact, type FeedbackFact, type GradeFact, type StaffReplyFact, type StatusFact, type TurnFact } from "./schema";

export async function consumeFacts(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const turns = new Map<string, TurnFact>();
  const feedback: FeedbackFact[] = [];
  const statuses: StatusFact[] = [];
  const replies: StaffReplyFact[] = [];
  const ratings: CsatFact[] = [];
  const grades: { fact: GradeFact; message: Message<unknown> }[] = [];
  for (const message of batch.messages) {
    const parsed = Fact.safeParse(message.body);
    if (!parsed.success) {
      console.error("dropping a malformed fact", parsed.error.issues[0]?.message);
      message.ack();
      continue;
    }
    const fact = parsed.data;
    if (fact.type === "turn") turns.set(fact.turnId, fact);
    else if (fact.type === "feedback") feedback.push(fact);
    else if (fact.type === "status") statuses.push(fact);
    else if (fact.type === "staff_reply") replies.push(fact);
    else if (fact.type === "csat") ratings.push(fact);
    else grades.push({ fact, message });
  }

  const db = env.DB;
  const statements: D1PreparedStatement[] = [];
  const turnRows = await enrich(env, [...turns.values()]);
  statements.push(...(await placements(db, turnRows)));
  if (turnRows.length) statements.push(...turnStatements(db, turnRows));
  for (const f of feedback) statements.push(feedbackStatement(db, f));
  if (statuses.length) statements.push(...statusStatements(db, statuses));
  if (replies.length) statements.push(staffReplyStatement(db, replies));
  if (ratings.length) statements.push(csatStatement(db, ratings));
  const graded = await gradeable(db, grades, turns);
  if (graded.length) statements.push(gradeStatement(db, graded));

  // ---- recompute what the batch touched ----
  const conversations = new Map<string, { c: string; o: string; s: string; st: number }>();
  const touch = (c: string, o: string, s: string, st: number) => {
    const before = conversations.get(c);
    conversations.set(c, { c, o, s, st: Math.min(st, before?.st ?? st) });
  };
  for (const t of turnRows) touch(t.conversationId, t.orgId, t.siteKey, t.conversationStartedAt ?? t.endedAt - t.turnMs);
  for (const f of feedback) touch(f.conversationId, f.orgId, f.siteKey, f.at);
  for (const f of statuses) touch(f.conversationId, f.orgId, f.siteKey, f.conversationStartedAt ?? f.at);
  for (const f of replies) touch(f.conversationId, f.orgId, f.siteKey, f.at);
  for (const f of ratings) touch(f.conversationId, f.orgId, f.siteKey, f.at);
  for (const g of graded) touch(g.conversationId, g.orgId, g.siteKey, g.at);
  const touched = [...conversations.values()];

  const siteDays = new Map<string, { o: string; s: string; d: string }>();
  for (const t of turnRows) siteDays.set(`${t.orgId}/${t.siteKey}/${t.day}`, { o: t.orgId, s: t.siteKey, d: t.day });
  const documentDays = new Map<string, { o: string; s: string; doc: string; d: string }>();
  for (const t of turnRows) for (const d of t.docs) documentDays.set(`${t.orgId}/${t.siteKey}/${d.id}/${t.day}`, { o: t.orgId, s: t.siteKey, doc: d.id, d: t.day });
  const signatures = new Map<string, { o: string; s: string; sig: string }>();
  for (const t of turnRows) if (t.signature) signatures.set(`${t.orgId}/${t.siteKey}/${t.signature}`, { o: t.orgId, s: t.siteKey, sig: t.signature });

  if (touched.length) {
    statements.push(db.prepare(topicDaysSql("keys")).bind(JSON.stringify(touched.map((t) => t.c))));
    statements.push(db.prepare(conversationsSql("keys")).bind(JSON.stringify(touched)));
    const keys = JSON.stringify(touched.map((t) => ({ c: t.c })));
    for (const sql of conversationDaysSql("keys")) statements.push(db.prepare(sql).bind(keys));
  }
  if (siteDays.size) {
    const keys = JSON.stringify([...siteDays.values()]);
    statements.push(db.prepare(usageSql("keys")).bind(keys), db.prepare(delegationsSql("keys")).bind(keys));
  }
  // A grade changes its answer's quality, so its site's day is recomputed too.
  for (const g of graded) siteDays.set(`${g.orgId}/${g.siteKey}/${g.day}`, { o: g.orgId, s: g.siteKey, d: g.day });
  if (siteDays.size) statements.push(db.prepare(daysSql("keys")).bind(JSON.stringify([...siteDays.values()])));
  if (documentDays.size || feedback.length) {
    statements.push(db.prepare(documentsSql("keys")).bind(JSON.stringify([...documentDays.values()]), JSON.stringify(feedback.map((f) => f.messageId))));
  }
  if (signatures.size) statements.push(db.prepare(signatureCountsSql("keys")).bind(JSON.stringify([...signatures.values()])));

  // One transaction per batch; if it fails, the queue delivers the batch again.
  if (statements.length) {
    await db.batch(statements).catch((error: unknown) => {
      console.error("facts batch failed", error instanceof Error ? error.message : error);
      throw error;
    });
  }
}

// ---- turns ------------------------------------------------------------------------------------

export interface TurnRow extends TurnFact {
  signature: string;
  terms: string[];
  surfaces: Record<string, string>;
  flags: number;
  bestScore: number | null;
  quality: number | null;
  withinBudget: boolean;
  docs: { id: string; score: number | null; cited: number }[];
}

async function enrich(env: Env, turns: TurnFact[]): Promise<TurnRow[]> {
  const settings = new Map<string, InsightsSettings>();
  for (const orgId of new Set(turns.map((t) => t.orgId))) settings.set(orgId, await getInsightsSettings(env, orgId));
  return turns.map((f) => {
    const s = settings.get(f.orgId);
    const signature = signatureOf(f.question);
    const scores = f.retrieval.documents.map((d) => d.score).filter((n): n is number => n !== null);
    const bestScore = scores.length ? Math.min(...scores) : null;
    const budget = withinBudget(f.tokensIn + f.tokensOut, f.reason, s?.answerTokenBudget);
    const cited = new Set(f.retrieval.cited);
    return {
      ...f,
      signature: signature.key,
      terms: signature.terms,
      surfaces: signature.surfaces,
      bestScore,
      flags: flagsOf({ outcome: f.outcome, queries: f.retrieval.queries.length, documents: f.retrieval.documents.length, bestScore, repeated: !!f.repeated }, s?.weakScore),
      withinBudget: budget,
      quality: qualityScore({ outcome: f.outcome, cited: f.retrieval.cited.length, grounded: f.grounded ?? null, grade: null, withinBudget: budget }),
      docs: [
        ...f.retrieval.documents.map((d) => ({ id: d.id, score: d.score, cited: cited.has(d.id) ? 1 : 0 })),
        // A cited source that no retrieval of this turn returned (named by a specialist's reply).
        ...f.retrieval.cited.filter((id) => !f.retrieval.documents.some((d) => d.id === id)).map((id) => ({ id, score: null, cited: 1 })),
      ],
    };
  });
}

/** New signatures placed in their site's topics (one read of each site's topic list, when it has new ones). */
async function placements(db: D1Database, turns: TurnRow[]): Promise<D1PreparedStatement[]> {
  const bySite = new Map<string, { orgId: string; siteKey: string; signatures: NewSignature[] }>();
  for (const t of turns) {
    if (!t.signature) continue;
    const key = `${t.orgId}/${t.siteKey}`;
    const site = bySite.get(key) ?? { orgId: t.orgId, siteKey: t.siteKey, signatures: [] };
    site.signatures.push({ key: t.signature, terms: t.terms, surfaces: t.surfaces, sample: t.question, day: t.day });
    bySite.set(key, site);
  }
  const out: D1PreparedStatement[] = [];
  for (const site of bySite.values()) out.push(...(await placementStatements(db, site.orgId, site.siteKey, site.signatures)));
  return out;
}

function turnStatements(db: D1Database, turns: TurnRow[]): D1PreparedStatement[] {
  const rows = turns.map((f) => ({
    t: f.turnId,
    o: f.orgId,
    s: f.siteKey,
    c: f.conversationId,
    d: f.day,
    e: f.endedAt,
    q: f.question,
    ag: JSON.stringify(f.agents),
    by: f.answeredBy,
    oc: f.outcome,
    r: f.reason,
    ti: f.tokensIn,
    to: f.tokensOut,
    fd: f.firstDeltaMs,
    tm: f.turnMs,
    m: f.model,
    fa: f.family,
    qs: JSON.stringify(f.retrieval.queries),
    rv: f.retrieval.documents.length,
    ci: f.retrieval.cited.length,
    rp: f.replyMessageId,
    sg: f.signature,
    fl: f.flags,
    bs: f.bestScore,
    gr: f.grounded ?? null,
    qu: f.quality,
    wb: f.withinBudget ? 1 : 0,
    dl: JSON.stringify(f.delegations ?? []),
    us: JSON.stringify(f.usage ?? []),
    la: f.lang ?? null,
  }));
  const field = (k: string) => `json_extract(value, '$.${k}')`;
  const statements = [
    // A handoff right after this answer may have arrived first: its flag is set as the turn is stored.
    db
      .prepare(
        `INSERT INTO turn_facts (turn_id, org_id, site_key, conversation_id, day, ended_at, question, agents, answered_by, outcome, reason, tokens_in, tokens_out,
           first_delta_ms, turn_ms, model, family, queries, retrieved, cited, reply_message_id, signature, topic_id, flags, best_score, grounded, quality,
           within_budget, delegations, usage, lang)
         SELECT ${["t", "o", "s", "c", "d", "e", "q", "ag", "by", "oc", "r", "ti", "to", "fd", "tm", "m", "fa", "qs", "rv", "ci", "rp", "sg"].map(field).join(", ")},
           (SELECT topic_id FROM insights_signatures g WHERE g.org_id = ${field("o")} AND g.site_key = ${field("s")} AND g.signature = ${field("sg")}),
           ${field("fl")} | CASE WHEN ${field("rp")} IS NOT NULL AND EXISTS (SELECT 1 FROM conversation_events ev
             WHERE ev.conversation_id = ${field("c")} AND ev.after_reply_id = ${field("rp")}) THEN ${FLAG.handoffAfter} ELSE 0 END,
           ${["bs", "gr", "qu", "wb", "dl", "us", "la"].map(field).join(", ")}
         FROM json_each(?1) WHERE true
         ON CONFLICT (turn_id) DO NOTHING`,
      )
      .bind(JSON.stringify(rows)),
    // A batch delivered again carries the same documents: they replace themselves.
    db
      .prepare(
        `INSERT OR REPLACE INTO turn_documents (turn_id, document_id, org_id, site_key, day, score, cited)
         SELECT json_extract(t.value, '$.t'), json_extract(d.value, '$.id'), json_extract(t.value, '$.o'), json_extract(t.value, '$.s'), json_extract(t.value, '$.d'),
           json_extract(d.value, '$.score'), json_extract(d.value, '$.cited')
         FROM json_each(?1) t, json_each(json_extract(t.value, '$.docs')) d`,
      )
      .bind(JSON.stringify(turns.filter((f) => f.docs.length).map((f) => ({ t: f.turnId, o: f.orgId, s: f.siteKey, d: f.day, docs: f.docs })))),
  ];
  // The visitor asked their previous question again: that answer did not help.
  const repeats = turns.filter((f) => f.repeated).map((f) => ({ c: f.conversationId, e: f.endedAt - f.turnMs }));
  if (repeats.length) {
    statements.push(
      db
        .prepare(
          `UPDATE turn_facts SET flags = flags | ${FLAG.repeatedNext} WHERE turn_id IN (
             SELECT (SELECT p.turn_id FROM turn_facts p WHERE p.conversation_id = json_extract(value, '$.c') AND p.ended_at <= json_extract(value, '$.e')
               ORDER BY p.ended_at DESC LIMIT 1) FROM json_each(?1))`,
        )
        .bind(JSON.stringify(repeats)),
    );
  }
  return statements;
}

// ---- conversation facts ------------------------------------------------------------------------

function feedbackStatement(db: D1Database, f: FeedbackFact): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO feedback (conversation_id, message_id, org_id, site_key, rating, day, voted_at, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, strftime('%Y-%m-%dT%H:%M:%fZ', ?7 / 1000.0, 'unixepoch'))
       ON CONFLICT (conversation_id, message_id) DO UPDATE SET
         rating = excluded.rating, day = excluded.day, voted_at = excluded.voted_at, created_at = excluded.created_at
       WHERE excluded.voted_at >= COALESCE(feedback.voted_at, 0)`,
    )
    .bind(f.conversationId, f.messageId, f.orgId, f.siteKey, f.rating, f.day, f.at);
}

function statusStatements(db: D1Database, facts: StatusFact[]): D1PreparedStatement[] {
  const rows = JSON.stringify(facts.map((f) => ({ c: f.conversationId, at: f.at, to: f.to, from: f.from, o: f.orgId, s: f.siteKey, d: f.day, r: f.reason, st: f.staffId, ar: f.afterReplyId })));
  const statements = [
    db
      .prepare(
        `INSERT OR IGNORE INTO conversation_events (conversation_id, at, to_status, from_status, org_id, site_key, day, reason, staff_id, after_reply_id)
         SELECT json_extract(value, '$.c'), json_extract(value, '$.at'), json_extract(value, '$.to'), json_extract(value, '$.from'), json_extract(value, '$.o'),
           json_extract(value, '$.s'), json_extract(value, '$.d'), json_extract(value, '$.r'), json_extract(value, '$.st'), json_extract(value, '$.ar')
         FROM json_each(?1)`,
      )
      .bind(rows),
  ];
  const after = facts.filter((f) => f.afterReplyId).map((f) => f.afterReplyId);
  if (after.length) {
    statements.push(
      db.prepare(`UPDATE turn_facts SET flags = flags | ${FLAG.handoffAfter} WHERE reply_message_id IN (SELECT value FROM json_each(?1))`).bind(JSON.stringify(after)),
    );
  }
  return statements;
}

function staffReplyStatement(db: D1Database, facts: StaffReplyFact[]): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR IGNORE INTO staff_replies (message_id, conversation_id, org_id, site_key, staff_id, at, day, text)
       SELECT json_extract(value, '$.m'), json_extract(value, '$.c'), json_extract(value, '$.o'), json_extract(value, '$.s'), json_extract(value, '$.st'),
         json_extract(value, '$.at'), json_extract(value, '$.d'), json_extract(value, '$.x')
       FROM json_each(?1)`,
    )
    .bind(JSON.stringify(facts.map((f) => ({ m: f.messageId, c: f.conversationId, o: f.orgId, s: f.siteKey, st: f.staffId, at: f.at, d: f.day, x: f.text }))));
}

function csatStatement(db: D1Database, facts: CsatFact[]): D1PreparedStatement {
  // The latest rating of each conversation in the batch; a stored later one is kept.
  const latest = new Map<string, CsatFact>();
  for (const f of facts) if ((latest.get(f.conversationId)?.at ?? -1) <= f.at) latest.set(f.conversationId, f);
  return db
    .prepare(
      `INSERT INTO csat (conversation_id, org_id, site_key, rating, comment, day, at)
       SELECT json_extract(value, '$.c'), json_extract(value, '$.o'), json_extract(value, '$.s'), json_extract(value, '$.r'), json_extract(value, '$.x'),
         json_extract(value, '$.d'), json_extract(value, '$.at')
       FROM json_each(?1) WHERE true
       ON CONFLICT (conversation_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, day = excluded.day, at = excluded.at
       WHERE excluded.at >= csat.at`,
    )
    .bind(JSON.stringify([...latest.values()].map((f) => ({ c: f.conversationId, o: f.orgId, s: f.siteKey, r: f.rating, x: f.comment, d: f.day, at: f.at }))));
}

/** Grades whose turn is stored (or in this batch), with the turn's day; the others wait for it (the queue retries them). */
async function gradeable(db: D1Database, grades: { fact: GradeFact; message: Message<unknown> }[], batchTurns: Map<string, TurnFact>): Promise<(GradeFact & { day: string })[]> {
  if (!grades.length) return [];
  const ids = grades.map((g) => g.fact.turnId).filter((id) => !batchTurns.has(id));
  const stored = new Map<string, string>();
  if (ids.length) {
    const rows = await db.prepare("SELECT turn_id, day FROM turn_facts WHERE turn_id IN (SELECT value FROM json_each(?1))").bind(JSON.stringify(ids)).all<{ turn_id: string; day: string }>();
    for (const r of rows.results) stored.set(r.turn_id, r.day);
  }
  const out: (GradeFact & { day: string })[] = [];
  for (const g of grades) {
    const day = batchTurns.get(g.fact.turnId)?.day ?? stored.get(g.fact.turnId);
    if (day) out.push({ ...g.fact, day });
    else g.message.retry({ delaySeconds: 10 });
  }
  return out;
}

/** A grade refines its answer's quality: the model's score takes groundedness's place (insights/quality.ts). */
function gradeStatement(db: D1Database, grades: GradeFact[]): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE turn_facts SET grade = g.score,
         quality = CASE WHEN turn_facts.quality IS NULL THEN NULL ELSE round(0.3 * (turn_facts.cited > 0) + 0.5 * g.score + 0.2 * turn_facts.within_budget, 3) END
       FROM (SELECT json_extract(value, '$.t') AS turn_id, json_extract(value, '$.score') AS score FROM json_each(?1)) g
       WHERE turn_facts.turn_id = g.turn_id`,
    )
    .bind(JSON.stringify(grades.map((g) => ({ t: g.turnId, score: g.score }))));
}
