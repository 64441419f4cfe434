/**
 * A visitor's contact details, kept for a follow-up (D1 `leads`): from the widget's forms,
 * an agent's `capture_lead`, or the identity the site gave when nobody can answer now.
 * Each lead is scored here, where the transcript is (insights/lead-intent.ts); a model's
 * reading of the visitor's intent follows in the background where the org has one.
 */
import type { LeadRequest } from "../durable/rpc";
import { randomId } from "../ids";
import { readIntentWithModel, scoreCapturedLead } from "../insights/lead-intent";
import type { ConversationState } from "./state";

/** The visitor's recent messages: what the intent of a lead is read from. */
const INTENT_MESSAGES = 60;

export async function storeLead(c: ConversationState, lead: LeadRequest): Promise<string> {
  const meta = c.requireMeta();
  const id = randomId("lead_", 12);
  const visitorText = c.transcript
    .recent(c.transcript.lastSeq(), INTENT_MESSAGES)
    .filter((m) => m.role === "user")
    .map((m) => m.text);
  const captured = { identity: meta.identity, name: lead.name, email: lead.email, note: lead.note, pageUrl: meta.pageUrl, visitorText };
  const scored = scoreCapturedLead(captured);
  await c.env.DB.prepare(
    "INSERT INTO leads (id, org_id, site_key, conversation_id, name, email, note, source, score, score_reasons, intent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  )
    .bind(id, meta.orgId, meta.siteKey, meta.conversationId, lead.name ?? null, lead.email, lead.note ?? null, lead.source ?? `agent:${lead.agentId}`, scored.score, JSON.stringify(scored.reasons), scored.intent)
    .run();
  c.ctx.waitUntil(readIntentWithModel(c.env, meta.orgId, id, captured, scored.signals).catch((e: unknown) => console.error("lead intent not read", e)));
  return id;
}
