/**
 * One conversation: its transcript, its status, everyone connected to it (visitors and
 * staff), and the turn the bot is running. Visitor messages are stored first (idempotent on
 * the client's message id), then answered by one turn of the conversation's agent — but
 * only while the status is `bot`: once a person is involved the bot stays silent, here on
 * the server. Every event goes to every connected client in the order it happened, and a
 * client that comes back with its last seq gets exactly what it missed.
 */
import { DurableObject } from "cloudflare:workers";
import type { AgentConfig, SiteConfig } from "../../shared/config";
import { MAX_FRAME_BYTES, TRANSCRIPT_PAGE } from "../../shared/limits";
import {
  type ActivityData,
  ClientFrame,
  type ConversationStatus,
  type ServerEvent,
  type StatusData,
  type StoredMessage,
} from "../../shared/protocol";
import type { ConversationDetail, ConversationSummary, InboxEvent, Note, StaffMember } from "../../shared/staff";
import type { CheckedIdentity } from "../auth/identity";
import { getAgent, getSite } from "../config/store";
import { staffedNow } from "../conversation/business-hours";
import { Clients } from "../conversation/clients";
import { indexIdentity, indexMessage, indexStatus, insertIndexRow } from "../conversation/index-row";
import { type ConversationMeta, MetaStore } from "../conversation/meta";
import { Notes } from "../conversation/notes";
import { REPLIES, relayReplies } from "../conversation/replies";
import { canMove } from "../conversation/status";
import { type NewMessage, Transcript } from "../conversation/transcript";
import { RunCancelled, runController, sleep } from "../engine/abort";
import { Budget } from "../engine/budget";
import { runAgent } from "../engine/run-agent";
import type { ConversationPort, RunResult } from "../engine/types";
import type { Env } from "../env";
import { errorResponse } from "../http/errors";
import { limits, SlidingWindow, tooMany } from "../http/rate-limit";
import { randomId } from "../ids";
import { SpanLog } from "../log/spans";
import { providerFor } from "../providers/select";
import type { ChatMessage } from "../providers/types";
import type { WebhookEvent } from "./WebhookDO";

/** History the agent sees: the last this many messages. */
const HISTORY = 40;
/** If the object restarts mid-turn, this alarm picks the unanswered message up again. */
const WATCHDOG_MS = 60_000;
/** Transfers allowed within one turn (A → B → C), so two agents cannot bounce forever. */
const MAX_TRANSFERS = 2;
/** How long a stop waits for the turn to wind down. */
const STOP_GRACE_MS = 5_000;
/** A turn whose object keeps crashing is given up after this many tries. */
const MAX_TURN_ATTEMPTS = 3;
/** Turns in a row that fail, or delegations failing in one turn, before a person is called. */
const FAILURE_POLICY = 2;

const PING = '{"type":"ping"}';
const PONG = '{"type":"pong","data":{}}';

export interface InitRequest {
  conversationId: string;
  siteKey: string;
  orgId: string;
  entryAgent: string;
  visitorId?: string;
  pageUrl?: string;
  identity?: CheckedIdentity;
}

interface StatusDetails {
  reason: string;
  /** Only move from these statuses (what the caller saw may have changed while it waited). */
  from?: ConversationStatus[];
  summary?: string;
  runId?: string;
  parentSpanId?: string;
  assigneeId?: string | undefined;
  assigneeName?: string | undefined;
  by?: StaffMember;
}

interface Transition {
  from: ConversationStatus;
  meta: ConversationMeta;
  details: StatusDetails;
  site: SiteConfig | null;
}

/** What a staff action answers: the worker turns a refusal into a 4xx. */
export type StaffResult = { ok: true; status: ConversationStatus } | { ok: false; httpStatus: 404 | 409; code: string; message: string };

interface Turn {
  id: string;
  upTo: number;
  messageId: string;
  author: string;
  text: string;
  /** Aborted by a stop or a person taking over, from the turn's first moment on. */
  abort: AbortController;
  children: Set<() => Promise<void>>;
  /** Settles when the turn has stored its reply and said `done`. */
  settled: Promise<void>;
}

interface SocketState {
  audience: "visitor" | "staff";
  staffId?: string;
  name?: string;
  /** The visitor's IP, for the per-IP send limit. */
  ip?: string;
}

export class ConversationDO extends DurableObject<Env> {
  private readonly transcript: Transcript;
  private readonly notes: Notes;
  private readonly meta: MetaStore;
  private readonly clients: Clients;
  private turn: Turn | null = null;
  private loop: Promise<void> | null = null;
  /** New visitor messages per minute (resends do not count). */
  private sends: SlidingWindow;
  /** Visitor sends are handled one at a time, so seqs follow arrival order. */
  private sendQueue: Promise<unknown> = Promise.resolve();

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.sendQueue.then(work, work);
    this.sendQueue = next.catch(() => {});
    return next;
  }

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.transcript = new Transcript(ctx.storage.sql);
    this.notes = new Notes(ctx.storage.sql);
    this.meta = new MetaStore(ctx.storage.sql);
    this.clients = new Clients(ctx);
    const { sendsPerVisitor } = limits(env);
    this.sends = new SlidingWindow(sendsPerVisitor.limit, sendsPerVisitor.windowMs);
    // Keep-alive pings are answered without waking a hibernated object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  // ---- RPC from the worker and from delegated runs -------------------------------------

  async init(request: InitRequest): Promise<void> {
    if (this.meta.get()) return;
    const createdAt = new Date().toISOString();
    this.meta.put({
      conversationId: request.conversationId,
      siteKey: request.siteKey,
      orgId: request.orgId,
      ...(request.visitorId ? { visitorId: request.visitorId } : {}),
      ...(request.pageUrl ? { pageUrl: request.pageUrl } : {}),
      ...(request.identity ? { identity: request.identity } : {}),
      status: "bot",
      activeAgent: request.entryAgent,
      answeredSeq: 0,
      createdAt,
      failures: 0,
      unread: 0,
    });
    await insertIndexRow(this.env.DB, {
      id: request.conversationId,
      orgId: request.orgId,
      siteKey: request.siteKey,
      ...(request.visitorId ? { visitorId: request.visitorId } : {}),
      createdAt,
    });
    if (request.identity) await indexIdentity(this.env.DB, request.conversationId, request.identity);
  }

  /** The site told us who the visitor is (checked by the worker). */
  async identify(identity: CheckedIdentity): Promise<void> {
    const meta = this.meta.update({ identity });
    await indexIdentity(this.env.DB, meta.conversationId, identity);
    this.publishSummary();
  }

  /** A delegated run reports what it is doing; visitors see it as an activity line. */
  async activity(data: ActivityData): Promise<void> {
    this.clients.broadcast({ type: "activity", data });
  }

  /** An agent's `handoff_to_human`. */
  async handoff(request: Parameters<ConversationPort["handoff"]>[0]): Promise<{ status: string }> {
    const meta = this.meta.get();
    if (!meta) return { status: "unknown" };
    if (meta.status === "bot") {
      await this.setStatus("waiting", { reason: request.reason, summary: request.summary, runId: request.runId, parentSpanId: request.spanId, from: ["bot"] });
    }
    return { status: this.meta.get()?.status ?? "waiting" };
  }

  async captureLead(lead: { name?: string; email: string; note?: string; agentId?: string; source?: string }): Promise<{ id: string }> {
    const meta = this.requireMeta();
    const id = randomId("lead_", 12);
    await this.env.DB.prepare(
      "INSERT INTO leads (id, org_id, site_key, conversation_id, name, email, note, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
      .bind(id, meta.orgId, meta.siteKey, meta.conversationId, lead.name ?? null, lead.email, lead.note ?? null, lead.source ?? `agent:${lead.agentId}`)
      .run();
    return { id };
  }

  // ---- Staff actions (the worker has checked the session and the org) --------------------

  async staffDetail(): Promise<ConversationDetail | null> {
    const meta = this.meta.get();
    if (!meta) return null;
    const messages: StoredMessage[] = [];
    let cursor = 0;
    while (true) {
      const page = this.transcript.after(cursor, TRANSCRIPT_PAGE);
      messages.push(...page);
      if (page.length < TRANSCRIPT_PAGE) break;
      cursor = page[page.length - 1]?.seq ?? cursor;
    }
    return {
      conversation: {
        ...this.summary(meta),
        identityVerified: meta.identity?.verified ?? false,
        pageUrl: meta.pageUrl ?? null,
        leadRequested: !!meta.leadRequested,
      },
      messages,
      notes: this.notes.all(),
    };
  }

  /**
   * Atomic: the status check and the change happen with no wait in between (the object runs
   * one event at a time between awaits), so of two staff claiming at once, one wins.
   */
  async claim(staff: StaffMember): Promise<StaffResult> {
    const meta = this.meta.get();
    if (!meta) return notFound();
    if (meta.status === "human") {
      if (meta.assigneeId === staff.id) return { ok: true, status: "human" };
      return { ok: false, httpStatus: 409, code: "already_claimed", message: `${meta.assigneeName ?? "Someone"} already has this conversation` };
    }
    const moved = this.transition("human", { reason: "claim", assigneeId: staff.id, assigneeName: staff.name });
    if (!moved) return refused(meta.status, "human");
    // A person taking over stops the bot mid-reply; its partial reply is stored before "joined".
    await this.stop();
    await this.afterTransition(moved);
    this.appendAndBroadcast({ id: randomId("m_"), role: "system", text: `${staff.name} joined the conversation.` });
    return { ok: true, status: "human" };
  }

  async staffReply(staff: StaffMember, text: string): Promise<StaffResult & { stored?: StoredMessage }> {
    const meta = this.meta.get();
    if (!meta) return notFound();
    if (meta.status === "human" && meta.assigneeId !== staff.id) {
      return { ok: false, httpStatus: 409, code: "not_assignee", message: `${meta.assigneeName ?? "Someone else"} has this conversation; claim it first` };
    }
    // Replying to an unclaimed conversation claims it (in the same atomic step).
    if (meta.status !== "human") {
      const claimed = await this.claim(staff);
      if (!claimed.ok) return claimed;
    }
    const message = this.appendAndBroadcast({ id: randomId("m_"), role: "human", text, author: staff.name });
    this.meta.update({ unread: 0 });
    this.publishSummary();
    await this.webhook("message.human", { message, staff: { id: staff.id, name: staff.name } });
    return { ok: true, status: "human", stored: message };
  }

  async addNote(staff: StaffMember, text: string): Promise<Note> {
    const note = this.notes.add({ id: randomId("n_"), text, author: staff.name, authorId: staff.id, createdAt: new Date().toISOString() });
    this.clients.broadcast({ type: "note", data: note }, ["staff"]);
    return note;
  }

  async resolve(staff: StaffMember): Promise<StaffResult> {
    const meta = this.meta.get();
    if (!meta) return notFound();
    if (meta.status === "resolved") return { ok: true, status: "resolved" };
    if (!canMove(meta.status, "resolved")) return refused(meta.status, "resolved");
    await this.stop();
    await this.setStatus("resolved", { reason: "staff", assigneeId: meta.assigneeId, assigneeName: meta.assigneeName, by: staff });
    this.appendAndBroadcast({ id: randomId("m_"), role: "system", text: `${staff.name} marked this conversation as resolved.` });
    await this.webhook("conversation.resolved", { by: { id: staff.id, name: staff.name } });
    return { ok: true, status: "resolved" };
  }

  async returnToBot(staff: StaffMember): Promise<StaffResult> {
    const meta = this.meta.get();
    if (!meta) return notFound();
    if (meta.status === "bot") return { ok: true, status: "bot" };
    // What visitors wrote to a person is not answered by the bot after the fact.
    this.meta.update({ answeredSeq: this.transcript.lastSeqOf("user"), failures: 0 });
    await this.setStatus("bot", { reason: "staff", by: staff });
    this.appendAndBroadcast({ id: randomId("m_"), role: "system", text: REPLIES.backToBot });
    return { ok: true, status: "bot" };
  }

  async markRead(): Promise<void> {
    if (!this.meta.get()) return;
    this.meta.update({ unread: 0 });
    this.publishSummary();
  }

  // ---- HTTP (forwarded by the worker after it checked the token and origin) ------------

  override async fetch(request: Request): Promise<Response> {
    const meta = this.meta.get();
    if (!meta) return errorResponse(404, "not_found", "conversation not found");
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
        await this.stop();
        return Response.json({ stopped: true });
      case "POST /handoff":
        return this.visitorHandoff();
      case "POST /feedback":
        return this.feedback((await request.json()) as { messageId: string; rating: 1 | -1 });
      case "POST /lead":
        return this.visitorLead((await request.json()) as { email: string; name?: string; note?: string });
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
    this.ctx.acceptWebSocket(server, [state.audience]);
    server.serializeAttachment(state);
    const after = Number(new URL(request.url).searchParams.get("after") ?? "NaN");
    const meta = this.requireMeta();
    Clients.sendTo(server, {
      type: "ready",
      data: { conversationId: meta.conversationId, status: meta.status, lastSeq: this.transcript.lastSeq(), provider: this.providerKind() },
    });
    if (Number.isInteger(after) && after >= 0) this.sendBacklog(server, after);
    if (state.audience === "staff") for (const note of this.notes.all()) Clients.sendTo(server, { type: "note", data: note });
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
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
      if (frame.type === "typing") this.clients.broadcast({ type: "typing", data: { who: "staff", name: socket.name ?? "" } }, ["visitor"]);
      else if (frame.type === "resume") this.sendBacklog(ws, frame.after);
      else if (frame.type === "ping") Clients.sendTo(ws, { type: "pong", data: {} });
      return;
    }
    switch (frame.type) {
      case "send":
        await this.serially(async () => {
          if (!this.transcript.byClientId(frame.clientMessageId)) {
            const wait = this.sends.hit() ?? (await this.ipLimit(socket?.ip ?? "local"));
            if (wait !== null) {
              const seconds = Math.max(1, Math.ceil(wait / 1000));
              Clients.sendTo(ws, { type: "error", data: { code: "rate_limited", message: `too many messages; try again in ${seconds} s`, retryAfter: seconds } });
              return;
            }
          }
          const { message, duplicate } = await this.accept(frame.clientMessageId, frame.text);
          Clients.sendTo(ws, { type: "ack", data: { clientMessageId: frame.clientMessageId, seq: message.seq, messageId: message.id, duplicate } });
        });
        return;
      case "resume":
        this.sendBacklog(ws, frame.after);
        return;
      case "stop":
        await this.stop();
        return;
      case "typing":
        this.clients.broadcast({ type: "typing", data: { who: "visitor" } }, ["staff"]);
        return;
      case "ping":
        Clients.sendTo(ws, { type: "pong", data: {} });
        return;
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
  }

  override async webSocketError(): Promise<void> {
    // Nothing to clean up: hibernatable sockets leave the object's socket list by themselves.
  }

  /** The watchdog for turns, and the timer that asks for an email when nobody claims. */
  override async alarm(): Promise<void> {
    const meta = this.meta.get();
    if (!meta) return;
    if (meta.status === "waiting" && !meta.leadRequested && meta.handoffDeadline && Date.now() >= meta.handoffDeadline) {
      await this.requestLead("nobody claimed the conversation in time");
    }
    if (!this.loop && this.hasPending()) this.kick();
    await this.scheduleAlarm();
  }

  private async scheduleAlarm(): Promise<void> {
    const meta = this.meta.get();
    const times: number[] = [];
    if (this.loop || this.hasPending()) times.push(Date.now() + WATCHDOG_MS);
    if (meta?.status === "waiting" && !meta.leadRequested && meta.handoffDeadline) times.push(meta.handoffDeadline);
    if (times.length) await this.ctx.storage.setAlarm(Math.min(...times));
    else await this.ctx.storage.deleteAlarm();
  }

  // ---- Messages -------------------------------------------------------------------------

  /** Stores a visitor message once; a resend with the same client id returns the first. */
  private async accept(clientMessageId: string, text: string): Promise<{ message: StoredMessage; duplicate: boolean }> {
    const existing = this.transcript.byClientId(clientMessageId);
    if (existing) return { message: existing, duplicate: true };
    // Writing again after a resolution reopens the conversation with the bot, which does not
    // answer what was written to a person.
    if (this.requireMeta().status === "resolved") {
      this.meta.update({ answeredSeq: this.transcript.lastSeqOf("user") });
      await this.setStatus("bot", { reason: "visitor wrote again", from: ["resolved"] });
      const arrived = this.transcript.byClientId(clientMessageId);
      if (arrived) return { message: arrived, duplicate: true };
    }
    const message = this.appendAndBroadcast({ id: randomId("m_"), role: "user", text, clientMessageId });
    const meta = this.requireMeta();
    if (meta.status === "bot") this.kick();
    else {
      // For a person: counted as unread in the inbox until staff reply or read.
      this.meta.update({ unread: meta.unread + 1 });
      this.publishSummary();
    }
    return { message, duplicate: false };
  }

  /** Counts a WebSocket send against the client's IP (HTTP sends are counted by the worker). */
  private async ipLimit(ip: string): Promise<number | null> {
    const spec = limits(this.env).sendsPerIp;
    const result = await this.env.RATE_LIMITER.get(this.env.RATE_LIMITER.idFromName(`ip:${ip}`)).hit([{ name: "sendsPerIp", ...spec }]);
    return result.ok ? null : result.retryAfterMs;
  }

  private postMessage(body: { clientMessageId: string; text: string }): Promise<Response> {
    return this.serially(() => this.postMessageNow(body));
  }

  private async postMessageNow(body: { clientMessageId: string; text: string }): Promise<Response> {
    if (!this.transcript.byClientId(body.clientMessageId)) {
      const wait = this.sends.hit();
      if (wait !== null) {
        const error = tooMany(wait, "messages");
        return errorResponse(429, error.code, error.message, error.headers);
      }
    }
    // The stream is open before the message is stored, so it cannot miss the first delta.
    let seq = Number.POSITIVE_INFINITY;
    let awaitingTurn = false;
    const stream = this.clients.openStream("visitor", (event) => {
      if (event.type === "done") return (event.data.upTo ?? Number.POSITIVE_INFINITY) >= seq;
      // A person took over before any turn covered this message: no `done` will come for it.
      return awaitingTurn && event.type === "status" && event.data.status !== "bot" && !(this.turn && this.turn.upTo >= seq);
    });
    const { message, duplicate } = await this.accept(body.clientMessageId, body.text);
    seq = message.seq;
    const meta = this.requireMeta();
    const answered = message.seq <= meta.answeredSeq;
    const inFlight = !!this.turn && this.turn.upTo >= message.seq;
    const botWillAnswer = meta.status === "bot" && !answered;
    if (duplicate) {
      // Replay what this message already produced: itself and everything after it.
      for (const m of this.transcript.after(message.seq - 1, TRANSCRIPT_PAGE)) stream.send({ type: "message", data: m });
      if (inFlight && this.turn?.text) {
        stream.send({ type: "delta", data: { messageId: this.turn.messageId, text: this.turn.text, offset: 0, author: this.turn.author } });
      }
    }
    if (!botWillAnswer && !inFlight) {
      if (meta.status !== "bot") stream.send({ type: "status", data: this.statusData(meta) });
      stream.send({ type: "done", data: { reason: answered ? "complete" : "skipped" } });
    } else awaitingTurn = true;
    return stream.response;
  }

  private getMessages(request: Request, url: URL): Response {
    // An EventSource that reconnects sends the last id it saw: newer than the URL's `after`.
    const afterParam = request.headers.get("last-event-id") ?? url.searchParams.get("after") ?? "0";
    const after = Number(afterParam);
    const limit = Math.min(Number(url.searchParams.get("limit") ?? TRANSCRIPT_PAGE) || TRANSCRIPT_PAGE, TRANSCRIPT_PAGE);
    const meta = this.requireMeta();
    if ((request.headers.get("accept") ?? "").includes("text/event-stream")) {
      // A live stream for clients that cannot use WebSockets: the backlog, then everything.
      const stream = this.clients.openStream("visitor");
      for (const m of this.transcript.after(after, TRANSCRIPT_PAGE)) stream.send({ type: "message", data: m });
      if (this.turn?.text) {
        stream.send({ type: "delta", data: { messageId: this.turn.messageId, text: this.turn.text, offset: 0, author: this.turn.author } });
      }
      stream.send({ type: "status", data: this.statusData(meta) });
      return stream.response;
    }
    const messages = this.transcript.after(after, limit + 1);
    return Response.json({ conversationId: meta.conversationId, status: meta.status, messages: messages.slice(0, limit), more: messages.length > limit });
  }

  private sendBacklog(ws: WebSocket, after: number): void {
    let cursor = after;
    while (true) {
      const page = this.transcript.after(cursor, TRANSCRIPT_PAGE);
      for (const m of page) Clients.sendTo(ws, { type: "message", data: m });
      if (page.length < TRANSCRIPT_PAGE) break;
      cursor = page[page.length - 1]?.seq ?? cursor;
    }
    if (this.turn?.text) {
      Clients.sendTo(ws, { type: "delta", data: { messageId: this.turn.messageId, text: this.turn.text, offset: 0, author: this.turn.author } });
    }
    Clients.sendTo(ws, { type: "status", data: this.statusData(this.requireMeta()) });
  }

  /** A visitor's thumbs up or down on a reply; a new vote on the same reply replaces the old. */
  private async feedback(body: { messageId: string; rating: 1 | -1 }): Promise<Response> {
    const meta = this.requireMeta();
    const message = this.transcript.byId(body.messageId);
    if (!message || (message.role !== "assistant" && message.role !== "human")) {
      return errorResponse(404, "not_found", "no reply with that id in this conversation");
    }
    await this.env.DB.prepare(
      `INSERT INTO feedback (conversation_id, message_id, org_id, rating) VALUES (?, ?, ?, ?)
       ON CONFLICT (conversation_id, message_id) DO UPDATE SET rating = excluded.rating, created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
    )
      .bind(meta.conversationId, message.id, meta.orgId, body.rating)
      .run();
    return Response.json({ messageId: message.id, rating: body.rating });
  }

  /** The email form the widget shows when nobody can answer now, or before the first message. */
  private async visitorLead(body: { email: string; name?: string; note?: string }): Promise<Response> {
    // Only when asked: otherwise the endpoint would be a way to flood the leads table.
    const meta = this.requireMeta();
    const handoff = !!meta.leadRequested && !meta.leadCaptured;
    const preChat = !handoff && !meta.preChatLead && (await this.ownSite())?.leadForm === "pre-chat";
    if (!handoff && !preChat) return errorResponse(409, "not_requested", "this conversation is not asking for contact details");
    const lead = await this.captureLead({ ...body, source: handoff ? "handoff" : "pre-chat" });
    this.meta.update(handoff ? { leadCaptured: true } : { preChatLead: true });
    this.appendAndBroadcast({ id: randomId("m_"), role: "system", text: `Thanks! We'll follow up at ${body.email}.` });
    this.clients.broadcast({ type: "status", data: this.statusData(this.requireMeta()) });
    this.publishSummary();
    return Response.json({ leadId: lead.id }, { status: 201 });
  }

  // ---- Status ----------------------------------------------------------------------------

  private async visitorHandoff(): Promise<Response> {
    const meta = this.requireMeta();
    if (meta.status === "bot" || meta.status === "resolved") {
      // The bot never talks over a person: a reply in progress stops here.
      await this.stop();
      if (await this.setStatus("waiting", { reason: "visitor", summary: "The visitor asked for a person.", from: ["bot", "resolved"] })) {
        this.appendAndBroadcast({ id: randomId("m_"), role: "system", text: REPLIES.visitorHandoff });
      }
    }
    return Response.json({ status: this.requireMeta().status });
  }

  /** Changes the status (fetching what a wait needs first); false when the move is not allowed. */
  private async setStatus(status: ConversationStatus, details: StatusDetails): Promise<boolean> {
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
  private transition(status: ConversationStatus, details: StatusDetails, site: SiteConfig | null = null): Transition | null {
    const before = this.requireMeta();
    if (before.status === status || !canMove(before.status, status)) return null;
    if (details.from && !details.from.includes(before.status)) return null;
    const now = Date.now();
    const meta = this.meta.update({
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
    return { from: before.status, meta, details, site };
  }

  /** What follows a status change: the log, the index, every client, the inbox, webhooks, timers. */
  private async afterTransition({ from, meta, details, site }: Transition): Promise<void> {
    const status = meta.status;
    const log = new SpanLog(this.env.DB, { conversationId: meta.conversationId, orgId: meta.orgId, ...(this.turn ? { turnId: this.turn.id } : {}) });
    log.event(
      status === "waiting" ? "handoff" : "status",
      `${from}→${status}`,
      "ok",
      { runId: details.runId ?? "conversation", ...(details.parentSpanId ? { parentId: details.parentSpanId } : {}) },
      { data: { reason: details.reason, ...(details.summary ? { summary: details.summary } : {}), ...(details.by ? { by: details.by.name } : {}) } },
    );
    await log.flush();
    await indexStatus(this.env.DB, meta.conversationId, status, {
      summary: details.summary ?? null,
      assigneeId: details.assigneeId ?? null,
      assigneeName: details.assigneeName ?? null,
      waitingSince: meta.waitingSince ?? null,
    });
    this.clients.broadcast({ type: "status", data: this.statusData(this.requireMeta()) });
    this.publishSummary();
    if (status === "waiting") {
      await this.webhook("conversation.handoff", { reason: details.reason, summary: meta.summary ?? null });
      // Outside staffed hours nobody will claim it: ask for an email right away.
      if (site && !staffedNow(site.businessHours) && this.requireMeta().status === "waiting") await this.requestLead("outside business hours");
      else await this.scheduleAlarm();
    }
  }

  /** The conversation's site — only while it still belongs to this conversation's org. */
  private async ownSite(): Promise<SiteConfig | null> {
    const meta = this.requireMeta();
    const site = await getSite(this.env, meta.siteKey).catch(() => null);
    return site && site.orgId === meta.orgId ? site : null;
  }

  /** Nobody can take the conversation now: the widget asks the visitor for an email. */
  private async requestLead(reason: string): Promise<void> {
    const meta = this.meta.update({ leadRequested: true });
    this.appendAndBroadcast({ id: randomId("m_"), role: "system", text: reason === "outside business hours" ? REPLIES.afterHours : REPLIES.noOneYet });
    this.clients.broadcast({ type: "status", data: this.statusData(meta) });
    this.publishSummary();
    await this.scheduleAlarm();
  }

  private statusData(meta: ConversationMeta): StatusData {
    return {
      status: meta.status,
      ...(meta.status === "human" && meta.assigneeName ? { assignee: meta.assigneeName } : {}),
      ...(meta.status === "waiting" && meta.leadRequested && !meta.leadCaptured ? { leadRequested: true } : {}),
    };
  }

  // ---- Turns -----------------------------------------------------------------------------

  private hasPending(): boolean {
    const meta = this.meta.get();
    return !!meta && meta.status === "bot" && this.transcript.lastSeqOf("user") > meta.answeredSeq;
  }

  /** Starts the turn loop unless it is already running (it picks up new messages itself). */
  private kick(): void {
    if (this.loop) return;
    this.loop = (async () => {
      try {
        while (this.hasPending()) {
          await this.scheduleAlarm();
          await this.runTurn(this.transcript.lastSeqOf("user"));
        }
      } finally {
        this.loop = null;
        await this.scheduleAlarm();
      }
    })();
  }

  /** Stops the turn in flight and waits (a few seconds at most) until it has stored its partial reply. */
  async stop(): Promise<void> {
    const turn = this.turn;
    if (!turn) return;
    turn.abort.abort();
    await Promise.all([...turn.children].map((cancel) => cancel()));
    await Promise.race([turn.settled, sleep(STOP_GRACE_MS)]);
  }

  private async runTurn(upTo: number): Promise<void> {
    const meta = this.requireMeta();
    const turnId = randomId("t_", 12);
    const log = new SpanLog(this.env.DB, { conversationId: meta.conversationId, orgId: meta.orgId, turnId });
    const turnSpan = log.start("turn", "turn", { runId: `run_${turnId}`, data: { upTo } });
    let settle: () => void = () => {};
    const turn: Turn = {
      id: turnId,
      upTo,
      messageId: randomId("m_"),
      author: "",
      text: "",
      abort: new AbortController(),
      children: new Set(),
      settled: new Promise<void>((resolve) => (settle = resolve)),
    };
    this.turn = turn;
    let reason: "complete" | "stopped" | "error" | "deadline" | "budget" = "complete";
    // If the object crashed in this turn before, it may crash again: give up after a few tries.
    const attempts = meta.turnAttempts?.upTo === upTo ? meta.turnAttempts.count + 1 : 1;
    this.meta.update({ turnAttempts: { upTo, count: attempts } });
    const stillOurs = () => !turn.abort.signal.aborted && this.requireMeta().status === "bot";
    try {
      if (attempts > MAX_TURN_ATTEMPTS) throw new Error(`the turn failed ${attempts - 1} times`);
      const site = await this.ownSite();
      let agent = await getAgent(this.env, meta.orgId, meta.activeAgent);
      if (!agent && site && site.entryAgent !== meta.activeAgent) agent = await getAgent(this.env, meta.orgId, site.entryAgent);
      if (!agent) {
        reason = "error";
        this.finishReply(turn, { text: REPLIES.error });
        turnSpan.end("error", { error: `agent ${meta.activeAgent} not found` });
        return;
      }
      const history = this.history(upTo);
      let result: RunResult | null = null;
      for (let hop = 0; hop <= MAX_TRANSFERS; hop++) {
        // Stopped, or a person took over, while this turn was still getting ready.
        if (!stillOurs()) break;
        result = await this.runRoot(turn, agent, history, log, turnSpan.id, hop);
        if (result.status !== "ok" || !result.transferTo || hop === MAX_TRANSFERS) break;
        const next = await getAgent(this.env, meta.orgId, result.transferTo);
        if (!next) break;
        this.meta.update({ activeAgent: next.id });
        agent = next;
      }
      reason = result ? await this.concludeTurn(turn, agent, result) : "stopped";
      turnSpan.end(reason === "complete" ? "ok" : reason === "stopped" ? "cancelled" : reason === "deadline" ? "timeout" : "error", { data: { reason } });
    } catch (error) {
      reason = "error";
      console.error("turn failed", error);
      turnSpan.end("error", { error: error instanceof Error ? error.message : String(error) });
      if (!this.transcript.byId(turn.messageId)) this.finishReply(turn, { text: turn.text || REPLIES.error });
    } finally {
      // A closed turn leaves nothing running under it.
      await Promise.all([...turn.children].map((cancel) => cancel()));
      this.meta.update({ answeredSeq: Math.max(upTo, this.requireMeta().answeredSeq), turnAttempts: undefined });
      this.turn = null;
      // The trace is whole before the client hears `done`.
      await log.flush().catch((e) => console.error("span flush failed", e));
      this.clients.broadcast({ type: "done", data: { turnId, reason, upTo } });
      settle();
    }
  }

  private async runRoot(turn: Turn, agent: AgentConfig, history: ChatMessage[], log: SpanLog, turnSpanId: string, hop: number): Promise<RunResult> {
    const meta = this.requireMeta();
    const deadline = Date.now() + agent.timeoutMs;
    const control = runController(deadline);
    // The turn's stop reaches this hop's run (and, through it, every delegated run).
    const onStop = () => control.cancel(new RunCancelled());
    turn.abort.signal.addEventListener("abort", onStop, { once: true });
    if (turn.abort.signal.aborted) onStop();
    turn.author = agent.name;
    const port: ConversationPort = {
      activity: (data) => this.activity(data),
      handoff: (request) => this.handoff(request),
      captureLead: (lead) => this.captureLead(lead),
    };
    try {
      return await runAgent(
        {
          env: this.env,
          orgId: meta.orgId,
          siteKey: meta.siteKey,
          conversationId: meta.conversationId,
          turnId: turn.id,
          runId: hop === 0 ? `run_${turn.id}` : `run_${turn.id}_${hop}`,
          parentSpanId: turnSpanId,
          agent,
          chain: [agent.id],
          ...(meta.identity?.verified ? { visitor: { userId: meta.identity.userId, ...(meta.identity.email ? { email: meta.identity.email } : {}) } } : {}),
          deadline,
          signal: control.signal,
          log,
          budget: new Budget(this.env.DB, meta.orgId, agent.team),
          conversation: port,
          isRoot: true,
          children: turn.children,
          onText: (piece) => {
            const offset = turn.text.length;
            turn.text += piece;
            this.clients.broadcast({ type: "delta", data: { messageId: turn.messageId, text: piece, offset, author: turn.author } });
          },
        },
        history,
      );
    } finally {
      turn.abort.signal.removeEventListener("abort", onStop);
      control.dispose();
    }
  }

  /** Stores the turn's reply (or the graceful words for how it ended) and applies policies. */
  private async concludeTurn(
    turn: Turn,
    agent: AgentConfig,
    result: RunResult,
  ): Promise<"complete" | "stopped" | "error" | "deadline" | "budget"> {
    const offline = (await providerFor(this.env, agent, this.requireMeta().orgId)).kind === "offline";
    const base = { sources: result.sources, agentId: agent.id, offline };
    const bot = () => this.requireMeta().status === "bot";
    if (result.status === "ok") {
      this.finishReply(turn, { ...base, text: turn.text || result.text || REPLIES.error });
      if (result.failedDelegations >= FAILURE_POLICY && bot()) await this.policyHandoff(`${result.failedDelegations} delegations failed in one turn.`);
      else this.meta.update({ failures: 0 });
      return "complete";
    }
    switch (result.code) {
      case "cancelled":
        if (turn.text) this.finishReply(turn, { ...base, text: turn.text });
        return "stopped";
      case "timeout":
        this.finishReply(turn, { ...base, text: join(turn.text, REPLIES.deadline) });
        return "deadline";
      case "budget_exceeded": {
        // The specialists' answers that did come back are still delivered.
        const relayed = result.replies.length ? relayReplies(result.replies) : "";
        this.finishReply(turn, { ...base, text: join(turn.text, relayed, bot() ? REPLIES.budget : REPLIES.budgetNoHuman) });
        if (bot()) await this.setStatus("waiting", { reason: "policy", summary: "The token budget is used up.", from: ["bot"] });
        return "budget";
      }
      case "max_turns":
        this.finishReply(turn, { ...base, text: turn.text || result.text || REPLIES.maxTurns });
        return "error";
      default: {
        this.finishReply(turn, { ...base, text: join(turn.text, REPLIES.error) });
        const failures = this.requireMeta().failures + 1;
        this.meta.update({ failures });
        if (bot() && (failures >= FAILURE_POLICY || result.failedDelegations >= FAILURE_POLICY)) {
          await this.policyHandoff(`The assistant failed ${failures} times in a row (${result.code}: ${result.message}).`);
        }
        return "error";
      }
    }
  }

  private async policyHandoff(summary: string): Promise<void> {
    this.meta.update({ failures: 0 });
    if (await this.setStatus("waiting", { reason: "policy", summary, from: ["bot"] })) {
      this.appendAndBroadcast({ id: randomId("m_"), role: "system", text: REPLIES.policyHandoff });
    }
  }

  private finishReply(turn: Turn, reply: { text: string; sources?: StoredMessage["sources"]; agentId?: string; offline?: boolean }): void {
    this.appendAndBroadcast({
      id: turn.messageId,
      role: "assistant",
      text: reply.text,
      ...(turn.author ? { author: turn.author } : {}),
      ...(reply.agentId ? { agentId: reply.agentId } : {}),
      ...(reply.sources?.length ? { sources: reply.sources } : {}),
      ...(reply.offline ? { offline: true } : {}),
    });
  }

  private appendAndBroadcast(message: NewMessage): StoredMessage {
    const stored = this.transcript.append(message);
    this.clients.broadcast({ type: "message", data: stored });
    const meta = this.requireMeta();
    this.ctx.waitUntil(indexMessage(this.env.DB, meta.conversationId, stored).catch(() => {}));
    this.publish({ type: "message", data: { conversationId: meta.conversationId, message: stored } });
    return stored;
  }

  // ---- The inbox and webhooks ---------------------------------------------------------------

  private summary(meta: ConversationMeta): ConversationSummary {
    const last = this.transcript.after(Math.max(0, this.transcript.lastSeq() - 1), 1)[0];
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
    };
  }

  /** Fire and forget: the inbox being slow must not hold up the visitor. */
  private publish(event: InboxEvent): void {
    const meta = this.requireMeta();
    const inbox = this.env.INBOX.get(this.env.INBOX.idFromName(meta.orgId));
    this.ctx.waitUntil(inbox.publish(event).catch((e: unknown) => console.error("inbox publish failed", e)));
  }

  private publishSummary(): void {
    const meta = this.requireMeta();
    this.ctx.waitUntil(
      this.env.DB.prepare("UPDATE conversations SET unread = ? WHERE id = ?").bind(meta.unread, meta.conversationId).run().catch(() => {}),
    );
    this.publish({ type: "conversation", data: this.summary(meta) });
  }

  /** Queues a webhook delivery; the WebhookDO retries it, the chat never waits on it. */
  private async webhook(type: WebhookEvent["type"], payload: Record<string, unknown>): Promise<void> {
    const meta = this.requireMeta();
    const site = await getSite(this.env, meta.siteKey).catch(() => null);
    if (!site?.webhook) return;
    const outbox = this.env.WEBHOOKS.get(this.env.WEBHOOKS.idFromName(site.key));
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

  // ---- small things ---------------------------------------------------------------------

  private history(upTo: number): ChatMessage[] {
    const out: ChatMessage[] = [];
    for (const m of this.transcript.recent(upTo, HISTORY)) {
      if (m.role === "user") out.push({ role: "user", content: m.text });
      else if (m.role === "assistant") out.push({ role: "assistant", content: m.text });
      else if (m.role === "human") out.push({ role: "assistant", content: `[${m.author ?? "Support"}, from the support team]: ${m.text}` });
    }
    return out;
  }

  private providerKind(): "offline" | "openai" {
    return typeof this.env.OPENAI_API_KEY === "string" && this.env.OPENAI_API_KEY ? "openai" : "offline";
  }

  private requireMeta(): ConversationMeta {
    const meta = this.meta.get();
    if (!meta) throw new Error("conversation is not initialised");
    return meta;
  }
}

function join(...parts: string[]): string {
  return parts.filter((p) => p.trim()).join("\n\n");
}

const notFound = (): StaffResult => ({ ok: false, httpStatus: 404, code: "not_found", message: "conversation not found" });
const refused = (from: ConversationStatus, to: ConversationStatus): StaffResult => ({
  ok: false,
  httpStatus: 409,
  code: "invalid_transition",
  message: `a conversation cannot go from ${from} to ${to}`,
});

export type { ServerEvent };
