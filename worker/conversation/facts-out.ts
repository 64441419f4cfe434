/**
 * The fact records a conversation sends besides its turns' (turns.ts) and votes'
 * (visitor-actions.ts): each status change and each staff reply, which insights read for
 * handoffs, first-response and resolution times, and the human answer to a content gap.
 * Queued in the background: a status change or a reply never waits on the queue.
 */
import type { ConversationStatus, StoredMessage } from "../../shared/protocol";
import type { StaffMember } from "../../shared/staff";
import { dayOf, type Fact, STAFF_REPLY_CHARS, type StaffReplyFact, type StatusFact } from "../facts/schema";
import type { ConversationState } from "./state";

export function sendFact(c: ConversationState, fact: Fact): void {
  c.ctx.waitUntil(c.env.FACTS.send(fact).catch((e: unknown) => console.error("fact not queued", e)));
}

/** A status change. A handoff the visitor asked for after the bot had answered them names that reply. */
export function statusFact(c: ConversationState, from: ConversationStatus, to: ConversationStatus, reason: string, staff: StaffMember | null): StatusFact {
  const meta = c.requireMeta();
  const at = Date.now();
  let afterReplyId: string | null = null;
  if (to === "waiting" && !c.turn && meta.answeredSeq >= c.transcript.lastSeqOf("user")) {
    const last = c.transcript.recent(c.transcript.lastSeq(), 6).reverse();
    const reply = last.find((m) => m.role === "assistant" || m.role === "user");
    if (reply?.role === "assistant") afterReplyId = reply.id;
  }
  return {
    type: "status",
    v: 1,
    conversationId: meta.conversationId,
    orgId: meta.orgId,
    siteKey: meta.siteKey,
    from,
    to,
    reason: reason.slice(0, 200),
    staffId: staff?.id ?? meta.assigneeId ?? null,
    afterReplyId,
    at,
    day: dayOf(at),
    conversationStartedAt: Date.parse(meta.createdAt),
  };
}

export function staffReplyFact(c: ConversationState, staff: StaffMember, message: StoredMessage): StaffReplyFact {
  const meta = c.requireMeta();
  const at = Date.parse(message.createdAt) || Date.now();
  return {
    type: "staff_reply",
    v: 1,
    conversationId: meta.conversationId,
    orgId: meta.orgId,
    siteKey: meta.siteKey,
    messageId: message.id,
    staffId: staff.id,
    text: message.text.slice(0, STAFF_REPLY_CHARS),
    at,
    day: dayOf(at),
  };
}
