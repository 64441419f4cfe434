/**
 * What staff do to a conversation (the worker has checked the session, the object checks
 * the conversation is the staff member's org's): read it, claim it, reply, add internal
 * notes, resolve it, hand it back to the bot, mark it read, label it, take it over from a
 * colleague or hand it to another (and what the org's inbox assigns on its own).
 *
 * Who may take a conversation someone else holds (take over, or reassign it elsewhere):
 * its assignee, an `owner` or `admin` at any time, and an `agent` when the assignee is not
 * available (away, or no inbox open) or the visitor has waited `takeoverAfterSec` for an
 * answer. Each check and change runs with no wait in between, so it is atomic like a claim.
 */
import { TRANSCRIPT_PAGE } from "../../shared/limits";
import type { Attachment, ConversationStatus, StoredMessage } from "../../shared/protocol";
import type { ConversationDetail, Note, StaffMember } from "../../shared/staff";
import type { ReassignTarget, StaffResult, SystemAssignment, TakeoverContext } from "../durable/rpc";
import { randomId } from "../ids";
import type { Delivery } from "./delivery";
import { sendFact, staffReplyFact } from "./facts-out";
import type { StatusDetails, StatusMachine } from "./handoff";
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
        pageUrl: meta.pageUrl ?? null,
        pages: meta.pageUrl ? [{ url: meta.pageUrl, at: meta.createdAt }] : [],
        leadRequested: !!meta.leadRequested,
        createdAt: meta.createdAt,
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

  async reply(staff: StaffMember, text: string, attachments?: Attachment[]): Promise<StaffResult & { stored?: StoredMessage }> {
    const meta = this.c.requireMeta();
    if (meta.status === "human" && meta.assigneeId !== staff.id) {
      return { ok: false, httpStatus: 409, code: "not_assignee", message: `${meta.assigneeName ?? "Someone else"} has this conversation; claim it first` };
    }
    // Replying to an unclaimed conversation claims it (in the same atomic step).
    if (meta.status !== "human") {
      const claimed = await this.claim(staff);
      if (!claimed.ok) return claimed;
    }
    const message = this.delivery.append({ id: randomId("m_"), role: "human", text, author: staff.name, ...(attachments?.length ? { attachments } : {}) });
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
    // What visitors wrote to a person is not answered by the bot after the fact; the
    // handoff's summary was for the person and goes with them.
    this.c.meta.update({ answeredSeq: this.c.transcript.lastSeqOf("user"), failures: 0, summary: undefined });
    await this.status.setStatus("bot", { reason: "staff", by: staff });
    this.delivery.append({ id: randomId("m_"), role: "system", text: REPLIES.backToBot });
    return { ok: true, status: "bot" };
  }

  async markRead(): Promise<void> {
    this.c.meta.update({ unread: 0 });
    await this.delivery.publishSummary();
  }

  async setLabels(labels: string[]): Promise<string[]> {
    const unique = [...new Set(labels)].sort();
    this.c.meta.update({ labels: unique });
    await this.delivery.publishSummary();
    return unique;
  }

  // ---- who holds it ---------------------------------------------------------------------------

  /** Take a colleague's conversation (or claim one nobody holds). */
  async takeOver(staff: StaffMember, context: TakeoverContext): Promise<StaffResult> {
    const meta = this.c.requireMeta();
    if (meta.status !== "human") return this.claim(staff);
    if (meta.assigneeId === staff.id) return { ok: true, status: "human" };
    const refusal = this.mayTake(staff, context);
    if (refusal) return refusal;
    await this.handOver({ id: staff.id, name: staff.name }, `${staff.name} took over the conversation.`, { reason: "take over", by: staff });
    return { ok: true, status: "human" };
  }

  /** Hand the conversation to a colleague, or to a team's queue (where the inbox assigns it). */
  async reassign(staff: StaffMember, target: ReassignTarget, context: TakeoverContext): Promise<StaffResult> {
    const meta = this.c.requireMeta();
    const refusal = meta.status === "human" && meta.assigneeId !== staff.id ? this.mayTake(staff, context) : null;
    if (refusal) return refusal;
    if ("team" in target) {
      if (meta.status === "waiting") {
        this.c.meta.update({ teamId: target.team.id });
        await this.delivery.publishSummary();
        return { ok: true, status: "waiting" };
      }
      const held = meta.assigneeId;
      const moved = await this.toQueue({ reason: "reassign", by: staff }, () => {
        const now = this.c.requireMeta();
        if (now.assigneeId !== held) return { ok: false, httpStatus: 409, code: "moved_on", message: `${now.assigneeName ?? "Someone"} took the conversation meanwhile` };
        this.c.meta.update({ teamId: target.team.id });
        return null;
      });
      if (moved.ok) this.delivery.append({ id: randomId("m_"), role: "system", text: `Your conversation is going to our ${target.team.name} team. Someone will reply here.` });
      return moved;
    }
    const to = target.staff;
    if (meta.status === "human") {
      if (meta.assigneeId !== to.id) await this.handOver(to, `${to.name} joined the conversation.`, { reason: "reassign", by: staff });
      return { ok: true, status: "human" };
    }
    return this.assignFromQueue(to, { reason: "reassign", by: staff });
  }

  /** The inbox's own assignment: only while the conversation is as the inbox saw it. */
  async systemAssign(a: SystemAssignment): Promise<StaffResult> {
    const meta = this.c.requireMeta();
    const asSeen = a.expect.status === "waiting" ? meta.status === "waiting" && !meta.assigneeId : meta.status === "human" && meta.assigneeId === a.expect.assigneeId;
    if (!asSeen) return { ok: false, httpStatus: 409, code: "moved_on", message: "the conversation changed meanwhile" };
    if (a.teamId && !meta.teamId) this.c.meta.update({ teamId: a.teamId });
    if (a.to && meta.status === "human") {
      await this.handOver(a.to, `${a.to.name} joined the conversation.`, { reason: a.reason });
      return { ok: true, status: "human" };
    }
    if (a.to) return this.assignFromQueue(a.to, { reason: a.reason });
    // Nobody can take it now: back to the queue, where the next one free gets it.
    const away = meta.assigneeName ?? "Your contact";
    const moved = await this.toQueue({ reason: a.reason }, () =>
      this.c.requireMeta().assigneeId === meta.assigneeId ? null : { ok: false, httpStatus: 409, code: "moved_on", message: "the conversation changed meanwhile" },
    );
    if (moved.ok) this.delivery.append({ id: randomId("m_"), role: "system", text: `${away} had to step away. Someone else from our team will reply here.` });
    return moved;
  }

  /**
   * Back to the queue (`waiting`, nobody holding it). What a wait needs is fetched first;
   * then `still` checks again that nothing changed meanwhile, and the move follows with no
   * wait in between.
   */
  private async toQueue(details: StatusDetails, still: () => StaffResult | null): Promise<StaffResult> {
    await this.turns.stop();
    const site = await this.status.ownSite();
    const problem = still();
    if (problem) return problem;
    const moved = this.status.transition("waiting", details, site);
    if (!moved) return refused(this.c.requireMeta().status, "waiting");
    await this.status.afterTransition(moved);
    return { ok: true, status: "waiting" };
  }

  /** Why `staff` may not take the conversation from its assignee now (null: they may). */
  private mayTake(staff: StaffMember, context: TakeoverContext): StaffResult | null {
    const meta = this.c.requireMeta();
    if (staff.role === "owner" || staff.role === "admin") return null;
    if (!meta.assigneeId || !context.available.includes(meta.assigneeId)) return null;
    const waited = this.unansweredForSec();
    if (waited !== null && waited >= context.takeoverAfterSec) return null;
    return {
      ok: false,
      httpStatus: 403,
      code: "takeover_not_allowed",
      message: `${meta.assigneeName ?? "A colleague"} is available and has this conversation; ask them to hand it over (agents may take over after the visitor has waited ${context.takeoverAfterSec} s for an answer)`,
    };
  }

  /** How long the visitor's latest message has waited for a person's answer (null: none waits). */
  private unansweredForSec(): number | null {
    const lastUser = this.c.transcript.lastSeqOf("user");
    if (!lastUser || lastUser < this.c.transcript.lastSeqOf("human")) return null;
    const message = this.c.transcript.after(lastUser - 1, 1)[0];
    return message ? (Date.now() - Date.parse(message.createdAt)) / 1000 : null;
  }

  /** From the queue (or the bot, or resolved) to a named person: a claim made on their behalf. */
  private async assignFromQueue(to: { id: string; name: string }, why: { reason: string; by?: StaffMember }): Promise<StaffResult> {
    const moved = this.status.transition("human", { reason: why.reason, assigneeId: to.id, assigneeName: to.name, ...(why.by ? { by: why.by } : {}) });
    if (!moved) return refused(this.c.requireMeta().status, "human");
    await this.turns.stop();
    await this.status.afterTransition(moved);
    this.delivery.append({ id: randomId("m_"), role: "system", text: `${to.name} joined the conversation.` });
    return { ok: true, status: "human" };
  }

  /**
   * Another person holds the conversation from now on (it stays `human`): the change is
   * written before anything is awaited, then logged, shown to the visitor ("You're now
   * chatting with Sam") and to the inbox.
   */
  private async handOver(to: { id: string; name: string }, text: string, why: { reason: string; by?: StaffMember }): Promise<void> {
    const from = this.c.requireMeta().assigneeName ?? null;
    const meta = this.c.meta.update({ assigneeId: to.id, assigneeName: to.name });
    const log = this.c.spanLog(this.c.turn?.id);
    log.event("status", "human→human", "ok", { runId: "conversation" }, { data: { reason: why.reason, from, to: to.name, ...(why.by ? { by: why.by.name } : {}) } });
    await log.flush();
    this.c.clients.broadcast({ type: "status", data: this.status.statusData(meta) });
    this.delivery.append({ id: randomId("m_"), role: "system", text });
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
