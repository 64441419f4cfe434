/**
 * One per org: its conversation index (org/conversation-index.ts) with its full-text side
 * (org/search-index.ts), the live feed of its support inbox, who of its staff is there
 * (org/presence.ts), and the assignment of waiting conversations (org/assignment.ts,
 * org/routing.ts). Every conversation sends its row here after each change (a message, a
 * status change, a claim, an unread count) instead of updating a shared database; the admin
 * list, the inbox's queue and search, and the visitor-history lookups read it here. Each
 * change is fanned out to every signed-in staff member's WebSocket; sockets hibernate
 * between events.
 *
 * Assignment (when the org turns it on): a conversation that waits for nobody in particular
 * goes to the next available agent of its team with room (round robin); it is tried again
 * whenever someone becomes available or frees a place. An agent who says they are away, or
 * whose inbox stays closed for the org's grace period, has their conversations handed to
 * the next one free — or put back in the queue. The conversation's own object makes each
 * change, atomically, only if it is still as this object saw it.
 *
 * On first use the object takes over the org's rows an earlier version kept in D1's
 * `conversations` table.
 */
import { DurableObject } from "cloudflare:workers";
import type { ConversationHit, InboxEvent, Presence } from "../../shared/staff";
import type { Env } from "../env";
import { type Candidate, RoundRobin } from "../org/assignment";
import { ConversationIndex, toSummary } from "../org/conversation-index";
import { PresenceBook, type SocketTag } from "../org/presence";
import { Routing } from "../org/routing";
import { SearchIndex } from "../org/search-index";
import type { IndexEntry, IndexQuery, InboxRpc, StaffPresence, SystemAssignment, TakeoverContext, VisitorMatch } from "./rpc";

const PING = '{"type":"ping"}';
const PONG = '{"type":"pong","data":{}}';
/** Legacy rows read from D1 per query while taking over. */
const IMPORT_PAGE = 500;
/** Waiting conversations looked at per assignment round. */
const ASSIGN_ROUND = 100;

export class InboxDO extends DurableObject<Env> implements InboxRpc {
  private readonly index: ConversationIndex;
  private readonly fullText: SearchIndex;
  private readonly presenceBook: PresenceBook;
  private readonly turns: RoundRobin;
  private opening: Promise<void> | null = null;
  private routingCache: Promise<Routing> | null = null;
  /** The org this object serves (learnt from its first call; sockets and alarms need it). */
  private orgId: string | null = null;
  /** Assignment rounds run one at a time; a change during one asks for another after it. */
  private assigning: Promise<void> | null = null;
  private again = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.index = new ConversationIndex(ctx.storage);
    this.fullText = new SearchIndex(ctx.storage);
    this.presenceBook = new PresenceBook(ctx);
    this.turns = new RoundRobin(ctx.storage.sql);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS inbox_org (id INTEGER PRIMARY KEY CHECK (id = 1), org_id TEXT NOT NULL)");
    this.orgId = ctx.storage.sql.exec<{ org_id: string }>("SELECT org_id FROM inbox_org").toArray()[0]?.org_id ?? null;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** The worker has checked the staff session; the socket is tagged with who it is. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket", { status: 426 });
    const url = new URL(request.url);
    const staff: SocketTag = { staffId: url.searchParams.get("staff") ?? "", name: url.searchParams.get("name") ?? "" };
    this.learnOrg(url.searchParams.get("org"));
    const before = this.presenceBook.of(staff.staffId);
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [`staff:${staff.staffId}`]);
    pair[1].serializeAttachment(staff);
    this.presenceBook.connected(staff);
    const now = this.presenceBook.of(staff.staffId);
    pair[1].send(JSON.stringify({ type: "ready", data: { staffId: staff.staffId, presence: now } } satisfies InboxEvent));
    if (before !== now) this.presenceChanged(staff.staffId, now);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  async update(orgId: string, entry: IndexEntry, event: InboxEvent | null): Promise<void> {
    await this.open(orgId);
    const before = this.index.get(entry.id);
    const stored = this.index.upsert(entry);
    if (event?.type === "message") this.fullText.addMessage(entry.id, event.data.message);
    if (stored) this.fullText.updateProfile(entry);
    if (event) this.broadcast(event);
    // A row that arrived after a newer one is not news.
    else if (stored) this.broadcast({ type: "conversation", data: toSummary(entry) });
    // A conversation starts waiting, or someone's place frees up: assign what waits.
    if (stored && (waitsForAnyone(entry) || (before?.status === "human" && entry.status !== "human"))) this.assignWaiting();
  }

  async list(query: IndexQuery): Promise<IndexEntry[]> {
    await this.open(query.orgId);
    return this.index.list(query, query.teamId ? (await this.routing(query.orgId)).sitesOf(query.teamId) : []);
  }

  async search(query: IndexQuery & { text: string }): Promise<ConversationHit[]> {
    await this.open(query.orgId);
    const teamSites = query.teamId ? (await this.routing(query.orgId)).sitesOf(query.teamId) : [];
    // Matches first (a few pages' worth), then the filter bar's conditions on their rows.
    const matches = this.fullText.search(query.text, Math.max(query.limit * 5, 200));
    const rows = this.index.filterIds(
      matches.map((m) => m.conversationId),
      query,
      teamSites,
    );
    const hits: ConversationHit[] = [];
    for (const m of matches) {
      const row = rows.get(m.conversationId);
      if (row) hits.push({ ...toSummary(row), snippet: m.snippet });
      if (hits.length >= query.limit) break;
    }
    return hits;
  }

  async history(orgId: string, conversationId: string, limit: number): Promise<{ matchedBy: VisitorMatch | null; entries: IndexEntry[] } | null> {
    await this.open(orgId);
    const row = this.index.get(conversationId);
    if (!row) return null;
    return this.index.history({ userId: row.userId, identityVerified: row.identityVerified, email: row.visitorEmail, visitorId: row.visitorId }, row.id, limit);
  }

  async presence(orgId: string): Promise<StaffPresence[]> {
    await this.open(orgId);
    const loads = this.index.loads();
    return this.presenceBook.all().map((p) => ({ staffId: p.staffId, presence: p.presence, open: loads.get(p.staffId) ?? 0 }));
  }

  async takeoverContext(orgId: string): Promise<TakeoverContext> {
    await this.open(orgId);
    const routing = await this.routing(orgId);
    return { available: this.presenceBook.available().map((s) => s.staffId), takeoverAfterSec: routing.settings.takeoverAfterSec };
  }

  async setAway(orgId: string, staffId: string, away: boolean): Promise<Presence> {
    await this.open(orgId);
    this.presenceBook.setAway(staffId, away);
    const now = this.presenceBook.of(staffId);
    this.presenceChanged(staffId, now);
    return now;
  }

  async configChanged(orgId: string): Promise<void> {
    await this.open(orgId);
    this.routingCache = null;
    this.assignWaiting();
  }

  private broadcast(event: InboxEvent): void {
    const frame = JSON.stringify(event);
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(frame);
      } catch {
        // closing
      }
    }
  }

  override async webSocketMessage(): Promise<void> {
    // Staff send nothing on this socket but keep-alive pings (answered automatically).
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
    const staff = ws.deserializeAttachment() as SocketTag | null;
    if (!staff || !this.presenceBook.disconnected(staff.staffId, ws)) return;
    this.broadcast({ type: "presence", data: { staffId: staff.staffId, presence: "offline" } });
    await this.scheduleRelease();
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.webSocketClose(ws, 1011);
  }

  /** Someone's inbox stayed closed for the grace period: their conversations go to others. */
  override async alarm(): Promise<void> {
    if (!this.orgId) return;
    const routing = await this.routing(this.orgId);
    for (const staffId of this.presenceBook.gone(routing.settings.offlineGraceSec * 1000)) {
      this.presenceBook.markReleased(staffId);
      if (routing.settings.autoAssign) await this.release(this.orgId, staffId);
    }
    await this.scheduleRelease();
  }

  private async scheduleRelease(): Promise<void> {
    if (!this.orgId) return;
    const grace = (await this.routing(this.orgId)).settings.offlineGraceSec * 1000;
    const next = this.presenceBook.nextGone(grace);
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }

  private presenceChanged(staffId: string, presence: Presence): void {
    this.broadcast({ type: "presence", data: { staffId, presence } });
    if (presence === "available") this.assignWaiting();
    else if (presence === "away" && this.orgId) {
      const orgId = this.orgId;
      this.ctx.waitUntil(
        this.routing(orgId)
          .then((r) => (r.settings.autoAssign ? this.release(orgId, staffId) : undefined))
          .catch((e: unknown) => console.error("release failed", e)),
      );
    }
  }

  // ---- assignment ------------------------------------------------------------------------------

  /** Starts an assignment round (or asks for one more after the one running). */
  private assignWaiting(): void {
    if (!this.orgId) return;
    if (this.assigning) {
      this.again = true;
      return;
    }
    const orgId = this.orgId;
    const round = async () => {
      do {
        this.again = false;
        await this.assignRound(orgId);
      } while (this.again);
    };
    this.assigning = round()
      .catch((e: unknown) => console.error("assignment failed", e))
      .finally(() => {
        this.assigning = null;
      });
    this.ctx.waitUntil(this.assigning);
  }

  /** Each waiting conversation, longest wait first, to the next available agent of its team with room. */
  private async assignRound(orgId: string): Promise<void> {
    const routing = await this.routing(orgId);
    if (!routing.settings.autoAssign) return;
    for (const entry of this.index.unassignedWaiting(ASSIGN_ROUND)) {
      const team = routing.teamOf(entry);
      const next = this.turns.pick(this.candidates(routing, (id) => routing.mayTake(team, id)));
      if (!next) continue;
      const done = await this.assign({ orgId, to: { id: next.id, name: next.name }, teamId: team?.id ?? null, expect: { status: "waiting" }, reason: "auto-assign" }, entry.id);
      if (done) this.turns.record(next.id);
    }
  }

  /** Hands a gone agent's conversations to the next one free in each one's team, else back to the queue. */
  private async release(orgId: string, staffId: string): Promise<void> {
    const routing = await this.routing(orgId);
    for (const entry of this.index.heldBy(staffId)) {
      const team = routing.teamOf(entry);
      const next = this.turns.pick(this.candidates(routing, (id) => id !== staffId && routing.mayTake(team, id)));
      const done = await this.assign(
        { orgId, to: next ? { id: next.id, name: next.name } : null, teamId: team?.id ?? null, expect: { status: "human", assigneeId: staffId }, reason: "assignee away" },
        entry.id,
      );
      if (done && next) this.turns.record(next.id);
    }
  }

  private candidates(routing: Routing, allowed: (staffId: string) => boolean): Candidate[] {
    const loads = this.index.loads();
    return this.presenceBook
      .available()
      .filter((s) => allowed(s.staffId))
      .map((s) => ({ id: s.staffId, name: s.name, open: loads.get(s.staffId) ?? 0, capacity: routing.capacity(s.staffId) }));
  }

  /**
   * The conversation's object makes the change (only if it is still as seen here) and sends
   * its new row back before it answers, so the next pick counts it.
   */
  private async assign(assignment: SystemAssignment, conversationId: string): Promise<boolean> {
    const stub = this.env.CONVERSATION.get(this.env.CONVERSATION.idFromName(conversationId));
    const result = await stub.systemAssign(assignment).catch((e: unknown) => {
      console.error("assign failed", e);
      return { ok: false } as const;
    });
    return result.ok;
  }

  private routing(orgId: string): Promise<Routing> {
    if (!this.routingCache) {
      this.routingCache = Routing.load(this.env.DB, orgId).catch((error: unknown) => {
        this.routingCache = null;
        throw error;
      });
    }
    return this.routingCache;
  }

  private learnOrg(orgId: string | null): void {
    if (!orgId || this.orgId === orgId) return;
    this.orgId = orgId;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO inbox_org (id, org_id) VALUES (1, ?)", orgId);
  }

  private open(orgId: string): Promise<void> {
    this.learnOrg(orgId);
    if (!this.opening) {
      this.opening = this.index.imported()
        ? Promise.resolve()
        : this.ctx.blockConcurrencyWhile(() => this.importLegacy(orgId)).catch((error: unknown) => {
            this.opening = null;
            throw error;
          });
    }
    return this.opening;
  }

  /**
   * The org's rows from D1's legacy `conversations` table, page by page (each page committed
   * with how far it got, so a takeover cut short resumes there), then deleted in D1.
   */
  private async importLegacy(orgId: string): Promise<void> {
    if (this.index.imported()) return;
    let after = this.index.importCursor();
    while (true) {
      const page = await this.env.DB.prepare("SELECT rowid AS rid, * FROM conversations WHERE org_id = ? AND rowid > ? ORDER BY rowid LIMIT ?")
        .bind(orgId, after, IMPORT_PAGE)
        .all<Record<string, unknown> & { rid: number }>();
      const done = page.results.length < IMPORT_PAGE;
      after = page.results.at(-1)?.rid ?? after;
      this.index.importLegacy(page.results, after, done);
      if (done) break;
    }
    this.fullText.backfill();
    if (after > 0) await this.env.DB.prepare("DELETE FROM conversations WHERE org_id = ?").bind(orgId).run();
  }
}

const waitsForAnyone = (entry: IndexEntry) => entry.status === "waiting" && !entry.assigneeId;
