/**
 * A visitor's contact details, kept for a follow-up (D1 `leads`): from the widget's forms,
 * an agent's `capture_lead`, or the identity the site gave when nobody can answer now.
 */
import type { LeadRequest } from "../durable/rpc";
import { randomId } from "../ids";
import type { ConversationState } from "./state";

export async function storeLead(c: ConversationState, lead: LeadRequest): Promise<string> {
  const meta = c.requireMeta();
  const id = randomId("lead_", 12);
  await c.env.DB.prepare("INSERT INTO leads (id, org_id, site_key, conversation_id, name, email, note, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .bind(id, meta.orgId, meta.siteKey, meta.conversationId, lead.name ?? null, lead.email, lead.note ?? null, lead.source ?? `agent:${lead.agentId}`)
    .run();
  return id;
}
