/**
 * How clients reach a conversation: the requests the worker forwards (after it checked the
 * token, the origin and the org), hibernatable WebSockets for visitors and staff, and SSE
 * streams. Every event goes to every connected client in the order it happened, and a
 * client that comes back with its last seq gets exactly what it missed, then the reply in
 * progress, then the status. Visitor connections are capped per conversation and per IP
 * (http/connection-caps.ts); visitor sends are rate-limited per conversation here (a sliding
 * window in this object's storage) and, for WebSocket sends, per IP.
 */
import { MAX_FRAME_BYTES, TRANSCRIPT_PAGE } from "../../shared/limits";
import { ClientFrame } from "../../shared/protocol";
import { IP_HEADER } from "../durable/rpc";
import { randomId } from "../ids";
import { connectionCaps, TOO_MANY_CONNECTIONS, tooManyConnections, TRY_AGAIN_LATER } from "../http/connection-caps";
import { errorResponse } from "../http/errors";
import { ipLimiter, limits, SlidingLog, tooMany } from "../http/rate-limit";
import { publicProvider, servingFamily } from "../providers/serving";
import { Clients } from "./clients";
import type { StatusMachine } from "./handoff";
import type { ConversationState } from "./state";
import type { Turns } from "./turns";
import type { VisitorActions } from "./visitor-actions";

interface SocketState {
  audience: "visitor" | "staff";
  staffId?: string;
  name?: string;
  /** The visitor's IP, for the per-IP send limit and connection cap. */
  ip?: string;
  /** This socket's lease on its IP's connection cap. */
  lease?: string;
}

type Admission<T> = { ok: true; value: T } | { ok: false; message: string };

export class Transport {
  /** New visitor messages per window (resends do not count), counted in this object's storage. */
  private readonly sends: SlidingLog;
  /** Visitor sends are handled one at a time, so seqs follow arrival order. */
  private sendQueue: Promise<unknown> = Promise.resolve();
  /** Leases being taken (asked of the IP's limiter, not yet held by a connection). */
  private readonly pending = new Set<string>();
  /** The IP each lease held by this object's connections counts against. */
  private readonly leaseIps = new Map<string, string>();

  constructor(
    private readonly c: ConversationState,
    private readonly visitor: VisitorActions,
    private readonly status: StatusMachine,
    private readonly turns: Turns,
  ) {
    this.sends = new SlidingLog(c.ctx.storage);
    c.clients.onLeaseEnded = (lease) => void this.endLease(lease);
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
        return this.acceptSocket(request, { audience: "visitor", ip: this.ipOf(request) });
      case "GET /staff-ws":
        return this.acceptSocket(request, {
          audience: "staff",
          staffId: url.searchParams.get("staffId") ?? "",
          name: url.searchParams.get("name") ?? "",
        });
      case "POST /messages":
        return this.postMessage((await request.json()) as { clientMessageId: string; text: string }, this.ipOf(request));
      case "GET /messages":
        return this.getMessages(request, url);
      case "POST /stop":
        await this.turns.stop();
        return Response.json({ stopped: true });
      case "POST /handoff":
        return this.visitor.visitorHandoff();
      case "POST /feedback":
        return this.visitor.feedback((await request.json()) as { messageId: string; rating: 1 | -1 });
      case "POST /attachments": {
        const body = (await request.json()) as Parameters<VisitorActions["attach"]>[0];
        return this.serially(async () => {
          const wait = this.c.transcript.byClientId(body.clientMessageId) ? null : this.visitorLimit();
          if (wait !== null) {
            const error = tooMany(wait, "messages");
            return errorResponse(429, error.code, error.message, error.headers);
          }
          return this.visitor.attach(body);
        });
      }
      case "POST /lead":
        return this.visitor.lead((await request.json()) as { email: string; name?: string; note?: string });
      default:
        return errorResponse(404, "not_found", "no such route");
    }
  }

  private async acceptSocket(request: Request, state: SocketState): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse(426, "upgrade_required", "this endpoint speaks WebSocket");
    }
    // Who answers this conversation now (read before the socket joins: what it misses
    // meanwhile is in the backlog below).
    const family = await servingFamily(this.c.env, this.c.requireMeta().orgId, this.c.requireMeta().activeAgent);
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    if (state.audience === "visitor") {
      const admitted = await this.admit(state.ip ?? "local", (lease) => {
        this.c.ctx.acceptWebSocket(server, [state.audience]);
        server.serializeAttachment({ ...state, lease });
      });
      if (!admitted.ok) {
        // A browser cannot read the status of a refused upgrade: accept, say why, close.
        server.accept();
        Clients.sendTo(server, { type: "error", data: { code: TOO_MANY_CONNECTIONS, message: admitted.message } });
        server.close(TRY_AGAIN_LATER, "too many connections");
        return new Response(null, { status: 101, webSocket: client });
      }
    } else {
      this.c.ctx.acceptWebSocket(server, [state.audience]);
      server.serializeAttachment(state);
    }
    const after = Number(new URL(request.url).searchParams.get("after") ?? "NaN");
    const meta = this.c.requireMeta();
    Clients.sendTo(server, {
      type: "ready",
      data: {
        conversationId: meta.conversationId,
        status: meta.status,
        lastSeq: this.c.transcript.lastSeq(),
        provider: publicProvider(family),
        family,
        working: !!this.c.turn || this.turns.hasPending(),
      },
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
        // Latency: the turn's configs are read while the limits are checked and the message stored.
        this.turns.prepare();
        await this.serially(async () => {
          if (!this.c.transcript.byClientId(frame.clientMessageId)) {
            // The IP's limiter is asked before this object writes (the visitor's count is
            // only read first): a call that leaves before a write is not held until the
            // write is durable (the output gate). The visitor's send is counted once the IP admitted it.
            let wait: number | null;
            if (this.sends.fits([{ name: "sendsPerVisitor", ...limits(this.c.env).sendsPerVisitor }])) {
              wait = (await this.ipLimit(socket?.ip ?? "local")) ?? this.visitorLimit();
            } else wait = this.visitorLimit();
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

  /** A socket closed (or failed): its lease on the IP's cap is given back. */
  async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
    const socket = ws.deserializeAttachment() as SocketState | null;
    if (socket?.lease) await this.endLease(socket.lease, socket.ip ?? "local");
  }

  /** Which of these leases are held by a connection here (or being taken). */
  liveConnections(leaseIds: string[]): string[] {
    const live = new Set([...this.pending, ...this.c.clients.streamLeases()]);
    for (const ws of this.c.ctx.getWebSockets("visitor")) {
      const lease = (ws.deserializeAttachment() as SocketState | null)?.lease;
      if (lease) live.add(lease);
    }
    return leaseIds.filter((id) => live.has(id));
  }

  /**
   * Admits one more visitor connection from `ip` — within this conversation's cap and the
   * IP's — and hands its lease to `open`, which must register the connection before anything
   * else runs; or says which cap is full.
   */
  private async admit<T>(ip: string, open: (lease: string) => T): Promise<Admission<T>> {
    const caps = connectionCaps(this.c.env);
    const here = this.c.ctx.getWebSockets("visitor").length + this.c.clients.streamCount("visitor") + this.pending.size;
    if (here >= caps.perConversation) return { ok: false, message: `too many open connections on this conversation (at most ${caps.perConversation})` };
    const lease = randomId("cx_", 12);
    // Counted here while the limiter is asked, so concurrent requests cannot all pass the check above.
    this.pending.add(lease);
    try {
      const granted = await ipLimiter(this.c.env, ip).openConnection({ id: lease, conversationId: this.c.requireMeta().conversationId }, caps.perIp);
      if (!granted) return { ok: false, message: `too many open connections from this address (at most ${caps.perIp})` };
      this.leaseIps.set(lease, ip);
      return { ok: true, value: open(lease) };
    } finally {
      this.pending.delete(lease);
    }
  }

  /** Gives a lease back to its IP's limiter (a socket after hibernation names its IP from its attachment). */
  private async endLease(lease: string, ip = this.leaseIps.get(lease) ?? "local"): Promise<void> {
    this.leaseIps.delete(lease);
    await ipLimiter(this.c.env, ip)
      .closeConnection(lease)
      .catch((error: unknown) => console.error("connection lease not returned", error));
  }

  /** The IP the worker read for this request (never the client's say). */
  private ipOf(request: Request): string {
    return request.headers.get(IP_HEADER) ?? "local";
  }

  /** Counts a WebSocket send against the client's IP (HTTP sends are counted by the worker). */
  private async ipLimit(ip: string): Promise<number | null> {
    const result = await ipLimiter(this.c.env, ip).hit([{ name: "sendsPerIp", ...limits(this.c.env).sendsPerIp }]);
    return result.ok ? null : result.retryAfterMs;
  }

  /** Counts a new visitor message against this conversation's window; null, or how long until one fits. */
  private visitorLimit(): number | null {
    const result = this.sends.hit([{ name: "sendsPerVisitor", ...limits(this.c.env).sendsPerVisitor }]);
    return result.ok ? null : result.retryAfterMs;
  }

  private postMessage(body: { clientMessageId: string; text: string }, ip: string): Promise<Response> {
    // Latency: the turn's configs are read while the message is stored.
    this.turns.prepare();
    return this.serially(() => this.postMessageNow(body, ip));
  }

  private async postMessageNow(body: { clientMessageId: string; text: string }, ip: string): Promise<Response> {
    // The answer is a stream: a connection like any other, within the caps.
    let seq = Number.POSITIVE_INFINITY;
    let awaitingTurn = false;
    const admitted = await this.admit(ip, (lease) =>
      // The stream is open before the message is stored, so it cannot miss the first delta.
      this.c.clients.openStream(
        "visitor",
        (event) => {
          if (event.type === "done") return (event.data.upTo ?? Number.POSITIVE_INFINITY) >= seq;
          // A person took over before any turn covered this message: no `done` will come for it.
          return awaitingTurn && event.type === "status" && event.data.status !== "bot" && !(this.c.turn && this.c.turn.upTo >= seq);
        },
        lease,
      ),
    );
    if (!admitted.ok) {
      const error = tooManyConnections(admitted.message);
      return errorResponse(429, error.code, error.message, error.headers);
    }
    const stream = admitted.value;
    if (!this.c.transcript.byClientId(body.clientMessageId)) {
      const wait = this.visitorLimit();
      if (wait !== null) {
        stream.close();
        const error = tooMany(wait, "messages");
        return errorResponse(429, error.code, error.message, error.headers);
      }
    }
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
      // A resend of an answered message hears how its turn really ended (a budget stop is
      // not a `complete`); a turn too old to be remembered reads as complete.
      const ended = answered ? meta.turnEnds?.find((t) => t.upTo >= message.seq) : undefined;
      stream.send({ type: "done", data: ended ? { turnId: ended.turnId, reason: ended.reason, upTo: ended.upTo } : { reason: answered ? "complete" : "skipped" } });
    } else awaitingTurn = true;
    return stream.response;
  }

  private async getMessages(request: Request, url: URL): Promise<Response> {
    // An EventSource that reconnects sends the last id it saw: newer than the URL's `after`.
    const afterParam = request.headers.get("last-event-id") ?? url.searchParams.get("after") ?? "0";
    const after = Number(afterParam);
    const limit = Math.min(Number(url.searchParams.get("limit") ?? TRANSCRIPT_PAGE) || TRANSCRIPT_PAGE, TRANSCRIPT_PAGE);
    const meta = this.c.requireMeta();
    if ((request.headers.get("accept") ?? "").includes("text/event-stream")) {
      // A live stream for clients that cannot use WebSockets: the backlog, then everything.
      const admitted = await this.admit(this.ipOf(request), (lease) => this.c.clients.openStream("visitor", undefined, lease));
      if (!admitted.ok) {
        const error = tooManyConnections(admitted.message);
        return errorResponse(429, error.code, error.message, error.headers);
      }
      const stream = admitted.value;
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
