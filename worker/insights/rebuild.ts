/**
 * Rebuilding a site's insights from its facts: turns stored before insights existed get
 * their signature, topic, evidence and quality (what the consumer works out for new ones),
 * then every rollup of the site is recomputed (facts/rollups.ts, site scope). The hourly job
 * does this for the sites migration 0013 listed; `POST …/insights/rebuild` does it on demand.
 */
import type { Env } from "../env";
import { conversationDaysSql, conversationsSql, daysSql, delegationsSql, documentsSql, signatureCountsSql, topicDaysSql, usageSql } from "../facts/rollups";
import { FLAG, flagsOf } from "./evidence";
import { qualityScore, withinBudget } from "./quality";
import { getInsightsSettings } from "./settings";
import { signatureOf } from "./signature";
import { placementStatements } from "./topic-store";

const CHUNK = 500;

interface OldTurn {
  turn_id: string;
  question: string;
  outcome: string;
  reason: string | null;
  queries: string;
  retrieved: number;
  cited: number;
  tokens_in: number;
  tokens_out: number;
  day: string;
  grounded: number | null;
  grade: number | null;
  best: number | null;
}

/** Gives up to `limit` turns of the site that have no signature yet one; how many it did. */
export async function backfillTurns(env: Env, orgId: string, siteKey: string, limit = 20_000): Promise<number> {
  const db = env.DB;
  const settings = await getInsightsSettings(env, orgId);
  let done = 0;
  while (done < limit) {
    const turns = (
      await db
        .prepare(
          `SELECT t.turn_id, t.question, t.outcome, t.reason, t.queries, t.retrieved, t.cited, t.tokens_in, t.tokens_out, t.day, t.grounded, t.grade,
             (SELECT MIN(score) FROM turn_documents d WHERE d.turn_id = t.turn_id) AS best
           FROM turn_facts t WHERE t.org_id = ?1 AND t.site_key = ?2 AND t.signature IS NULL LIMIT ?3`,
        )
        .bind(orgId, siteKey, CHUNK)
        .all<OldTurn>()
    ).results;
    if (!turns.length) break;
    const rows = turns.map((t) => {
      const signature = signatureOf(t.question);
      const budget = withinBudget(t.tokens_in + t.tokens_out, t.reason, settings.answerTokenBudget);
      const queries = (JSON.parse(t.queries) as unknown[]).length;
      return {
        t: t.turn_id,
        sg: signature.key,
        signature,
        sample: t.question,
        day: t.day,
        fl: flagsOf({ outcome: t.outcome, queries, documents: t.retrieved, bestScore: t.best, repeated: false }, settings.weakScore),
        bs: t.best,
        wb: budget ? 1 : 0,
        // A turn stored before groundedness was measured has none, and so no quality score.
        qu: qualityScore({ outcome: t.outcome, cited: t.cited, grounded: t.grounded, grade: t.grade, withinBudget: budget }),
      };
    });
    const placements = await placementStatements(
      db,
      orgId,
      siteKey,
      rows.filter((r) => r.sg).map((r) => ({ key: r.sg, terms: r.signature.terms, surfaces: r.signature.surfaces, sample: r.sample, day: r.day })),
    );
    await db.batch([
      ...placements,
      db
        .prepare(
          // Evidence only later facts tell (a repeat, a handoff right after) is kept as it is.
          `UPDATE turn_facts SET signature = j.sg, flags = (turn_facts.flags & ${FLAG.repeated | FLAG.handoffAfter | FLAG.repeatedNext}) | j.fl, best_score = j.bs, within_budget = j.wb, quality = j.qu,
             topic_id = (SELECT g.topic_id FROM insights_signatures g WHERE g.org_id = ?1 AND g.site_key = ?2 AND g.signature = j.sg)
           FROM (SELECT json_extract(value, '$.t') AS t, json_extract(value, '$.sg') AS sg, json_extract(value, '$.fl') AS fl, json_extract(value, '$.bs') AS bs,
                   json_extract(value, '$.wb') AS wb, json_extract(value, '$.qu') AS qu FROM json_each(?3)) j
           WHERE turn_facts.turn_id = j.t`,
        )
        .bind(orgId, siteKey, JSON.stringify(rows.map(({ signature: _s, sample: _q, day: _d, ...r }) => r))),
    ]);
    done += turns.length;
  }
  return done;
}

/** Days a rebuild recomputes at once: no statement reads more than this many days of a site. */
const DAYS_AT_ONCE = 7;

/** Recomputes every rollup of a site from its facts, a week at a time. */
export async function rebuildRollups(env: Env, orgId: string, siteKey: string): Promise<void> {
  const db = env.DB;
  const site = (sql: string) => db.prepare(sql).bind(orgId, siteKey);
  await db.batch([
    site("DELETE FROM insights_days WHERE org_id = ?1 AND site_key = ?2"),
    site("DELETE FROM insights_usage_days WHERE org_id = ?1 AND site_key = ?2"),
    site("DELETE FROM insights_delegation_days WHERE org_id = ?1 AND site_key = ?2"),
    site("DELETE FROM insights_document_days WHERE org_id = ?1 AND site_key = ?2"),
    site("DELETE FROM insights_topic_days WHERE org_id = ?1 AND site_key = ?2"),
    site("DELETE FROM insights_conversation_days WHERE org_id = ?1 AND site_key = ?2"),
  ]);
  const days = (
    await db
      .prepare(
        `SELECT day FROM turn_facts WHERE org_id = ?1 AND site_key = ?2 GROUP BY day
         UNION SELECT day FROM conversation_events WHERE org_id = ?1 AND site_key = ?2 GROUP BY day ORDER BY day`,
      )
      .bind(orgId, siteKey)
      .all<{ day: string }>()
  ).results.map((r) => r.day);
  // Conversations first (their outcome rollup reads them), then everything else of those days.
  const statements = [daysSql("days"), usageSql("days"), delegationsSql("days"), documentsSql("days"), topicDaysSql("days"), conversationsSql("days"), ...conversationDaysSql("days")];
  for (let i = 0; i < days.length; i += DAYS_AT_ONCE) {
    const chunk = JSON.stringify(days.slice(i, i + DAYS_AT_ONCE));
    await db.batch(statements.map((sql) => db.prepare(sql).bind(orgId, siteKey, chunk)));
  }
  await site(signatureCountsSql("site")).run();
}

export async function rebuildSite(env: Env, orgId: string, siteKey: string): Promise<{ backfilled: number }> {
  const backfilled = await backfillTurns(env, orgId, siteKey, Number.POSITIVE_INFINITY);
  await rebuildRollups(env, orgId, siteKey);
  await env.DB.prepare("DELETE FROM insights_backfill WHERE org_id = ? AND site_key = ?").bind(orgId, siteKey).run();
  return { backfilled };
}

/** The hourly job: a few of the sites migration 0013 listed. */
export async function backfillJob(env: Env): Promise<void> {
  const sites = await env.DB.prepare("SELECT org_id, site_key FROM insights_backfill ORDER BY org_id, site_key LIMIT 5").all<{ org_id: string; site_key: string }>();
  for (const s of sites.results) await rebuildSite(env, s.org_id, s.site_key);
}
