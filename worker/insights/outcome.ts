/**
 * A conversation's outcome, read from its row in conversation_facts as of a time (`:asOf`,
 * epoch ms), because "assumed answered" means nobody asked for more within a day:
 *
 * - `handed_off`: it went to a person (a handoff or a claim) and a person replied or took it;
 * - `open`: too recent to tell (a wait, or an answer, within the last day);
 * - `abandoned`: asked for a person and nobody came, or the bot's last reply declined, was
 *   voted down, or never came — and the visitor left;
 * - `failed`: the bot's last turn failed (an error, the deadline, the budget);
 * - `answered_confirmed`: the bot answered last and the visitor said it helped (a thumbs-up
 *   and no thumbs-down, or a rating of 4 or 5);
 * - `answered_assumed`: the bot answered last, nobody voted it down, and a day passed with no
 *   further help asked.
 */
export const DAY_MS = 86_400_000;

/** The CASE expression; `t` is the alias of conversation_facts in the query (`cf.`), if any. */
export const outcomeSql = (t = "") => `CASE
    WHEN ${t}handoff_at IS NOT NULL AND (${t}first_staff_reply_at IS NOT NULL OR ${t}claimed_at IS NOT NULL) THEN 'handed_off'
    WHEN ${t}handoff_at IS NOT NULL AND ${t}last_at > :asOf - ${DAY_MS} THEN 'open'
    WHEN ${t}handoff_at IS NOT NULL THEN 'abandoned'
    WHEN ${t}last_outcome = 'failed' THEN 'failed'
    WHEN ${t}last_outcome = 'answered' AND (COALESCE(${t}csat, 0) >= 4 OR (${t}up > 0 AND ${t}down = 0)) THEN 'answered_confirmed'
    WHEN ${t}last_outcome = 'answered' AND COALESCE(${t}last_reply_vote, 0) <> -1 AND ${t}last_at <= :asOf - ${DAY_MS} THEN 'answered_assumed'
    WHEN ${t}last_at > :asOf - ${DAY_MS} THEN 'open'
    ELSE 'abandoned'
  END`;

export type OutcomeName = "handed_off" | "open" | "abandoned" | "failed" | "answered_confirmed" | "answered_assumed";

/**
 * The part of the outcome that does not depend on the time (what the daily rollup keeps):
 * `handed_off`, `waiting` (asked for a person, nobody came yet), `failed`, `confirmed`,
 * `answered` (the bot answered last, not voted down: assumed once a day passes) and
 * `unanswered` (the rest: abandoned once a day passes). `outcomeOfClass` finishes it.
 */
export const conversationClassSql = (t = "") => `CASE
    WHEN ${t}handoff_at IS NOT NULL AND (${t}first_staff_reply_at IS NOT NULL OR ${t}claimed_at IS NOT NULL) THEN 'handed_off'
    WHEN ${t}handoff_at IS NOT NULL THEN 'waiting'
    WHEN ${t}last_outcome = 'failed' THEN 'failed'
    WHEN ${t}last_outcome = 'answered' AND (COALESCE(${t}csat, 0) >= 4 OR (${t}up > 0 AND ${t}down = 0)) THEN 'confirmed'
    WHEN ${t}last_outcome = 'answered' AND COALESCE(${t}last_reply_vote, 0) <> -1 THEN 'answered'
    ELSE 'unanswered'
  END`;

/** A class of a conversation quiet for over a day, as its outcome. */
export function outcomeOfClass(cls: string): OutcomeName {
  switch (cls) {
    case "handed_off":
      return "handed_off";
    case "failed":
      return "failed";
    case "confirmed":
      return "answered_confirmed";
    case "answered":
      return "answered_assumed";
    default:
      return "abandoned";
  }
}
