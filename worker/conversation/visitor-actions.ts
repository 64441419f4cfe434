/**
 * What visitors (and the agents serving them) do to a conversation: start it, write to
 * it, say who they are, vote on a reply, ask for a person, leave their email.
 */
import { attachmentText, MAX_VISITOR_ATTACHMENTS } from "../../shared/attachments";
import type { Attachment, StoredMessage } from "../../shared/protocol";
import type { CheckedIdentity } from "../auth/identity";
import type { HandoffRequest, InitRequest, LeadRequest } from "../durable/rpc";
import { dayOf, type FeedbackFact } from "../facts/schema";
import { errorResponse } from "../http/errors";
import { randomId } from "../ids";
import type { Delivery } from "./delivery";
import type { StatusMachine } from "./handoff";
import { storeLead } from "./leads";
import { STORAGE_VERSION } from "./meta";
import { notice } from "./replies";
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
      ...(request.locale ? { locale: request.locale } : {}),
      ...(request.pageUrl ? { pageUrl: request.pageUrl } : {}),
      ...(request.identity ? { identity: request.identity } : {}),
      ...(request.drafts ? { drafts: true } : {}),
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
  async accept(clientMessageId: string, text: string, attachments?: Attachment[]): Promise<{ message: StoredMessage; duplicate: boolean }> {
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
    const message = this.delivery.append({ id: randomId("m_"), role: "user", text, clientMessageId, ...(attachments?.length ? { attachments } : {}) });
    const meta = this.c.requireMeta();
    // Files without a word: nothing for the bot to answer yet (it answers the next message,
    // which sees them in the history); between turns they are simply marked answered.
    if (meta.status === "bot" && attachments?.length && text === attachmentText(attachments.map((a) => a.name))) {
      if (!this.turns.running) this.c.meta.update({ answeredSeq: Math.max(meta.answeredSeq, message.seq) });
    } else if (meta.status === "bot") this.turns.kick();
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

  /** A visitor message with files (already checked and stored in R2 by the worker). */
  async attach(body: { clientMessageId: string; text: string; attachments: Attachment[] }): Promise<Response> {
    const meta = this.c.requireMeta();
    const existing = this.c.transcript.byClientId(body.clientMessageId);
    if (existing) return Response.json({ message: existing, duplicate: true });
    const count = meta.attachmentCount ?? 0;
    if (count + body.attachments.length > MAX_VISITOR_ATTACHMENTS) {
      return errorResponse(409, "too_many_attachments", `a conversation takes at most ${MAX_VISITOR_ATTACHMENTS} files from the visitor`);
    }
    this.c.meta.update({ attachmentCount: count + body.attachments.length });
    const { message, duplicate } = await this.accept(body.clientMessageId, body.text, body.attachments);
    return Response.json({ message, duplicate }, { status: 201 });
  }

  /** The widget's "talk to a person": the bot never talks over a person, so a reply in progress stops. */
  async visitorHandoff(): Promise<Response> {
    const meta = this.c.requireMeta();
    if (meta.status === "bot" || meta.status === "resolved") {
      await this.turns.stop();
      // The wait's notice (when, or leave an email) is the status machine's: one message.
      await this.status.setStatus("waiting", { reason: "visitor", summary: "The visitor asked for a person.", from: ["bot", "resolved"] });
    }
    return Response.json({ status: this.c.requireMeta().status });
  }

  async captureLead(lead: LeadRequest): Promise<{ id: string }> {
    return { id: await storeLead(this.c, lead) };
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
    this.delivery.append({ id: randomId("m_"), role: "system", text: notice(meta.locale, "leadThanks", { email: body.email }) });
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
