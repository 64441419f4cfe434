/**
 * The conversation's status and what follows each change: bot → waiting (queued for a
 * person) → human (claimed) → resolved, or back to bot (the allowed moves are in
 * status.ts). A change is a span in the log, a `status` event to every client, a new row in
 * the org's index, and — for a wait — a webhook and either a request for the visitor's
 * email (outside business hours) or a timer for it (nobody claimed in time).
 */
import type { SiteConfig } from "../../shared/config";
import type { ConversationStatus, StatusData } from "../../shared/protocol";
import type { StaffMember } from "../../shared/staff";
import { cachedSite } from "../config/store";
import { randomId } from "../ids";
import { staffedNow } from "./business-hours";
import type { Delivery } from "./delivery";
import { storeLead } from "./leads";
import { sendFact, statusFact } from "./facts-out";
import type { ConversationMeta } from "./meta";
import { notice } from "./replies";
import type { ConversationState } from "./state";
import { canMove } from "./status";

export interface StatusDetails {
  reason: string;
  /** Only move from these statuses (what the caller saw may have changed while it waited). */
  from?: ConversationStatus[];
  summary?: string;
  runId?: string;
  parentSpanId?: string;
  assigneeId?: string | undefined;
  assigneeName?: string | undefined;
  by?: StaffMember;
  /** The bot gave up: the visitor's notice says so first. */
  trouble?: boolean;
}

export interface Transition {
  from: ConversationStatus;
  meta: ConversationMeta;
  details: StatusDetails;
  site: SiteConfig | null;
}

export class StatusMachine {
  constructor(
    private readonly c: ConversationState,
    private readonly delivery: Delivery,
    /** Re-arms the object's alarm (a wait's timer is one of its reasons). */
    private readonly scheduleAlarm: () => Promise<void>,
  ) {}

  /** Changes the status (fetching what a wait needs first); false when the move is not allowed. */
  async setStatus(status: ConversationStatus, details: StatusDetails): Promise<boolean> {
    const site = status === "waiting" ? await this.ownSite() : null;
    const moved = this.transition(status, details, site);
    if (!moved) return false;
    await this.afterTransition(moved);
    return true;
  }

  /**
   * The status change itself, synchronous: the check and the write see the same state, so
   * a concurrent claim or handoff cannot slip between them.
   */
  transition(status: ConversationStatus, details: StatusDetails, site: SiteConfig | null = null): Transition | null {
    const before = this.c.requireMeta();
    if (before.status === status || !canMove(before.status, status)) return null;
    if (details.from && !details.from.includes(before.status)) return null;
    const now = Date.now();
    const meta = this.c.meta.update({
      status,
      ...(details.summary ? { summary: details.summary } : {}),
      assigneeId: details.assigneeId,
      assigneeName: details.assigneeName,
      // A new wait starts its own clock and its own chance to ask for an email.
      ...(status === "waiting"
        ? { waitingSince: new Date(now).toISOString(), handoffDeadline: now + (site?.handoffTimeoutSec ?? 120) * 1000, leadRequested: false, leadCaptured: false }
        : {}),
      ...(status === "bot" ? { waitingSince: undefined, handoffDeadline: undefined } : {}),
    });
    // The turn in flight (if any) ends up handed over: its fact record says so.
    if (status !== "bot" && this.c.turn && !this.c.turn.handoff) this.c.turn.handoff = details.reason;
    return { from: before.status, meta, details, site };
  }

  /** What follows a status change: the log, every client, the index and inbox, webhooks, timers. */
  async afterTransition({ from, meta, details, site }: Transition): Promise<void> {
    const status = meta.status;
    const log = this.c.spanLog(this.c.turn?.id);
    log.event(
      status === "waiting" ? "handoff" : "status",
      `${from}→${status}`,
      "ok",
      { runId: details.runId ?? "conversation", ...(details.parentSpanId ? { parentId: details.parentSpanId } : {}) },
      { data: { reason: details.reason, ...(details.summary ? { summary: details.summary } : {}), ...(details.by ? { by: details.by.name } : {}) } },
    );
    await log.flush();
    sendFact(this.c, statusFact(this.c, from, status, details.reason, details.by ?? null));
    this.c.clients.broadcast({ type: "status", data: this.statusData(this.c.requireMeta()) });
    await this.delivery.publishSummary();
    if (status === "waiting") {
      await this.delivery.webhook("conversation.handoff", { reason: details.reason, summary: meta.summary ?? null });
      const staffed = !site || staffedNow(site.businessHours);
      if (staffed) await this.scheduleAlarm();
      // The visitor hears one notice of what happens now. Mid-turn (an agent or a policy handed
      // off), it follows the bot's reply instead of coming before it.
      const tell = async () => {
        const now = this.c.requireMeta();
        if (now.status !== "waiting" || now.leadRequested) return; // claimed meanwhile, or already told
        const prefix = details.trouble ? `${notice(meta.locale, "trouble")} ` : "";
        // Outside staffed hours nobody will claim it: ask for an email right away.
        if (!staffed) await this.requestLead("away", prefix);
        else this.delivery.append({ id: randomId("m_"), role: "system", text: prefix + notice(meta.locale, "waitStaffed", { waitSec: site?.handoffTimeoutSec }) });
      };
      const turn = this.c.turn;
      if (turn) this.c.ctx.waitUntil(turn.settled.then(tell).catch((e: unknown) => console.error("wait notice failed", e)));
      else await tell();
    }
  }

  /** The agent or a policy asks for a person, and the visitor is told why. */
  async policyHandoff(summary: string): Promise<void> {
    this.c.meta.update({ failures: 0 });
    await this.setStatus("waiting", { reason: "policy", summary, from: ["bot"], trouble: true });
  }

  /**
   * Nobody can take the conversation now: the widget asks the visitor for an email — or, when
   * the site told us who the visitor is, the email it gave is kept for the follow-up.
   */
  async requestLead(why: "away" | "busy", prefix = ""): Promise<void> {
    const current = this.c.requireMeta();
    const email = current.identity?.email;
    if (email) await storeLead(this.c, { email, ...(current.identity?.name ? { name: current.identity.name } : {}), source: "handoff" });
    const meta = this.c.meta.update({ leadRequested: true, ...(email ? { leadCaptured: true } : {}) });
    const text = prefix + notice(meta.locale, email ? (why === "away" ? "awayKnown" : "busyKnown") : why, { ...(email ? { email } : {}) });
    this.delivery.append({ id: randomId("m_"), role: "system", text });
    this.c.clients.broadcast({ type: "status", data: this.statusData(meta) });
    await this.delivery.publishSummary();
    await this.scheduleAlarm();
  }

  /** A wait nobody claimed in time turns into asking for an email (the alarm calls this). */
  async onAlarm(): Promise<void> {
    const meta = this.c.meta.get();
    if (meta?.status === "waiting" && !meta.leadRequested && meta.handoffDeadline && Date.now() >= meta.handoffDeadline) {
      await this.requestLead("busy");
    }
  }

  /** When the wait's timer is due, if one is running. */
  deadline(): number | null {
    const meta = this.c.meta.get();
    return meta?.status === "waiting" && !meta.leadRequested && meta.handoffDeadline ? meta.handoffDeadline : null;
  }

  statusData(meta: ConversationMeta): StatusData {
    return {
      status: meta.status,
      ...(meta.status === "human" && meta.assigneeName ? { assignee: meta.assigneeName } : {}),
      ...(meta.status === "waiting" && meta.leadRequested && !meta.leadCaptured ? { leadRequested: true } : {}),
    };
  }

  /**
   * The conversation's site — only while it still belongs to this conversation's org. Read
   * as a visitor's request reads it (kept per isolate for CONFIG_CACHE_SECONDS): every turn
   * needs it (tone, history and token limits) before its model call.
   */
  async ownSite(): Promise<SiteConfig | null> {
    const meta = this.c.requireMeta();
    const site = await cachedSite(this.c.env, meta.siteKey).catch(() => null);
    return site && site.orgId === meta.orgId ? site : null;
  }
}
