/**
 * One per org: its conversation index (org/conversation-index.ts) and the live feed of its
 * support inbox. Every conversation sends its row here after each change (a message, a
 * status change, a claim, an unread count) instead of updating a shared database; the
 * admin list, the inbox's queue and the visitor-identity lookups read it here. Each change
 * is fanned out to every signed-in staff member's WebSocket; sockets hibernate between
 * events.
 *
 * On first use the object takes over the org's rows an earlier version kept in D1's
 * `conversations` table.
 */
import { DurableObject } from "cloudflare:workers";
import type { InboxEvent } from "../../shared/staff";
import type { Env } from "../env";
import { ConversationIndex, toSummary } from "../org/conversation-index";
import type { IndexEntry, IndexQuery, InboxRpc } from "./rpc";

const PING = '{"type":"ping"}';
const PONG = '{"type":"pong","data":{}}';
/** Legacy rows read from D1 per query while taking over. */
const IMPORT_PAGE = 500;

export class InboxDO extends DurableObject<Env> implements InboxRpc {
  private readonly index: ConversationIndex;
  private opening: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.index = new ConversationIndex(ctx.storage);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** The worker has checked the staff session; `staffId` tags the socket. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket", { status: 426 });
    const staffId = new URL(request.url).searchParams.get("staff") ?? "";
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [`staff:${staffId}`]);
    pair[1].send(JSON.stringify({ type: "ready", data: { staffId } } satisfies InboxEvent));
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  async update(orgId: string, entry: IndexEntry, event: InboxEvent | null): Promise<void> {
    await this.open(orgId);
    const stored = this.index.upsert(entry);
    if (event) this.broadcast(event);
    // A row that arrived after a newer one is not news.
    else if (stored) this.broadcast({ type: "conversation", data: toSummary(entry) });
  }

  async list(query: IndexQuery): Promise<IndexEntry[]> {
    await this.open(query.orgId);
    return this.index.list(query);
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
  }

  private open(orgId: string): Promise<void> {
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
    if (after > 0) await this.env.DB.prepare("DELETE FROM conversations WHERE org_id = ?").bind(orgId).run();
  }
}
