/**
 * The owner's hand on the topic list, and regrouping.
 *
 * - Create a topic from keywords: every question containing one of them moves in, now and
 *   later (owner keywords beat resemblance, clustering.ts), and the topic is pinned.
 * - Rename (the name is the owner's from then on: no model renames it), pin (it stays in the
 *   list and no regrouping dissolves it), change keywords (matching questions move in).
 * - Merge one topic into another: its questions move, and what would have matched it goes to
 *   the other from then on.
 * - Delete an owner's or a model's topic: its questions are placed again.
 * - Regroup a site: the deterministic offline grouping of every signature again (the owner's
 *   topics, pins, names, merges and placements kept), then — with a model configured — the
 *   model names the automatic topics and places the most asked questions in the list.
 *
 * A move updates the signature's topic, the topic of its turns, and recomputes the days of
 * the topics it left and joined (facts/rollups.ts), so the rollups never disagree with the
 * facts.
 */
import type { RegroupResponse, TopicRecord } from "../../shared/insights";
import type { Env } from "../env";
import { topicDaysSql } from "../facts/rollups";
import { ApiError, notFound } from "../http/errors";
import { randomId } from "../ids";
import { cluster, place, resolveMerges, TermIndex, type TopicSeed, topicIdOf } from "./clustering";
import { insightsModel, jsonIn } from "./model";
import { keywordTerms, nameOf, signatureOf, termsOfKey } from "./signature";
import { ownerTouched, seedOf, siteTopics, type TopicRow } from "./topic-store";

export function topicRecord(t: TopicRow): TopicRecord {
  return {
    id: t.id,
    siteKey: t.site_key,
    name: t.name,
    origin: t.origin,
    namedBy: t.named_by,
    pinned: t.pinned === 1,
    keywords: JSON.parse(t.keywords) as string[],
    mergedInto: t.merged_into,
  };
}

export async function getTopic(db: D1Database, orgId: string, id: string): Promise<TopicRow> {
  const row = await db.prepare("SELECT * FROM insights_topics WHERE id = ? AND org_id = ?").bind(id, orgId).first<TopicRow>();
  if (!row) throw notFound("topic");
  return row;
}

interface SignatureRow {
  signature: string;
  topic_id: string | null;
  placed_by: "auto" | "owner" | "model";
  sample: string;
  questions: number;
}

async function siteSignatures(db: D1Database, orgId: string, siteKey: string): Promise<SignatureRow[]> {
  const rows = await db
    .prepare("SELECT signature, topic_id, placed_by, sample, questions FROM insights_signatures WHERE org_id = ? AND site_key = ? ORDER BY signature")
    .bind(orgId, siteKey)
    .all<SignatureRow>();
  return rows.results;
}

export interface Move {
  signature: string;
  from: string | null;
  to: string;
  placedBy: "auto" | "owner" | "model";
}

const CHUNK = 400;

/** Moves signatures between topics: the signatures, their turns, and the days of every topic involved. */
export async function applyMoves(db: D1Database, orgId: string, siteKey: string, moves: Move[]): Promise<void> {
  for (let i = 0; i < moves.length; i += CHUNK) {
    const chunk = moves.slice(i, i + CHUNK);
    const json = JSON.stringify(chunk.map((m) => ({ sig: m.signature, to: m.to, by: m.placedBy })));
    const topics = JSON.stringify([...new Set(chunk.flatMap((m) => [m.to, ...(m.from ? [m.from] : [])]))]);
    await db.batch([
      db
        .prepare(
          `UPDATE insights_signatures SET topic_id = m.to_topic, placed_by = m.placed
           FROM (SELECT json_extract(value, '$.sig') AS sig, json_extract(value, '$.to') AS to_topic, json_extract(value, '$.by') AS placed FROM json_each(?3)) m
           WHERE insights_signatures.org_id = ?1 AND insights_signatures.site_key = ?2 AND insights_signatures.signature = m.sig`,
        )
        .bind(orgId, siteKey, json),
      db
        .prepare(
          `UPDATE turn_facts SET topic_id = m.to_topic
           FROM (SELECT json_extract(value, '$.sig') AS sig, json_extract(value, '$.to') AS to_topic FROM json_each(?3)) m
           WHERE turn_facts.org_id = ?1 AND turn_facts.site_key = ?2 AND turn_facts.signature = m.sig`,
        )
        .bind(orgId, siteKey, json),
      db.prepare("DELETE FROM insights_topic_days WHERE org_id = ?1 AND site_key = ?2 AND topic_id IN (SELECT value FROM json_each(?3))").bind(orgId, siteKey, topics),
      db.prepare(topicDaysSql("topics")).bind(orgId, siteKey, topics),
    ]);
  }
}

/** Topics with no signature left that nobody made or touched go away (their questions moved elsewhere). */
async function dropEmptyAutoTopics(db: D1Database, orgId: string, siteKey: string): Promise<void> {
  await db
    .prepare(
      `DELETE FROM insights_topics WHERE org_id = ?1 AND site_key = ?2 AND origin = 'auto' AND named_by <> 'owner' AND pinned = 0 AND merged_into IS NULL
         AND NOT EXISTS (SELECT 1 FROM insights_signatures s WHERE s.topic_id = insights_topics.id)
         AND NOT EXISTS (SELECT 1 FROM insights_topics m WHERE m.merged_into = insights_topics.id)`,
    )
    .bind(orgId, siteKey)
    .run();
}

/** Signatures that an owner topic's keywords claim (not ones an owner placed elsewhere). */
async function claimByKeywords(db: D1Database, topic: TopicRow): Promise<number> {
  const seed = seedOf(topic);
  if (!seed.keywords.length) return 0;
  const moves: Move[] = [];
  for (const s of await siteSignatures(db, topic.org_id, topic.site_key)) {
    if (s.topic_id === topic.id || s.placed_by === "owner") continue;
    if (place(termsOfKey(s.signature), [{ ...seed, terms: [] }]) === topic.id) moves.push({ signature: s.signature, from: s.topic_id, to: topic.id, placedBy: "owner" });
  }
  await applyMoves(db, topic.org_id, topic.site_key, moves);
  await dropEmptyAutoTopics(db, topic.org_id, topic.site_key);
  return moves.length;
}

export async function createTopic(db: D1Database, orgId: string, body: { site: string; name: string; keywords: string[]; pinned: boolean }): Promise<TopicRecord> {
  const site = await db.prepare("SELECT 1 AS x FROM sites WHERE key = ? AND org_id = ?").bind(body.site, orgId).first();
  if (!site) throw notFound("site");
  const terms = [...new Set(body.keywords.flatMap(keywordTerms))];
  if (!terms.length) throw new ApiError(400, "invalid_keywords", "the keywords have no topical word (they are all stop words or filler)");
  const id = randomId("top_", 9);
  await db
    .prepare("INSERT INTO insights_topics (id, org_id, site_key, name, terms, keywords, origin, named_by, pinned) VALUES (?, ?, ?, ?, ?, ?, 'owner', 'owner', ?)")
    .bind(id, orgId, body.site, body.name, JSON.stringify(terms), JSON.stringify(body.keywords), body.pinned ? 1 : 0)
    .run();
  const topic = await getTopic(db, orgId, id);
  await claimByKeywords(db, topic);
  return topicRecord(topic);
}

export async function patchTopic(db: D1Database, orgId: string, id: string, patch: { name?: string | undefined; pinned?: boolean | undefined; keywords?: string[] | undefined }): Promise<TopicRecord> {
  const topic = await getTopic(db, orgId, id);
  if (topic.merged_into) throw new ApiError(409, "merged", `this topic was merged into ${topic.merged_into}; edit that one`);
  const keywords = patch.keywords ?? (JSON.parse(topic.keywords) as string[]);
  if (patch.keywords && patch.keywords.length && !patch.keywords.flatMap(keywordTerms).length) throw new ApiError(400, "invalid_keywords", "the keywords have no topical word");
  await db
    .prepare(
      `UPDATE insights_topics SET name = COALESCE(?3, name), named_by = CASE WHEN ?3 IS NULL THEN named_by ELSE 'owner' END,
         pinned = COALESCE(?4, pinned), keywords = ?5, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1 AND org_id = ?2`,
    )
    .bind(id, orgId, patch.name ?? null, patch.pinned === undefined ? null : patch.pinned ? 1 : 0, JSON.stringify(keywords))
    .run();
  const updated = await getTopic(db, orgId, id);
  if (patch.keywords) await claimByKeywords(db, updated);
  return topicRecord(updated);
}

export async function mergeTopics(db: D1Database, orgId: string, sourceId: string, intoId: string): Promise<TopicRecord> {
  if (sourceId === intoId) throw new ApiError(400, "invalid_merge", "a topic cannot be merged into itself");
  const source = await getTopic(db, orgId, sourceId);
  const target = await getTopic(db, orgId, intoId);
  if (source.site_key !== target.site_key) throw new ApiError(400, "invalid_merge", "topics of different sites cannot be merged");
  if (target.merged_into) throw new ApiError(409, "merged", `${intoId} was itself merged into ${target.merged_into}; merge into that one`);
  if (source.merged_into) throw new ApiError(409, "merged", "this topic is already merged");
  const moves = (await siteSignatures(db, orgId, source.site_key))
    .filter((s) => s.topic_id === source.id)
    .map((s): Move => ({ signature: s.signature, from: source.id, to: target.id, placedBy: s.placed_by }));
  await db.batch([
    db.prepare("UPDATE insights_topics SET merged_into = ?3, pinned = 0, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1 AND org_id = ?2").bind(source.id, orgId, target.id),
    // Topics merged into the source before now follow it into the target.
    db.prepare("UPDATE insights_topics SET merged_into = ?3 WHERE merged_into = ?1 AND org_id = ?2").bind(source.id, orgId, target.id),
  ]);
  await applyMoves(db, orgId, source.site_key, moves);
  await db.prepare("DELETE FROM insights_topic_days WHERE org_id = ? AND topic_id = ?").bind(orgId, source.id).run();
  return topicRecord(await getTopic(db, orgId, target.id));
}

/** Deletes an owner's or a model's topic; its questions are placed again among the others. */
export async function deleteTopic(db: D1Database, orgId: string, id: string): Promise<void> {
  const topic = await getTopic(db, orgId, id);
  if (topic.origin === "auto") throw new ApiError(409, "automatic_topic", "an automatic topic cannot be deleted: merge it into another, or regroup the site");
  const others = (await siteTopics(db, orgId, topic.site_key)).filter((t) => t.id !== id && t.merged_into !== id).map(seedOf);
  const index = new TermIndex(others);
  const mine = (await siteSignatures(db, orgId, topic.site_key)).filter((s) => s.topic_id === id);
  const moves: Move[] = [];
  const created: { id: string; name: string; terms: string[] }[] = [];
  for (const s of mine) {
    const terms = termsOfKey(s.signature);
    let to = place(terms, others, index);
    if (!to) {
      to = topicIdOf(orgId, topic.site_key, s.signature);
      const seed: TopicSeed = { id: to, terms, keywords: [], fixed: false, mergedInto: null };
      others.push(seed);
      index.add(seed);
      created.push({ id: to, name: nameOf(terms, signatureOf(s.sample).surfaces), terms });
    }
    moves.push({ signature: s.signature, from: id, to, placedBy: "auto" });
  }
  await insertAutoTopics(db, orgId, topic.site_key, created);
  await db.batch([
    db.prepare("UPDATE insights_topics SET merged_into = NULL WHERE merged_into = ? AND org_id = ?").bind(id, orgId),
    db.prepare("DELETE FROM insights_topics WHERE id = ? AND org_id = ?").bind(id, orgId),
  ]);
  await applyMoves(db, orgId, topic.site_key, moves);
  await db.prepare("DELETE FROM insights_topic_days WHERE org_id = ? AND topic_id = ?").bind(orgId, id).run();
}

async function insertAutoTopics(db: D1Database, orgId: string, siteKey: string, topics: { id: string; name: string; terms: string[] }[]): Promise<void> {
  for (let i = 0; i < topics.length; i += CHUNK) {
    await db
      .prepare(
        `INSERT OR IGNORE INTO insights_topics (id, org_id, site_key, name, terms, origin)
         SELECT json_extract(value, '$.id'), ?1, ?2, json_extract(value, '$.name'), json_extract(value, '$.terms'), 'auto' FROM json_each(?3)`,
      )
      .bind(orgId, siteKey, JSON.stringify(topics.slice(i, i + CHUNK).map((t) => ({ id: t.id, name: t.name, terms: JSON.stringify(t.terms) }))))
      .run();
  }
}

/** The deterministic offline regrouping of a site (see clustering.ts `cluster`). */
async function regroupOffline(db: D1Database, orgId: string, siteKey: string): Promise<{ signatures: number; moved: number }> {
  const topics = await siteTopics(db, orgId, siteKey);
  // What the owner made or touched, and what a model made, stays; automatic topics are found again.
  const kept = topics.filter((t) => ownerTouched(t) || t.origin === "model").map((t) => ({ ...seedOf(t), fixed: true }));
  const signatures = await siteSignatures(db, orgId, siteKey);
  const placedByHand = signatures.filter((s) => s.placed_by !== "auto" && s.topic_id && kept.some((k) => k.id === s.topic_id));
  const free = signatures.filter((s) => !placedByHand.includes(s));
  const grouping = cluster(
    free.map((s) => ({ key: s.signature, terms: termsOfKey(s.signature), questions: s.questions })),
    kept,
    (leader) => topicIdOf(orgId, siteKey, leader),
  );
  const samples = new Map(free.map((s) => [s.signature, s.sample]));
  await insertAutoTopics(
    db,
    orgId,
    siteKey,
    grouping.created.map((c) => ({ id: c.id, terms: c.terms, name: nameOf(c.terms, signatureOf(samples.get(c.leader) ?? "").surfaces) })),
  );
  const moves: Move[] = [];
  for (const s of free) {
    const to = grouping.assignments.get(s.signature);
    if (to && to !== s.topic_id) moves.push({ signature: s.signature, from: s.topic_id, to, placedBy: "auto" });
  }
  await applyMoves(db, orgId, siteKey, moves);
  await dropEmptyAutoTopics(db, orgId, siteKey);
  return { signatures: signatures.length, moved: moves.length };
}

const NAMER = [
  "You organise the questions visitors ask a website's support assistant into topics.",
  "You get the current topic list (id and name; names marked (auto) were made from keywords and may be renamed) and the most asked questions.",
  "Place each question in the topic it belongs to, by id; if none fits, give a short new topic name (2–4 words). Give a better name (2–4 words) to each (auto) topic you can.",
  'Reply with JSON only: {"placements": [{"n": <question number>, "topic": "<topic id>"} or {"n": <question number>, "newTopic": "<name>"}], "names": [{"id": "<topic id>", "name": "<name>"}]}',
].join("\n");

/** How many questions the model is shown at once, and topics. */
const MODEL_QUESTIONS = 120;
const MODEL_TOPICS = 80;

async function regroupWithModel(env: Env, orgId: string, siteKey: string): Promise<RegroupResponse["model"]> {
  const model = await insightsModel(env, orgId);
  if (!model) return null;
  const db = env.DB;
  const topics = (await siteTopics(db, orgId, siteKey)).filter((t) => !t.merged_into);
  const signatures = await siteSignatures(db, orgId, siteKey);
  const load = new Map<string, number>();
  for (const s of signatures) if (s.topic_id) load.set(s.topic_id, (load.get(s.topic_id) ?? 0) + s.questions);
  const shown = [...topics].sort((a, b) => Number(ownerTouched(b)) - Number(ownerTouched(a)) || (load.get(b.id) ?? 0) - (load.get(a.id) ?? 0)).slice(0, MODEL_TOPICS);
  const questions = signatures.filter((s) => s.placed_by === "auto").sort((a, b) => b.questions - a.questions || (a.signature < b.signature ? -1 : 1)).slice(0, MODEL_QUESTIONS);
  if (!questions.length && !shown.some((t) => t.named_by === "auto")) return { name: model.name, placed: 0, named: 0 };
  const list = shown.map((t) => ({ id: t.id, name: t.named_by === "auto" ? `${t.name} (auto)` : t.name }));
  const asked = questions.map((q, i) => ({ n: i + 1, q: q.sample, asked: q.questions }));
  const answer = jsonIn(await model.ask(NAMER, `Topics:\n${JSON.stringify(list)}\n\nQuestions:\n${JSON.stringify(asked)}`, { maxTokens: 4000, timeoutMs: 60_000 })) as {
    placements?: { n?: unknown; topic?: unknown; newTopic?: unknown }[];
    names?: { id?: unknown; name?: unknown }[];
  } | null;
  if (!answer) return { name: model.name, placed: 0, named: 0 };
  const known = new Map(topics.map((t) => [t.id, t]));
  const seeds = topics.map(seedOf);
  const moves: Move[] = [];
  const created = new Map<string, { id: string; name: string; terms: string[] }>();
  for (const p of Array.isArray(answer.placements) ? answer.placements : []) {
    const q = typeof p.n === "number" ? questions[p.n - 1] : undefined;
    if (!q) continue;
    let to: string | null = null;
    if (typeof p.topic === "string" && known.has(p.topic)) to = resolveMerges(p.topic, seeds);
    else if (typeof p.newTopic === "string" && p.newTopic.trim()) {
      const name = p.newTopic.trim().slice(0, 80);
      const id = topicIdOf(orgId, siteKey, `model:${name.toLowerCase()}`);
      if (!created.has(id) && !known.has(id)) created.set(id, { id, name, terms: termsOfKey(q.signature) });
      to = id;
    }
    if (to && to !== q.topic_id) moves.push({ signature: q.signature, from: q.topic_id, to, placedBy: "model" });
  }
  if (created.size) {
    await db.batch(
      [...created.values()].map((t) =>
        db
          .prepare("INSERT OR IGNORE INTO insights_topics (id, org_id, site_key, name, terms, origin, named_by) VALUES (?, ?, ?, ?, ?, 'model', 'model')")
          .bind(t.id, orgId, siteKey, t.name, JSON.stringify(t.terms)),
      ),
    );
  }
  await applyMoves(db, orgId, siteKey, moves);
  let named = 0;
  const renames = (Array.isArray(answer.names) ? answer.names : []).filter(
    (r): r is { id: string; name: string } => typeof r.id === "string" && typeof r.name === "string" && !!r.name.trim() && known.get(r.id)?.named_by === "auto",
  );
  if (renames.length) {
    await db.batch(
      renames.map((r) =>
        db
          .prepare("UPDATE insights_topics SET name = ?, named_by = 'model', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND org_id = ? AND named_by = 'auto'")
          .bind(r.name.trim().replace(/\s*\(auto\)$/i, "").slice(0, 80), r.id, orgId),
      ),
    );
    named = renames.length;
  }
  await dropEmptyAutoTopics(db, orgId, siteKey);
  return { name: model.name, placed: moves.length, named };
}

export async function regroup(env: Env, orgId: string, siteKey: string): Promise<RegroupResponse> {
  const offline = await regroupOffline(env.DB, orgId, siteKey);
  const model = await regroupWithModel(env, orgId, siteKey);
  const [count] = (
    await env.DB.prepare("SELECT COUNT(*) AS n FROM insights_topics WHERE org_id = ? AND site_key = ? AND merged_into IS NULL").bind(orgId, siteKey).all<{ n: number }>()
  ).results;
  return { site: siteKey, signatures: offline.signatures, topics: Number(count?.n ?? 0), moved: offline.moved + (model?.placed ?? 0), model };
}
