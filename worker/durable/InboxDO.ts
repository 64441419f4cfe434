/**
 * One per org: the live feed of its support inbox. Conversations report every change here
 * (a new message, a status change, a claim); this object fans it out to every signed-in
 * staff member's WebSocket. Sockets hibernate between events.
 */
import { DurableObject } from "cloudflare:workers";
import type { InboxEvent } from "../../shared/staff";
import type { Env } from "../env";

const PING = '{"type":"ping"}';
const PONG = '{"type":"pong","data":{}}';

export class InboxDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
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

  async publish(event: InboxEvent): Promise<void> {
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
}
