/**
 * What leaves a conversation when something happens: a stored message goes to everyone
 * connected; the conversation's row goes to its org's index (the inbox object), with the
 * event staff should see; webhooks go to the site's outbox. Nothing here writes to D1: the
 * index lives per org, and none of it is awaited on a turn's path.
 */
import type { StoredMessage } from "../../shared/protocol";
import type { ConversationSummary, InboxEvent } from "../../shared/staff";
import { getSite } from "../config/store";
import type { IndexEntry, WebhookEvent } from "../durable/rpc";
import { randomId } from "../ids";
import type { ConversationMeta } from "./meta";
import type { ConversationState } from "./state";
import type { NewMessage } from "./transcript";

export class Delivery {
  constructor(private readonly c: ConversationState) {}

  /** Stores a message and sends it to every listener and to the org's inbox. */
  append(message: NewMessage): StoredMessage {
    const stored = this.c.transcript.append(message);
    this.c.clients.broadcast({ type: "message", data: stored });
    const meta = this.c.requireMeta();
    this.c.ctx.waitUntil(this.toIndex({ type: "message", data: { conversationId: meta.conversationId, message: stored } }));
    return stored;
  }

  /** The row changed (status, unread, identity…): the index stores it and staff see the summary. */
  publishSummary(): Promise<void> {
    const sent = this.toIndex(null);
    this.c.ctx.waitUntil(sent);
    return sent;
  }

  summary(meta: ConversationMeta): ConversationSummary {
    const last = this.c.transcript.after(Math.max(0, this.c.transcript.lastSeq() - 1), 1)[0];
    return {
      id: meta.conversationId,
      siteKey: meta.siteKey,
      status: meta.status,
      summary: meta.summary ?? null,
      lastMessage: last?.text.slice(0, 280) ?? null,
      assigneeId: meta.assigneeId ?? null,
      assigneeName: meta.assigneeName ?? null,
      unread: meta.unread,
      waitingSince: meta.status === "waiting" ? (meta.waitingSince ?? null) : null,
      updatedAt: new Date().toISOString(),
      visitorName: meta.identity?.name ?? null,
      visitorEmail: meta.identity?.email ?? null,
      visitorId: meta.visitorId ?? null,
      userId: meta.identity?.userId ?? null,
      identityVerified: meta.identity?.verified ?? false,
      teamId: meta.teamId ?? null,
      labels: meta.labels ?? [],
    };
  }

  /** Queues a webhook delivery; the WebhookDO retries it, the chat never waits on it. */
  async webhook(type: WebhookEvent["type"], payload: Record<string, unknown>): Promise<void> {
    const meta = this.c.requireMeta();
    const site = await getSite(this.c.env, meta.siteKey).catch(() => null);
    if (!site?.webhook) return;
    const outbox = this.c.env.WEBHOOKS.get(this.c.env.WEBHOOKS.idFromName(site.key));
    await outbox
      .enqueue({
        id: randomId("evt_"),
        type,
        url: site.webhook.url,
        secret: site.webhook.secret,
        payload: { conversationId: meta.conversationId, siteKey: meta.siteKey, status: meta.status, ...payload },
      })
      .catch((e: unknown) => console.error("webhook enqueue failed", e));
  }

  /** The whole row, numbered: the index keeps the highest number it has seen. */
  private entry(): IndexEntry {
    const rev = (this.c.requireMeta().indexRev ?? 0) + 1;
    const meta = this.c.meta.update({ indexRev: rev });
    const summary = this.summary(meta);
    return {
      ...summary,
      messageCount: this.c.transcript.count(),
      createdAt: meta.createdAt,
      rev,
    };
  }

  /** Fire and forget for the caller's purposes: the inbox being slow must not hold up a visitor. */
  private toIndex(event: InboxEvent | null): Promise<void> {
    const meta = this.c.requireMeta();
    const entry = this.entry();
    const inbox = this.c.env.INBOX.get(this.c.env.INBOX.idFromName(meta.orgId));
    return inbox.update(meta.orgId, entry, event).catch((e: unknown) => console.error("inbox update failed", e));
  }
}
