/**
 * From a content gap to a fix that stays fixed: one call makes a knowledge draft — a
 * document nobody can search until it is published, its first text what staff answered when
 * the bot could not — and adds the gap's question to the site's eval set, expecting the
 * answer to cite the new document from then on (`npm run eval -- --site-set`).
 *
 * Drafts live in their own table (not in knowledge_documents), so search never sees them;
 * publishing ingests the draft into its collection like any document (knowledge/store.ts)
 * under the source `draft:<id>`, so publishing an edited draft again replaces it.
 */
import type { Draft, EvalCase } from "../../shared/insights";
import type { Env } from "../env";
import { ApiError, notFound } from "../http/errors";
import { randomId } from "../ids";
import { ingestDocument } from "../knowledge/store";
import { gapTurnsWithReplies } from "./read-gaps";
import { siteCollections } from "./read-sources";
import { getTopic } from "./topic-edits";

interface DraftRow {
  id: string;
  org_id: string;
  site_key: string;
  collection_id: string;
  title: string;
  text: string;
  topic_id: string | null;
  question: string | null;
  status: "draft" | "published";
  document_id: string | null;
  created_at: string;
  updated_at: string;
  published_at: string | null;
}

interface CaseRow {
  id: string;
  site_key: string;
  question: string;
  expect: EvalCase["expect"];
  sources: string;
  contains: string;
  note: string | null;
  origin: "owner" | "gap";
  topic_id: string | null;
  draft_id: string | null;
  created_at: string;
}

export const draftOf = (r: DraftRow): Draft => ({
  id: r.id,
  siteKey: r.site_key,
  collectionId: r.collection_id,
  title: r.title,
  text: r.text,
  topicId: r.topic_id,
  question: r.question,
  status: r.status,
  documentId: r.document_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  publishedAt: r.published_at,
});

export const evalCaseOf = (r: CaseRow): EvalCase => ({
  id: r.id,
  siteKey: r.site_key,
  question: r.question,
  expect: r.expect,
  sources: JSON.parse(r.sources) as string[],
  contains: JSON.parse(r.contains) as string[],
  note: r.note,
  origin: r.origin,
  topicId: r.topic_id,
  draftId: r.draft_id,
  createdAt: r.created_at,
});

export async function getDraft(db: D1Database, orgId: string, id: string): Promise<DraftRow> {
  const row = await db.prepare("SELECT * FROM knowledge_drafts WHERE id = ? AND org_id = ?").bind(id, orgId).first<DraftRow>();
  if (!row) throw notFound("draft");
  return row;
}

export async function listDrafts(db: D1Database, orgId: string, site: string | null, status: string | null): Promise<Draft[]> {
  const rows = await db
    .prepare("SELECT * FROM knowledge_drafts WHERE org_id = ?1 AND (?2 IS NULL OR site_key = ?2) AND (?3 IS NULL OR status = ?3) ORDER BY created_at DESC LIMIT 500")
    .bind(orgId, site, status)
    .all<DraftRow>();
  return rows.results.map(draftOf);
}

export async function gapToDraft(
  env: Env,
  orgId: string,
  topicId: string,
  body: { turnId?: string | undefined; collection?: string | undefined; title?: string | undefined; expect: "answer" | "handoff" | "abstain" | "answer-or-abstain" },
): Promise<{ draft: Draft; evalCase: EvalCase }> {
  const db = env.DB;
  const topic = await getTopic(db, orgId, topicId);
  const turns = await gapTurnsWithReplies(db, orgId, topic, body.turnId);
  if (body.turnId && !turns.length) throw notFound("turn");
  // The most recent question a person answered, else the most recent one.
  const pick = turns.find((t) => t.reply) ?? turns[0];
  if (!pick) throw new ApiError(409, "no_gap", "this topic has no badly answered question to draft from");
  const collection = body.collection ?? (await siteCollections(env, orgId, topic.site_key))[0];
  if (!collection) throw new ApiError(409, "no_collection", "the site's agents search no knowledge collection: name one in `collection`");
  const id = randomId("drf_", 12);
  const title = body.title ?? pick.question.replace(/\s+/g, " ").trim().slice(0, 120);
  await db
    .prepare("INSERT INTO knowledge_drafts (id, org_id, site_key, collection_id, title, text, topic_id, question) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .bind(id, orgId, topic.site_key, collection, title, pick.reply ?? "", topic.id, pick.question)
    .run();
  // Once published, the answer must cite the draft's document (by its title).
  const evalCase = await addEvalCase(db, orgId, topic.site_key, {
    question: pick.question,
    expect: body.expect,
    sources: body.expect === "answer" ? [title] : [],
    contains: [],
    note: `From the content gap "${topic.name}"`,
    origin: "gap",
    topicId: topic.id,
    draftId: id,
  });
  return { draft: draftOf(await getDraft(db, orgId, id)), evalCase };
}

export async function updateDraft(db: D1Database, orgId: string, id: string, patch: { title?: string | undefined; text?: string | undefined; collection?: string | undefined }): Promise<Draft> {
  await getDraft(db, orgId, id);
  await db
    .prepare(
      `UPDATE knowledge_drafts SET title = COALESCE(?3, title), text = COALESCE(?4, text), collection_id = COALESCE(?5, collection_id),
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1 AND org_id = ?2`,
    )
    .bind(id, orgId, patch.title ?? null, patch.text ?? null, patch.collection ?? null)
    .run();
  return draftOf(await getDraft(db, orgId, id));
}

/** Makes the draft a searchable document of its collection (again, after an edit). */
export async function publishDraft(db: D1Database, orgId: string, id: string): Promise<Draft> {
  const draft = await getDraft(db, orgId, id);
  if (!draft.text.trim()) throw new ApiError(409, "empty_draft", "write the draft's text before publishing it");
  const doc = await ingestDocument(db, { orgId, collectionId: draft.collection_id, source: `draft:${draft.id}`, title: draft.title, text: draft.text });
  await db
    .prepare(
      `UPDATE knowledge_drafts SET status = 'published', document_id = ?3, published_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1 AND org_id = ?2`,
    )
    .bind(id, orgId, doc.id)
    .run();
  return draftOf(await getDraft(db, orgId, id));
}

export async function deleteDraft(db: D1Database, orgId: string, id: string): Promise<void> {
  const draft = await getDraft(db, orgId, id);
  if (draft.status === "published") throw new ApiError(409, "published", "a published draft is a document now: delete the document instead");
  await db.prepare("DELETE FROM knowledge_drafts WHERE id = ? AND org_id = ?").bind(id, orgId).run();
}

// ---- eval cases ---------------------------------------------------------------------------------

export async function listEvalCases(db: D1Database, orgId: string, siteKey: string): Promise<EvalCase[]> {
  const rows = await db.prepare("SELECT * FROM eval_cases WHERE org_id = ? AND site_key = ? ORDER BY created_at, id").bind(orgId, siteKey).all<CaseRow>();
  return rows.results.map(evalCaseOf);
}

/** Adds a question to a site's eval set; the same question again updates its case. */
export async function addEvalCase(
  db: D1Database,
  orgId: string,
  siteKey: string,
  c: { question: string; expect: EvalCase["expect"]; sources: string[]; contains: string[]; note?: string | undefined; origin?: "owner" | "gap"; topicId?: string | null; draftId?: string | null },
): Promise<EvalCase> {
  const row = await db
    .prepare(
      `INSERT INTO eval_cases (id, org_id, site_key, question, expect, sources, contains, note, origin, topic_id, draft_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
       ON CONFLICT (org_id, site_key, question) DO UPDATE SET expect = excluded.expect, sources = excluded.sources, contains = excluded.contains,
         note = excluded.note, origin = excluded.origin, topic_id = COALESCE(excluded.topic_id, eval_cases.topic_id), draft_id = COALESCE(excluded.draft_id, eval_cases.draft_id)
       RETURNING *`,
    )
    .bind(randomId("evc_", 12), orgId, siteKey, c.question, c.expect, JSON.stringify(c.sources), JSON.stringify(c.contains), c.note ?? null, c.origin ?? "owner", c.topicId ?? null, c.draftId ?? null)
    .first<CaseRow>();
  if (!row) throw new Error("eval case not stored");
  return evalCaseOf(row);
}

export async function deleteEvalCase(db: D1Database, orgId: string, siteKey: string, id: string): Promise<boolean> {
  const result = await db.prepare("DELETE FROM eval_cases WHERE id = ? AND org_id = ? AND site_key = ?").bind(id, orgId, siteKey).run();
  return (result.meta.changes ?? 0) > 0;
}
