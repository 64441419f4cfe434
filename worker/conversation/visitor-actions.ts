/**
 * What visitors (and the agents serving them) do to a conversation: start it, write to
 * it, say who they are, vote on a reply, ask for a person, leave their email.
 */
import type { StoredMessage } from "../../shared/protocol";
import type { CheckedIdentity } from "../auth/identity";
import type { HandoffRequest, InitRequest, LeadRequest } from "../durable/rpc";
import { dayOf, type FeedbackFact } from "../facts/schema";
import { errorResponse } from "../http/errors";
import { randomId } from "../ids";
import { readIntentWithModel, scoreCapturedLead } from "../insights/lead-intent";
import type { Delivery } from "./delivery";
import { STORAGE_VERSION } from "./meta";
import type { StatusMachine } from "./handoff";
import { REPLIES } from "./replies";
import type { ConversationState } from "./state";
import type { Turns } from "./turns";

export class VisitorActions {
  constructor(
    private readonly c: ConversationState,
    private readonly delivery: Delivery,
    private readonly status: StatusMachine,
    private readonly turns: Turns,
  ) {}

  /** Creates the conversation once; it is in its org's index before this returns. */
  async init(request: InitRequest): Promise<void> {
    if (this.c.meta.get()) return;
    this.c.meta.put({
      conversationId: request.conversationId,
      siteKey: request.siteKey,
      orgId: request.orgId,
      ...(request.visitorId ? { visitorId: request.visitorId } : {}),
      ...(request.pageUrl ? { pageUrl: request.pageUrl } : {}),
      ...(request.identity ? { identity: request.identity } : {}),
      status: "bot",
      activeAgent: request.entryAgent,
      answeredSeq: 0,
      createdAt: new Date().toISOString(),
      failures: 0,
      unread: 0,
      version: STORAGE_VERSION,
    });
    await this.delivery.publishSummary();
  }

  /** The site told us who the visitor is (checked by the worker). */
  async identify(identity: CheckedIdentity): Promise<void> {
    this.c.meta.update({ identity });
    await this.delivery.publishSummary();
  }

  /** Stores a visitor message once; a resend with the same client id returns the first. */
  async accept(clientMessageId: string, text: string): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const existing = this.c.transcript.byClientId(clientMessageId);
    if (existing) return { message: existing, duplicate: true };
    // Writing again after a resolution reopens the conversation with the bot, which does not
    // answer what was written to a person.
    if (this.c.requireMeta().status === "resolved") {
      this.c.meta.update({ answeredSeq: this.c.transcript.lastSeqOf("user") });
      await this.status.setStatus("bot", { reason: "visitor wrote again", from: ["resolved"] });
      const arrived = this.c.transcript.byClientId(clientMessageId);
      if (arrived) return { message: arrived, duplicate: true };
    }
    const message = this.delivery.append({ id: randomId("m_"), role: "user", text, clientMessageId });
    const meta = this.c.requireMeta();
    if (meta.status === "bot") this.turns.kick();
    else {
      // For a person: counted as unread in the inbox until staff reply or read.
      this.c.meta.update({ unread: meta.unread + 1 });
      await this.delivery.publishSummary();
    }
    return { message, duplicate: false };
  }

  /** An agent's `handoff_to_human`. */
  async agentHandoff(request: HandoffRequest): Promise<{ status: string }> {
    const meta = this.c.meta.get();
    if (!meta) return { status: "unknown" };
    if (meta.status === "bot") {
      await this.status.setStatus("waiting", { reason: request.reason, summary: request.summary, runId: request.runId, parentSpanId: request.spanId, from: ["bot"] });
    }
    return { status: this.c.meta.get()?.status ?? "waiting" };
  }

  /** The widget's "talk to a person": the bot never talks over a person, so a reply in progress stops. */
  async visitorHandoff(): Promise<Response> {
    const meta = this.c.requireMeta();
    if (meta.status === "bot" || meta.status === "resolved") {
      await this.turns.stop();
      if (await this.status.setStatus("waiting", { reason: "visitor", summary: "The visitor asked for a person.", from: ["bot", "resolved"] })) {
        this.delivery.append({ id: randomId("m_"), role: "system", text: REPLIES.visitorHandoff });
      }
    }
    return Response.json({ status: this.c.requireMeta().status });
  }

  async captureLead(lead: LeadRequest): Promise<{ id: string }> {
    const meta = this.c.requireMeta();
    const id = randomId("lead_", 12);
    // Scored here, where the transcript is (insights/lead-score.ts); a model's reading follows in the background.
    const captured = { identity: meta.identity, name: lead.name, email: lead.email, note: lead.note, pageUrl: meta.pageUrl, visitorText: this.c.transcript.recent(this.c.transcript.lastSeq(), 60).filter((m) => m.role === "user").map((m) => m.text) };
    const scored = scoreCapturedLead(captured);
    await this.c.env.DB.prepare(
      "INSERT INTO leads (id, org_id, site_key, conversation_id, name, email, note, source, score, score_reasons, intent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
      .bind(id, meta.orgId, meta.siteKey, meta.conversationId, lead.name ?? null, lead.email, lead.note ?? null, lead.source ?? `agent:${lead.agentId}`, scored.score, JSON.stringify(scored.reasons), scored.intent)
      .run();
    this.c.ctx.waitUntil(readIntentWithModel(this.c.env, meta.orgId, id, captured, scored.signals).catch((e: unknown) => console.error("lead intent not read", e)));
    return { id };
  }

  /** The email form the widget shows when nobody can answer now, or before the first message. */
  async lead(body: { email: string; name?: string; note?: string }): Promise<Response> {
    // Only when asked: otherwise the endpoint would be a way to flood the leads table.
    const meta = this.c.requireMeta();
    const handoff = !!meta.leadRequested && !meta.leadCaptured;
    const preChat = !handoff && !meta.preChatLead && (await this.status.ownSite())?.leadForm === "pre-chat";
    if (!handoff && !preChat) return errorResponse(409, "not_requested", "this conversation is not asking for contact details");
    const lead = await this.captureLead({ ...body, source: handoff ? "handoff" : "pre-chat" });
    this.c.meta.update(handoff ? { leadCaptured: true } : { preChatLead: true });
    this.delivery.append({ id: randomId("m_"), role: "system", text: `Thanks! We'll follow up at ${body.email}.` });
    this.c.clients.broadcast({ type: "status", data: this.status.statusData(this.c.requireMeta()) });
    await this.delivery.publishSummary();
    return Response.json({ leadId: lead.id }, { status: 201 });
  }

  /**
   * A visitor's thumbs up or down on a reply: a fact record on the queue (a new vote on the
   * same reply replaces the old one when the consumer writes it).
   */
  async feedback(body: { messageId: string; rating: 1 | -1 }): Promise<Response> {
    const meta = this.c.requireMeta();
    const message = this.c.transcript.byId(body.messageId);
    if (!message || (message.role !== "assistant" && message.role !== "human")) {
      return errorResponse(404, "not_found", "no reply with that id in this conversation");
    }
    const at = Date.now();
    const fact: FeedbackFact = {
      type: "feedback",
      v: 1,
      conversationId: meta.conversationId,
      orgId: meta.orgId,
      siteKey: meta.siteKey,
      messageId: message.id,
      rating: body.rating,
      day: dayOf(at),
      at,
    };
    await this.c.env.FACTS.send(fact);
    return Response.json({ messageId: message.id, rating: body.rating });
  }
}
