/**
 * Scoring a lead where it is captured (the conversation's object calls this with what it
 * knows), and — where the org has a model — the model's reading of the visitor's intent,
 * which replaces the offline one on the lead's row once it answers.
 */
import type { LeadReason } from "../../shared/insights";
import type { Env } from "../env";
import { type Intent, intentOf, type LeadSignals, scoreLead } from "./lead-score";
import { insightsModel, jsonIn } from "./model";

export interface CapturedLead {
  identity: { verified: boolean } | undefined;
  name?: string | undefined;
  email: string;
  note?: string | undefined;
  pageUrl?: string | undefined;
  /** What the visitor wrote in the conversation, oldest first. */
  visitorText: string[];
}

export interface LeadScore {
  score: number;
  reasons: LeadReason[];
  intent: Intent;
  signals: LeadSignals;
}

export function scoreCapturedLead(lead: CapturedLead): LeadScore {
  const { intent, words } = intentOf(lead.visitorText);
  const signals: LeadSignals = {
    identity: lead.identity ? (lead.identity.verified ? "verified" : "unverified") : "none",
    name: !!lead.name?.trim(),
    email: !!lead.email,
    note: !!lead.note?.trim(),
    pages: lead.pageUrl ? [lead.pageUrl] : [],
    intent,
    intentDetail: words.slice(0, 5).join(", "),
  };
  return { ...scoreLead(signals), intent, signals };
}

const READER = [
  "You read a website visitor's messages to a support assistant and judge their buying intent.",
  "high: wants to buy, a demo, a quote, a trial or to talk to sales; medium: weighing prices, plans or upgrades; low: a product or support question; none: nothing to go on.",
  'Reply with JSON only: {"intent": "high" | "medium" | "low" | "none", "reason": "<a few words>"}',
].join("\n");

/** With a model configured: its reading of the intent, written over the offline one. */
export async function readIntentWithModel(env: Env, orgId: string, leadId: string, lead: CapturedLead, signals: LeadSignals): Promise<void> {
  const model = await insightsModel(env, orgId);
  if (!model || !lead.visitorText.length) return;
  const answer = jsonIn(await model.ask(READER, lead.visitorText.join("\n").slice(-6_000), { maxTokens: 120 })) as { intent?: unknown; reason?: unknown } | null;
  const intent = answer?.intent;
  if (intent !== "high" && intent !== "medium" && intent !== "low" && intent !== "none") return;
  const reason = typeof answer?.reason === "string" ? answer.reason.slice(0, 160) : "";
  const { score, reasons } = scoreLead({ ...signals, intent, intentDetail: `${model.name}: ${reason}`.trim() });
  await env.DB.prepare("UPDATE leads SET score = ?, score_reasons = ?, intent = ? WHERE id = ? AND org_id = ?")
    .bind(score, JSON.stringify(reasons), intent, leadId, orgId)
    .run();
}
