/**
 * The insights API, writing (scope `insights:write`): the owner's topic list (create, rename,
 * pin, keywords, merge, delete, regroup), a content gap turned into a knowledge draft and an
 * eval case in one call, drafts (edit, publish — which also needs `knowledge:write` — and
 * delete), each site's eval set, the org's insights settings, and rebuilding a site's
 * insights from its facts.
 */
import { z } from "zod";
import {
  Draft,
  DraftPatch,
  EvalCase,
  EvalCaseBody,
  EvalCasesResponse,
  GapDraftBody,
  GapDraftResponse,
  InsightsSettings,
  RegroupBody,
  RegroupResponse,
  TopicCreate,
  TopicMerge,
  TopicPatch,
  TopicRecord,
} from "../../../shared/insights";
import { requireAdmin } from "../../auth/admin";
import { notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { Ids } from "../../http/params";
import { addEvalCase, deleteDraft, deleteEvalCase, draftOf, gapToDraft, getDraft, listDrafts, listEvalCases, publishDraft, updateDraft } from "../../insights/drafts";
import { rebuildSite } from "../../insights/rebuild";
import { getInsightsSettings, putInsightsSettings } from "../../insights/settings";
import { siteTopics } from "../../insights/topic-store";
import { createTopic, deleteTopic, getTopic, mergeTopics, patchTopic, regroup, topicRecord } from "../../insights/topic-edits";
import { ORG, ORG_PARAMS, orgAccess } from "./common";
import { INSIGHTS, TopicId } from "./insights";

const DraftId = z.string().max(80).regex(/^drf_[A-Za-z0-9_-]{1,64}$/, "a draft id (drf_…)");
const CaseId = z.string().max(80).regex(/^evc_[A-Za-z0-9_-]{1,64}$/, "an eval case id (evc_…)");
const TOPIC = { ...ORG_PARAMS, topicId: TopicId };
const DRAFT = { ...ORG_PARAMS, draftId: DraftId };
const SITE = { ...ORG_PARAMS, siteKey: Ids.siteKey };

const write = { tag: "insights", auth: "admin" as const };

async function siteOfOrg(db: D1Database, orgId: string, siteKey: string): Promise<void> {
  const site = await db.prepare("SELECT 1 AS x FROM sites WHERE key = ? AND org_id = ?").bind(siteKey, orgId).first();
  if (!site) throw notFound("site");
}

export function insightsEditsAdmin(api: ApiRoutes): void {
  // ---- topics ----
  api.add(
    { ...write, method: "get", path: `${INSIGHTS}/topic-list`, operationId: "listInsightsTopics", summary: "The topic list of a site as stored (names, origins, pins, keywords, merges)", params: ORG_PARAMS, query: z.object({ site: Ids.siteKey }), response: z.object({ topics: z.array(TopicRecord) }) },
    async (c, { query, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "read");
      await siteOfOrg(c.env.DB, orgId, query.site);
      return reply({ topics: (await siteTopics(c.env.DB, orgId, query.site)).map(topicRecord) });
    },
  );

  api.add(
    { ...write, method: "post", path: `${INSIGHTS}/topics`, operationId: "createInsightsTopic", summary: "Add a topic of the owner's: questions with one of its keywords go in it, now and later", params: ORG_PARAMS, body: TopicCreate, response: TopicRecord, status: 201, jsonOnly: true },
    async (c, { body, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "write");
      return reply(await createTopic(c.env.DB, orgId, body));
    },
  );

  api.add(
    { ...write, method: "patch", path: `${INSIGHTS}/topics/{topicId}`, operationId: "updateInsightsTopic", summary: "Rename a topic (no model renames it after that), pin it, or set its keywords", params: TOPIC, body: TopicPatch, response: TopicRecord, jsonOnly: true, errors: [409] },
    async (c, { body, params, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "write");
      return reply(await patchTopic(c.env.DB, orgId, params.topicId, body));
    },
  );

  api.add(
    { ...write, method: "post", path: `${INSIGHTS}/topics/{topicId}/merge`, operationId: "mergeInsightsTopic", summary: "Merge a topic into another of the same site: its questions move, and what would match it goes to the other from then on", params: TOPIC, body: TopicMerge, response: TopicRecord, jsonOnly: true, errors: [409] },
    async (c, { body, params, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "write");
      return reply(await mergeTopics(c.env.DB, orgId, params.topicId, body.into));
    },
  );

  api.add(
    { ...write, method: "delete", path: `${INSIGHTS}/topics/{topicId}`, operationId: "deleteInsightsTopic", summary: "Delete an owner's or a model's topic; its questions are placed again", params: TOPIC, response: z.object({ deleted: z.boolean() }), errors: [409] },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "write");
      await deleteTopic(c.env.DB, orgId, params.topicId);
      return reply({ deleted: true });
    },
  );

  api.add(
    { ...write, method: "post", path: `${INSIGHTS}/topics/regroup`, operationId: "regroupInsightsTopics", summary: "Group a site's questions again (deterministic, keeping the owner's edits); with a model configured, it names topics and places questions", params: ORG_PARAMS, body: RegroupBody, response: RegroupResponse, jsonOnly: true },
    async (c, { body, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "write");
      await siteOfOrg(c.env.DB, orgId, body.site);
      return reply(await regroup(c.env, orgId, body.site));
    },
  );

  // ---- gaps → drafts and eval cases ----
  api.add(
    { ...write, method: "post", path: `${INSIGHTS}/gaps/{topicId}/draft`, operationId: "draftFromGap", summary: "Turn a content gap into a knowledge draft (the staff's answer as its text) and an eval case for its question", params: TOPIC, body: GapDraftBody, response: GapDraftResponse, status: 201, jsonOnly: true, errors: [409] },
    async (c, { body, params, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "write");
      await getTopic(c.env.DB, orgId, params.topicId);
      return reply(await gapToDraft(c.env, orgId, params.topicId, body));
    },
  );

  api.add(
    { ...write, method: "get", path: `${INSIGHTS}/drafts`, operationId: "listKnowledgeDrafts", summary: "Knowledge drafts (not searchable until published)", params: ORG_PARAMS, query: z.object({ site: Ids.siteKey.optional(), status: z.enum(["draft", "published"]).optional() }), response: z.object({ drafts: z.array(Draft) }) },
    async (c, { query, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "read");
      return reply({ drafts: await listDrafts(c.env.DB, orgId, query.site ?? null, query.status ?? null) });
    },
  );

  api.add(
    { ...write, method: "get", path: `${INSIGHTS}/drafts/{draftId}`, operationId: "getKnowledgeDraft", summary: "A knowledge draft", params: DRAFT, response: Draft },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "read");
      return reply(draftOf(await getDraft(c.env.DB, orgId, params.draftId)));
    },
  );

  api.add(
    { ...write, method: "patch", path: `${INSIGHTS}/drafts/{draftId}`, operationId: "updateKnowledgeDraft", summary: "Edit a draft's title, text or collection", params: DRAFT, body: DraftPatch, response: Draft, jsonOnly: true },
    async (c, { body, params, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "write");
      return reply(await updateDraft(c.env.DB, orgId, params.draftId, body));
    },
  );

  api.add(
    { ...write, method: "post", path: `${INSIGHTS}/drafts/{draftId}/publish`, operationId: "publishKnowledgeDraft", summary: "Publish a draft: it becomes a searchable document of its collection (needs knowledge:write too)", params: DRAFT, response: Draft, errors: [409] },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "write");
      await requireAdmin(c, { resource: "knowledge", action: "write", orgId });
      return reply(await publishDraft(c.env.DB, orgId, params.draftId));
    },
  );

  api.add(
    { ...write, method: "delete", path: `${INSIGHTS}/drafts/{draftId}`, operationId: "deleteKnowledgeDraft", summary: "Delete a draft that was not published", params: DRAFT, response: z.object({ deleted: z.boolean() }), errors: [409] },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "write");
      await deleteDraft(c.env.DB, orgId, params.draftId);
      return reply({ deleted: true });
    },
  );

  // ---- a site's eval set ----
  api.add(
    { ...write, method: "get", path: `${ORG}/sites/{siteKey}/eval-cases`, operationId: "listEvalCases", summary: "The site's eval set (what `npm run eval -- --site-set` asks)", params: SITE, response: EvalCasesResponse },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "read");
      await siteOfOrg(c.env.DB, orgId, params.siteKey);
      return reply({ site: params.siteKey, org: orgId, cases: await listEvalCases(c.env.DB, orgId, params.siteKey) });
    },
  );

  api.add(
    { ...write, method: "post", path: `${ORG}/sites/{siteKey}/eval-cases`, operationId: "addEvalCase", summary: "Add a question to the site's eval set with the behaviour expected (the same question again updates it)", params: SITE, body: EvalCaseBody, response: EvalCase, status: 201, jsonOnly: true },
    async (c, { body, params, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "write");
      await siteOfOrg(c.env.DB, orgId, params.siteKey);
      return reply(await addEvalCase(c.env.DB, orgId, params.siteKey, body));
    },
  );

  api.add(
    { ...write, method: "delete", path: `${ORG}/sites/{siteKey}/eval-cases/{caseId}`, operationId: "deleteEvalCase", summary: "Remove a question from the site's eval set", params: { ...SITE, caseId: CaseId }, response: z.object({ deleted: z.boolean() }) },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "write");
      if (!(await deleteEvalCase(c.env.DB, orgId, params.siteKey, params.caseId))) throw notFound("eval case");
      return reply({ deleted: true });
    },
  );

  // ---- settings and rebuilding ----
  api.add(
    { ...write, method: "get", path: `${INSIGHTS}/settings`, operationId: "getInsightsSettings", summary: "The org's insights settings (model, grading, staleness, weak-match score, prices, digest)", params: ORG_PARAMS, response: InsightsSettings },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "insights", "read");
      return reply(await getInsightsSettings(c.env, orgId));
    },
  );

  api.add(
    { ...write, method: "put", path: `${INSIGHTS}/settings`, operationId: "putInsightsSettings", summary: "Replace the org's insights settings (omitted fields take their defaults)", params: ORG_PARAMS, body: InsightsSettings, response: InsightsSettings, jsonOnly: true },
    async (c, { body, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "write");
      return reply(await putInsightsSettings(c.env, orgId, body));
    },
  );

  api.add(
    { ...write, method: "post", path: `${INSIGHTS}/rebuild`, operationId: "rebuildInsights", summary: "Recompute a site's insights from its facts (turns stored before insights get their topics first)", params: ORG_PARAMS, body: RegroupBody, response: z.object({ site: z.string(), backfilled: z.number().int() }), jsonOnly: true },
    async (c, { body, reply }) => {
      const { orgId } = await orgAccess(c, "insights", "write");
      await siteOfOrg(c.env.DB, orgId, body.site);
      return reply({ site: body.site, ...(await rebuildSite(c.env, orgId, body.site)) });
    },
  );
}
