/**
 * How clients reach a conversation: the requests the worker forwards (after it checked the
 * token, the origin and the org), hibernatable WebSockets for visitors and staff, and SSE
 * streams. Every event goes to every connected client in the order it happened, and a
 * client that comes back with its last seq gets exactly what it missed, then the reply in
 * progress, then the status.
 */
import { MAX_FRAME_BYTES, TRANSCRIPT_PAGE } from "../../shared/limits";
import { ClientFrame } from "../../shared/protocol";
import { errorResponse } from "../http/errors";
import { limits, SlidingWindow, tooMany } from "../http/rate-limit";
import { defaultProviderKind } from "../providers/select";
import { Clients } from "./clients";
import type { StatusMachine } from "./handoff";
import type { ConversationState } from "./state";
import type { Turns } from "./turns";
import type { VisitorActions } from "./visitor-actions";

interface SocketState {
  audience: "visitor" | "staff";
  staffId?: string;
  name?: string;
  /** The visitor's IP, for the per-IP send limit. */
  ip?: string;
}

export class Transport {
  /** New visitor messages per minute (resends do not count). */
  private readonly sends: SlidingWindow;
  /** Visitor sends are handled one at a time, so seqs follow arrival order. */
  private sendQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly c: ConversationState,
    private readonly visitor: VisitorActions,
    private readonly status: StatusMachine,
    private readonly turns: Turns,
  ) {
    const { sendsPerVisitor } = limits(c.env);
    this.sends = new SlidingWindow(sendsPerVisitor.limit, sendsPerVisitor.windowMs);
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.sendQueue.then(work, work);
    this.sendQueue = next.catch(() => {});
    return next;
  }

  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    switch (`${request.method} ${url.pathname}`) {
      case "GET /ws":
        return this.acceptSocket(request, { audience: "visitor", ip: url.searchParams.get("ip") ?? "local" });
      case "GET /staff-ws":
        return this.acceptSocket(request, {
          audience: "staff",
          staffId: url.searchParams.get("staffId") ?? "",
          name: url.searchParams.get("name") ?? "",
        });
      case "POST /messages":
        return this.postMessage((await request.json()) as { clientMessageId: string; text: string });
      case "GET /messages":
        return this.getMessages(request, url);
      case "POST /stop":
        await this.turns.stop();
        return Response.json({ stopped: true });
      case "POST /handoff":
        return this.visitor.visitorHandoff();
      case "POST /feedback":
        return this.visitor.feedback((await request.json()) as { messageId: string; rating: 1 | -1 });
      case "POST /lead":
        return this.visitor.lead((await request.json()) as { email: string; name?: string; note?: string });
      default:
        return errorResponse(404, "not_found", "no such route");
    }
  }

  private acceptSocket(request: Request, state: SocketState): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse(426, "upgrade_required", "this endpoint speaks WebSocket");
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.c.ctx.acceptWebSocket(server, [state.audience]);
    server.serializeAttachment(state);
    const after = Number(new URL(request.url).searchParams.get("after") ?? "NaN");
    const meta = this.c.requireMeta();
    Clients.sendTo(server, {
      type: "ready",
      data: { conversationId: meta.conversationId, status: meta.status, lastSeq: this.c.transcript.lastSeq(), provider: defaultProviderKind(this.c.env) },
    });
    if (Number.isInteger(after) && after >= 0) this.sendBacklog(server, after);
    if (state.audience === "staff") for (const note of this.c.notes.all()) Clients.sendTo(server, { type: "note", data: note });
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const text = typeof raw === "string" ? raw : null;
    if (text === null || text.length > MAX_FRAME_BYTES) {
      Clients.sendTo(ws, { type: "error", data: { code: "bad_frame", message: `frames must be JSON text of at most ${MAX_FRAME_BYTES} bytes` } });
      return;
    }
    let frame: ClientFrame;
    try {
      const parsed = ClientFrame.safeParse(JSON.parse(text));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        Clients.sendTo(ws, { type: "error", data: { code: "bad_frame", message: issue ? `${issue.path.join(".") || "frame"}: ${issue.message}` : "invalid frame" } });
        return;
      }
      frame = parsed.data;
    } catch {
      Clients.sendTo(ws, { type: "error", data: { code: "bad_frame", message: "frames must be JSON" } });
      return;
    }
    const socket = ws.deserializeAttachment() as SocketState | null;
    if (socket?.audience === "staff") {
      // Staff act through the HTTP API (it checks CSRF); their socket carries presence only.
      if (frame.type === "typing") this.c.clients.broadcast({ type: "typing", data: { who: "staff", name: socket.name ?? "" } }, ["visitor"]);
      else if (frame.type === "resume") this.sendBacklog(ws, frame.after);
      else if (frame.type === "ping") Clients.sendTo(ws, { type: "pong", data: {} });
      return;
    }
    switch (frame.type) {
      case "send":
        // Latency: the turn's agent config is read while the limits are checked and the message stored.
        this.turns.prepare();
        await this.serially(async () => {
          if (!this.c.transcript.byClientId(frame.clientMessageId)) {
            const wait = this.sends.hit() ?? (await this.ipLimit(socket?.ip ?? "local"));
            if (wait !== null) {
              const seconds = Math.max(1, Math.ceil(wait / 1000));
              Clients.sendTo(ws, { type: "error", data: { code: "rate_limited", message: `too many messages; try again in ${seconds} s`, retryAfter: seconds } });
              return;
            }
          }
          const { message, duplicate } = await this.visitor.accept(frame.clientMessageId, frame.text);
          Clients.sendTo(ws, { type: "ack", data: { clientMessageId: frame.clientMessageId, seq: message.seq, messageId: message.id, duplicate } });
        });
        return;
      case "resume":
        this.sendBacklog(ws, frame.after);
        return;
      case "stop":
        await this.turns.stop();
        return;
      case "typing":
        this.c.clients.broadcast({ type: "typing", data: { who: "visitor" } }, ["staff"]);
        return;
      case "ping":
        Clients.sendTo(ws, { type: "pong", data: {} });
        return;
    }
  }

  webSocketClose(ws: WebSocket, code: number): void {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
  }

  /** Counts a WebSocket send against the client's IP (HTTP sends are counted by the worker). */
  private async ipLimit(ip: string): Promise<number | null> {
    const spec = limits(this.c.env).sendsPerIp;
    const result = await this.c.env.RATE_LIMITER.get(this.c.env.RATE_LIMITER.idFromName(`ip:${ip}`)).hit([{ name: "sendsPerIp", ...spec }]);
    return result.ok ? null : result.retryAfterMs;
  }

  private postMessage(body: { clientMessageId: string; text: string }): Promise<Response> {
    // Latency: the turn's agent config is read while the message is stored.
    this.turns.prepare();
    return this.serially(() => this.postMessageNow(body));
  }

  private async postMessageNow(body: { clientMessageId: string; text: string }): Promise<Response> {
    if (!this.c.transcript.byClientId(body.clientMessageId)) {
      const wait = this.sends.hit();
      if (wait !== null) {
        const error = tooMany(wait, "messages");
        return errorResponse(429, error.code, error.message, error.headers);
      }
    }
    // The stream is open before the message is stored, so it cannot miss the first delta.
    let seq = Number.POSITIVE_INFINITY;
    let awaitingTurn = false;
    const stream = this.c.clients.openStream("visitor", (event) => {
      if (event.type === "done") return (event.data.upTo ?? Number.POSITIVE_INFINITY) >= seq;
      // A person took over before any turn covered this message: no `done` will come for it.
      return awaitingTurn && event.type === "status" && event.data.status !== "bot" && !(this.c.turn && this.c.turn.upTo >= seq);
    });
    const { message, duplicate } = await this.visitor.accept(body.clientMessageId, body.text);
    seq = message.seq;
    const meta = this.c.requireMeta();
    const turn = this.c.turn;
    const answered = message.seq <= meta.answeredSeq;
    const inFlight = !!turn && turn.upTo >= message.seq;
    const botWillAnswer = meta.status === "bot" && !answered;
    if (duplicate) {
      // Replay what this message already produced: itself and everything after it.
      for (const m of this.c.transcript.after(message.seq - 1, TRANSCRIPT_PAGE)) stream.send({ type: "message", data: m });
      if (inFlight && turn?.text) {
        stream.send({ type: "delta", data: { messageId: turn.messageId, text: turn.text, offset: 0, author: turn.author } });
      }
    }
    if (!botWillAnswer && !inFlight) {
      if (meta.status !== "bot") stream.send({ type: "status", data: this.status.statusData(meta) });
      stream.send({ type: "done", data: { reason: answered ? "complete" : "skipped" } });
    } else awaitingTurn = true;
    return stream.response;
  }

  private getMessages(request: Request, url: URL): Response {
    // An EventSource that reconnects sends the last id it saw: newer than the URL's `after`.
    const afterParam = request.headers.get("last-event-id") ?? url.searchParams.get("after") ?? "0";
    const after = Number(afterParam);
    const limit = Math.min(Number(url.searchParams.get("limit") ?? TRANSCRIPT_PAGE) || TRANSCRIPT_PAGE, TRANSCRIPT_PAGE);
    const meta = this.c.requireMeta();
    if ((request.headers.get("accept") ?? "").includes("text/event-stream")) {
      // A live stream for clients that cannot use WebSockets: the backlog, then everything.
      const stream = this.c.clients.openStream("visitor");
      for (const m of this.c.transcript.after(after, TRANSCRIPT_PAGE)) stream.send({ type: "message", data: m });
      const turn = this.c.turn;
      if (turn?.text) stream.send({ type: "delta", data: { messageId: turn.messageId, text: turn.text, offset: 0, author: turn.author } });
      stream.send({ type: "status", data: this.status.statusData(meta) });
      return stream.response;
    }
    const messages = this.c.transcript.after(after, limit + 1);
    return Response.json({ conversationId: meta.conversationId, status: meta.status, messages: messages.slice(0, limit), more: messages.length > limit });
  }

  sendBacklog(ws: WebSocket, after: number): void {
    let cursor = after;
    while (true) {
      const page = this.c.transcript.after(cursor, TRANSCRIPT_PAGE);
      for (const m of page) Clients.sendTo(ws, { type: "message", data: m });
      if (page.length < TRANSCRIPT_PAGE) break;
      cursor = page[page.length - 1]?.seq ?? cursor;
    }
    const turn = this.c.turn;
    if (turn?.text) Clients.sendTo(ws, { type: "delta", data: { messageId: turn.messageId, text: turn.text, offset: 0, author: turn.author } });
    Clients.sendTo(ws, { type: "status", data: this.status.statusData(this.c.requireMeta()) });
  }
}
