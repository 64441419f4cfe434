/**
 * What staff do to a conversation (the worker has checked the session, the object checks
 * the conversation is the staff member's org's): read it, claim it, reply, add internal
 * notes, resolve it, hand it back to the bot, mark it read.
 */
import { TRANSCRIPT_PAGE } from "../../shared/limits";
import type { ConversationStatus, StoredMessage } from "../../shared/protocol";
import type { ConversationDetail, Note, StaffMember } from "../../shared/staff";
import type { StaffResult } from "../durable/rpc";
import { randomId } from "../ids";
import type { Delivery } from "./delivery";
import { sendFact, staffReplyFact } from "./facts-out";
import type { StatusMachine } from "./handoff";
import { REPLIES } from "./replies";
import type { ConversationState } from "./state";
import { canMove } from "./status";
import type { Turns } from "./turns";

export class StaffActions {
  constructor(
    private readonly c: ConversationState,
    private readonly delivery: Delivery,
    private readonly status: StatusMachine,
    private readonly turns: Turns,
  ) {}

  detail(): ConversationDetail {
    const meta = this.c.requireMeta();
    const messages: StoredMessage[] = [];
    let cursor = 0;
    while (true) {
      const page = this.c.transcript.after(cursor, TRANSCRIPT_PAGE);
      messages.push(...page);
      if (page.length < TRANSCRIPT_PAGE) break;
      cursor = page[page.length - 1]?.seq ?? cursor;
    }
    return {
      conversation: {
        ...this.delivery.summary(meta),
        identityVerified: meta.identity?.verified ?? false,
        pageUrl: meta.pageUrl ?? null,
        leadRequested: !!meta.leadRequested,
      },
      messages,
      notes: this.c.notes.all(),
    };
  }

  /**
   * Atomic: the status check and the change happen with no wait in between (the object runs
   * one event at a time between awaits), so of two staff claiming at once, one wins.
   */
  async claim(staff: StaffMember): Promise<StaffResult> {
    const meta = this.c.requireMeta();
    if (meta.status === "human") {
      if (meta.assigneeId === staff.id) return { ok: true, status: "human" };
      return { ok: false, httpStatus: 409, code: "already_claimed", message: `${meta.assigneeName ?? "Someone"} already has this conversation` };
    }
    const moved = this.status.transition("human", { reason: "claim", assigneeId: staff.id, assigneeName: staff.name });
    if (!moved) return refused(meta.status, "human");
    // A person taking over stops the bot mid-reply; its partial reply is stored before "joined".
    await this.turns.stop();
    await this.status.afterTransition(moved);
    this.delivery.append({ id: randomId("m_"), role: "system", text: `${staff.name} joined the conversation.` });
    return { ok: true, status: "human" };
  }

  async reply(staff: StaffMember, text: string): Promise<StaffResult & { stored?: StoredMessage }> {
    const meta = this.c.requireMeta();
    if (meta.status === "human" && meta.assigneeId !== staff.id) {
      return { ok: false, httpStatus: 409, code: "not_assignee", message: `${meta.assigneeName ?? "Someone else"} has this conversation; claim it first` };
    }
    // Replying to an unclaimed conversation claims it (in the same atomic step).
    if (meta.status !== "human") {
      const claimed = await this.claim(staff);
      if (!claimed.ok) return claimed;
    }
    const message = this.delivery.append({ id: randomId("m_"), role: "human", text, author: staff.name });
    sendFact(this.c, staffReplyFact(this.c, staff, message));
    this.c.meta.update({ unread: 0 });
    await this.delivery.publishSummary();
    await this.delivery.webhook("message.human", { message, staff: { id: staff.id, name: staff.name } });
    return { ok: true, status: "human", stored: message };
  }

  addNote(staff: StaffMember, text: string): Note {
    const note = this.c.notes.add({ id: randomId("n_"), text, author: staff.name, authorId: staff.id, createdAt: new Date().toISOString() });
    this.c.clients.broadcast({ type: "note", data: note }, ["staff"]);
    return note;
  }

  async resolve(staff: StaffMember): Promise<StaffResult> {
    const meta = this.c.requireMeta();
    if (meta.status === "resolved") return { ok: true, status: "resolved" };
    if (!canMove(meta.status, "resolved")) return refused(meta.status, "resolved");
    await this.turns.stop();
    await this.status.setStatus("resolved", { reason: "staff", assigneeId: meta.assigneeId, assigneeName: meta.assigneeName, by: staff });
    this.delivery.append({ id: randomId("m_"), role: "system", text: `${staff.name} marked this conversation as resolved.` });
    await this.delivery.webhook("conversation.resolved", { by: { id: staff.id, name: staff.name } });
    return { ok: true, status: "resolved" };
  }

  async returnToBot(staff: StaffMember): Promise<StaffResult> {
    const meta = this.c.requireMeta();
    if (meta.status === "bot") return { ok: true, status: "bot" };
    // What visitors wrote to a person is not answered by the bot after the fact.
    this.c.meta.update({ answeredSeq: this.c.transcript.lastSeqOf("user"), failures: 0 });
    await this.status.setStatus("bot", { reason: "staff", by: staff });
    this.delivery.append({ id: randomId("m_"), role: "system", text: REPLIES.backToBot });
    return { ok: true, status: "bot" };
  }

  async markRead(): Promise<void> {
    this.c.meta.update({ unread: 0 });
    await this.delivery.publishSummary();
  }
}

export const notFound = (): StaffResult => ({ ok: false, httpStatus: 404, code: "not_found", message: "conversation not found" });
const refused = (from: ConversationStatus, to: ConversationStatus): StaffResult => ({
  ok: false,
  httpStatus: 409,
  code: "invalid_transition",
  message: `a conversation cannot go from ${from} to ${to}`,
});
