/**
 * The per-day rollups the insights API reads (migration 0013), kept by the FACTS consumer.
 *
 * Every rollup row is recomputed from the facts for the keys a batch touched, never
 * incremented: a batch delivered twice, a vote that arrives before its turn, a grade, a
 * handoff after an answer or a topic move all end in the same rows. A key is small by
 * design — a site's day (every agent and model of it), a topic's day, a document's day, a
 * conversation — so a recompute reads a day of one site at most.
 *
 * Each statement takes its key set as one JSON parameter (D1 allows 100 bound parameters and
 * counts statements per invocation: one statement per table per batch, whatever its size).
 * `scope: "days"` recomputes every key of some days of one site instead (`?1` = org, `?2` =
 * site, `?3` = JSON [day]): insights/rebuild.ts goes through a site a week at a time, so no
 * statement reads more than a week.
 */
import { FLAG, GAP_FLAGS, UNRESOLVED_FLAGS } from "../insights/evidence";
import { conversationClassSql } from "../insights/outcome";

export type Scope = "keys" | "days";

/** The days of a "days" scope. */
const DAYS = "(SELECT value FROM json_each(?3))";

/** Site-days: `?1` = JSON [{o, s, d}] (keys), or the days of a site. */
function siteDays(scope: Scope): string {
  return scope === "keys"
    ? "SELECT DISTINCT json_extract(value, '$.o') AS o, json_extract(value, '$.s') AS s, json_extract(value, '$.d') AS d FROM json_each(?1)"
    : "SELECT DISTINCT ?1 AS o, ?2 AS s, value AS d FROM json_each(?3)";
}

/** insights_days: per site, day and answering agent. */
export function daysSql(scope: Scope): string {
  return `WITH k AS (${siteDays(scope)})
    INSERT OR REPLACE INTO insights_days (org_id, site_key, day, agent_id, turns, answered, abstained, handed_off, failed, tokens_in, tokens_out,
      cited_answers, grounded_sum, grounded_n, quality_sum, quality_n, graded, over_budget, first_delta_sum, first_delta_n, turn_ms_sum)
    SELECT t.org_id, t.site_key, t.day, COALESCE(t.answered_by, ''), COUNT(*),
      SUM(t.outcome = 'answered'), SUM(t.outcome = 'abstained'), SUM(t.outcome = 'handed_off'), SUM(t.outcome = 'failed'),
      SUM(t.tokens_in), SUM(t.tokens_out),
      SUM(t.outcome = 'answered' AND t.cited > 0),
      TOTAL(CASE WHEN t.outcome = 'answered' THEN t.grounded END), COUNT(CASE WHEN t.outcome = 'answered' THEN t.grounded END),
      TOTAL(t.quality), COUNT(t.quality), COUNT(t.grade),
      SUM(t.within_budget = 0),
      TOTAL(t.first_delta_ms), COUNT(t.first_delta_ms), SUM(t.turn_ms)
    FROM k JOIN turn_facts t ON t.org_id = k.o AND t.site_key = k.s AND t.day = k.d
    GROUP BY t.org_id, t.site_key, t.day, COALESCE(t.answered_by, '')`;
}

/** insights_usage_days: model calls and tokens per site, day, agent and model (from each turn's `usage`). */
export function usageSql(scope: Scope): string {
  return `WITH k AS (${siteDays(scope)})
    INSERT OR REPLACE INTO insights_usage_days (org_id, site_key, day, agent_id, model, turns, conversations, calls, tokens_in, tokens_out)
    SELECT t.org_id, t.site_key, t.day, json_extract(u.value, '$.agent'), json_extract(u.value, '$.model'),
      COUNT(DISTINCT t.turn_id), COUNT(DISTINCT t.conversation_id), SUM(json_extract(u.value, '$.calls')), SUM(json_extract(u.value, '$.tokensIn')), SUM(json_extract(u.value, '$.tokensOut'))
    FROM k JOIN turn_facts t ON t.org_id = k.o AND t.site_key = k.s AND t.day = k.d, json_each(t.usage) u
    GROUP BY t.org_id, t.site_key, t.day, json_extract(u.value, '$.agent'), json_extract(u.value, '$.model')`;
}

/** insights_delegation_days: per site, day and specialist — calls by how they ended, and fallbacks it needed. */
export function delegationsSql(scope: Scope): string {
  return `WITH k AS (${siteDays(scope)}),
    d AS (
      SELECT t.org_id AS o, t.site_key AS s, t.day AS d, json_extract(x.value, '$.agent') AS agent, json_extract(x.value, '$.status') AS status,
        json_extract(x.value, '$.fallbackFrom') AS fallback_from
      FROM k JOIN turn_facts t ON t.org_id = k.o AND t.site_key = k.s AND t.day = k.d, json_each(t.delegations) x
    ),
    x AS (
      SELECT o, s, d, agent, 1 AS calls, status = 'ok' AS ok, status = 'error' AS failures, status = 'timeout' AS timeouts,
        status = 'cancelled' AS cancelled, status IN ('refused', 'blocked') AS refused, 0 AS fallbacks FROM d
      UNION ALL SELECT o, s, d, fallback_from, 0, 0, 0, 0, 0, 0, 1 FROM d WHERE fallback_from IS NOT NULL
    )
    INSERT OR REPLACE INTO insights_delegation_days (org_id, site_key, day, agent_id, calls, ok, failures, timeouts, cancelled, refused, fallbacks)
    SELECT o, s, d, agent, SUM(calls), SUM(ok), SUM(failures), SUM(timeouts), SUM(cancelled), SUM(refused), SUM(fallbacks)
    FROM x GROUP BY o, s, d, agent`;
}

/**
 * insights_document_days: per site, document and day, how often it was retrieved and cited,
 * and the votes on the answers that cited it. Keys: `?1` = JSON [{o, s, doc, d}], and the
 * documents of the answers voted on in `?2` (JSON [replyMessageId]).
 */
export function documentsSql(scope: Scope): string {
  const keys =
    scope === "keys"
      ? `SELECT json_extract(value, '$.o') AS o, json_extract(value, '$.s') AS s, json_extract(value, '$.doc') AS doc, json_extract(value, '$.d') AS d FROM json_each(?1)
         UNION SELECT td.org_id, td.site_key, td.document_id, td.day FROM turn_facts t JOIN turn_documents td ON td.turn_id = t.turn_id
           WHERE t.reply_message_id IN (SELECT value FROM json_each(?2))`
      : `SELECT DISTINCT org_id AS o, site_key AS s, document_id AS doc, day AS d FROM turn_documents WHERE org_id = ?1 AND day IN ${DAYS} AND site_key = ?2`;
  return `WITH k AS (${keys})
    INSERT OR REPLACE INTO insights_document_days (org_id, site_key, document_id, day, retrieved, cited, up, down)
    SELECT k.o, k.s, k.doc, k.d, SUM(td.score IS NOT NULL), SUM(td.cited),
      SUM(td.cited = 1 AND COALESCE(f.rating, 0) = 1), SUM(td.cited = 1 AND COALESCE(f.rating, 0) = -1)
    FROM k JOIN turn_documents td ON td.document_id = k.doc AND td.day = k.d AND td.org_id = k.o AND td.site_key = k.s
      JOIN turn_facts t ON t.turn_id = td.turn_id
      LEFT JOIN feedback f ON f.conversation_id = t.conversation_id AND f.message_id = t.reply_message_id
    GROUP BY k.o, k.s, k.doc, k.d`;
}

/**
 * insights_topic_days: per topic and day. Keys: every (topic, day) of the turns of the
 * conversations in `?1` (JSON [conversationId]) — a vote, a handoff after an answer or a
 * repeat changes how an earlier turn of the conversation counts.
 */
export function topicDaysSql(scope: Scope | "topics"): string {
  const keys =
    scope === "keys"
      ? "SELECT DISTINCT org_id AS o, site_key AS s, topic_id AS topic, day AS d FROM turn_facts WHERE conversation_id IN (SELECT value FROM json_each(?1)) AND topic_id IS NOT NULL"
      : scope === "topics"
        ? // Every day of these topics of a site (`?3` = JSON [topicId]): after signatures moved between them.
          "SELECT DISTINCT org_id AS o, site_key AS s, topic_id AS topic, day AS d FROM turn_facts WHERE org_id = ?1 AND site_key = ?2 AND topic_id IN (SELECT value FROM json_each(?3))"
        : `SELECT DISTINCT org_id AS o, site_key AS s, topic_id AS topic, day AS d FROM turn_facts WHERE org_id = ?1 AND site_key = ?2 AND day IN ${DAYS} AND topic_id IS NOT NULL`;
  return `WITH k AS (${keys})
    INSERT OR REPLACE INTO insights_topic_days (org_id, site_key, topic_id, day, questions, answered, abstained, handed_off, failed, resolved, gaps,
      no_hit, weak, repeated, handoff_after, up, down)
    SELECT k.o, k.s, k.topic, k.d, COUNT(*),
      SUM(t.outcome = 'answered'), SUM(t.outcome = 'abstained'), SUM(t.outcome = 'handed_off'), SUM(t.outcome = 'failed'),
      SUM(t.outcome = 'answered' AND (t.flags & ${UNRESOLVED_FLAGS}) = 0 AND COALESCE(f.rating, 0) <> -1),
      SUM((t.flags & ${GAP_FLAGS}) <> 0 OR COALESCE(f.rating, 0) = -1),
      SUM((t.flags & ${FLAG.noHit}) <> 0), SUM((t.flags & ${FLAG.weak}) <> 0), SUM((t.flags & ${FLAG.repeated}) <> 0),
      SUM((t.flags & ${FLAG.handoffAfter}) <> 0), SUM(COALESCE(f.rating, 0) = 1), SUM(COALESCE(f.rating, 0) = -1)
    FROM k JOIN turn_facts t ON t.org_id = k.o AND t.site_key = k.s AND t.topic_id = k.topic AND t.day = k.d
      LEFT JOIN feedback f ON f.conversation_id = t.conversation_id AND f.message_id = t.reply_message_id
    GROUP BY k.o, k.s, k.topic, k.d`;
}

/** insights_signatures.questions for the signatures in `?1` (JSON [{o, s, sig}]), or (`"site"`) every signature of site `?2` of org `?1`. */
export function signatureCountsSql(scope: "keys" | "site"): string {
  const where =
    scope === "keys"
      ? "WHERE (org_id, site_key, signature) IN (SELECT json_extract(value, '$.o'), json_extract(value, '$.s'), json_extract(value, '$.sig') FROM json_each(?1))"
      : "WHERE org_id = ?1 AND site_key = ?2";
  return `UPDATE insights_signatures SET questions = (
      SELECT COUNT(*) FROM turn_facts t WHERE t.org_id = insights_signatures.org_id AND t.site_key = insights_signatures.site_key AND t.signature = insights_signatures.signature
    ) ${where}`;
}

/**
 * conversation_facts: one row per conversation, from its turns, status changes, staff
 * replies, votes and rating. Keys: `?1` = JSON [{c, o, s, st}] (st: when it started, as
 * far as the batch knows), or every conversation of a site.
 */
export function conversationsSql(scope: Scope): string {
  const keys =
    scope === "keys"
      ? "SELECT json_extract(value, '$.c') AS c, json_extract(value, '$.o') AS o, json_extract(value, '$.s') AS s, MIN(json_extract(value, '$.st')) AS st FROM json_each(?1) GROUP BY 1, 2, 3"
      : `SELECT conversation_id AS c, org_id AS o, site_key AS s, MIN(ended_at - turn_ms) AS st FROM turn_facts WHERE org_id = ?1 AND site_key = ?2 AND day IN ${DAYS} GROUP BY 1, 2, 3
         UNION ALL SELECT conversation_id, org_id, site_key, MIN(at) FROM conversation_events e WHERE org_id = ?1 AND day IN ${DAYS} AND site_key = ?2
           AND NOT EXISTS (SELECT 1 FROM turn_facts t WHERE t.conversation_id = e.conversation_id) GROUP BY 1, 2, 3`;
  return `WITH k0 AS (${keys}),
    k AS (SELECT k0.c, k0.o, k0.s, MIN(k0.st, COALESCE(cf.started_at, k0.st)) AS st FROM k0 LEFT JOIN conversation_facts cf ON cf.conversation_id = k0.c),
    tf AS (SELECT conversation_id AS c, COUNT(*) AS turns, SUM(outcome = 'answered') AS answered, SUM(tokens_in) AS ti, SUM(tokens_out) AS tout,
             MAX(ended_at) AS last_turn, MIN(ended_at - turn_ms) AS first_start
           FROM turn_facts WHERE conversation_id IN (SELECT c FROM k) GROUP BY conversation_id),
    ev AS (SELECT conversation_id AS c, MIN(CASE WHEN to_status IN ('waiting', 'human') THEN at END) AS handoff_at,
             MIN(CASE WHEN to_status = 'human' THEN at END) AS claimed_at, MAX(CASE WHEN to_status = 'resolved' THEN at END) AS resolved_at,
             MAX(at) AS last_event, MIN(at) AS first_event
           FROM conversation_events WHERE conversation_id IN (SELECT c FROM k) GROUP BY conversation_id),
    sr AS (SELECT conversation_id AS c, MIN(at) AS first_reply FROM staff_replies WHERE conversation_id IN (SELECT c FROM k) GROUP BY conversation_id),
    fb AS (SELECT conversation_id AS c, SUM(rating = 1) AS up, SUM(rating = -1) AS down FROM feedback WHERE conversation_id IN (SELECT c FROM k) GROUP BY conversation_id)
    INSERT OR REPLACE INTO conversation_facts (conversation_id, org_id, site_key, agent_id, day, started_at, last_at, turns, answered, last_outcome,
      tokens_in, tokens_out, handoff_at, handoff_reason, claimed_at, first_staff_reply_at, resolved_at, status, up, down, last_reply_vote, csat)
    SELECT k.c, k.o, k.s,
      (SELECT json_extract(t.agents, '$[0]') FROM turn_facts t WHERE t.conversation_id = k.c ORDER BY t.ended_at LIMIT 1),
      strftime('%Y-%m-%d', MIN(k.st, COALESCE(tf.first_start, k.st), COALESCE(ev.first_event, k.st)) / 1000, 'unixepoch'),
      MIN(k.st, COALESCE(tf.first_start, k.st), COALESCE(ev.first_event, k.st)),
      MAX(COALESCE(tf.last_turn, 0), COALESCE(ev.last_event, 0), k.st),
      COALESCE(tf.turns, 0), COALESCE(tf.answered, 0),
      (SELECT t.outcome FROM turn_facts t WHERE t.conversation_id = k.c ORDER BY t.ended_at DESC LIMIT 1),
      COALESCE(tf.ti, 0), COALESCE(tf.tout, 0),
      ev.handoff_at,
      (SELECT e.reason FROM conversation_events e WHERE e.conversation_id = k.c AND e.to_status IN ('waiting', 'human') ORDER BY e.at LIMIT 1),
      ev.claimed_at, sr.first_reply, ev.resolved_at,
      (SELECT e.to_status FROM conversation_events e WHERE e.conversation_id = k.c ORDER BY e.at DESC LIMIT 1),
      COALESCE(fb.up, 0), COALESCE(fb.down, 0),
      (SELECT f.rating FROM feedback f WHERE f.conversation_id = k.c
         AND f.message_id = (SELECT t.reply_message_id FROM turn_facts t WHERE t.conversation_id = k.c ORDER BY t.ended_at DESC LIMIT 1)),
      (SELECT rating FROM csat WHERE csat.conversation_id = k.c)
    FROM k LEFT JOIN tf ON tf.c = k.c LEFT JOIN ev ON ev.c = k.c LEFT JOIN sr ON sr.c = k.c LEFT JOIN fb ON fb.c = k.c`;
}

/**
 * insights_conversation_days: conversations per site, start day, agent, outcome class and
 * day of last activity (two statements: a class can change, so a key's rows are replaced).
 * Keys: the start days of the conversations in `?1` (JSON [{c}]), or every day of a site.
 */
export function conversationDaysSql(scope: Scope): [string, string] {
  const keys =
    scope === "keys"
      ? "SELECT DISTINCT org_id AS o, site_key AS s, day AS d FROM conversation_facts WHERE conversation_id IN (SELECT json_extract(value, '$.c') FROM json_each(?1))"
      : "SELECT DISTINCT ?1 AS o, ?2 AS s, value AS d FROM json_each(?3)";
  return [
    `WITH k AS (${keys}) DELETE FROM insights_conversation_days WHERE (org_id, site_key, day) IN (SELECT o, s, d FROM k)`,
    `WITH k AS (${keys})
      INSERT INTO insights_conversation_days (org_id, site_key, day, agent_id, class, last_day, conversations, with_turns, bot_answered, no_handoff)
      SELECT cf.org_id, cf.site_key, cf.day, COALESCE(cf.agent_id, ''), ${conversationClassSql("cf.")}, strftime('%Y-%m-%d', cf.last_at / 1000, 'unixepoch'),
        COUNT(*), SUM(cf.turns > 0), SUM(cf.answered > 0), SUM(cf.answered > 0 AND cf.handoff_at IS NULL)
      FROM k JOIN conversation_facts cf ON cf.org_id = k.o AND cf.site_key = k.s AND cf.day = k.d
      GROUP BY 1, 2, 3, 4, 5, 6`,
  ];
}
