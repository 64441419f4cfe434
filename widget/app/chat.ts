/**
 * The widget's conversation state and everything that changes it: server events, the
 * visitor's actions, the outbox, the conversations of this browser. Components read `state`
 * and call the actions; nothing else mutates it.
 */
import { ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES } from "../../shared/attachments";
import type { ModelFamily, PublicSiteConfig } from "../../shared/config";
import { MAX_MESSAGE_BYTES } from "../../shared/limits";
import type { ActivityData, Attachment, ConversationStatus, Role, ServerEvent, Source, StoredMessage } from "../../shared/protocol";
import type { Identity, WidgetEvent } from "../types";
import { type Link, SocketLink, StreamLink } from "./connection";
import { newId, type OutboxItem, type PastConversation, Session } from "./session";

export interface ViewMessage {
  /** The server's id, or `local:<clientMessageId>` until the server has it. */
  key: string;
  seq?: number;
  role: Role;
  text: string;
  author?: string;
  sources?: Source[];
  offline?: boolean;
  attachments?: Attachment[];
  state: "sent" | "sending" | "streaming";
  createdAt: string;
}

export interface ChatState {
  /** The conversation in view; none yet: the home view (a message starts one). */
  conversationId: string | null;
  messages: ViewMessage[];
  status: ConversationStatus;
  assignee?: string;
  /** The socket is up (or there is no conversation yet, so nothing to be down). */
  online: boolean;
  /** A turn is running: show the stop button and the typing dots. */
  busy: boolean;
  activities: ActivityData[];
  /** Who answers: a model family, or `offline` (answers from the help center, no model). */
  family: ModelFamily;
  open: boolean;
  unread: number;
  /** What went wrong with the visitor's last action (a key of the strings table). */
  problem?: "tooLong" | "fileRefused" | "uploadFailed";
  staffTyping: boolean;
  feedback: Record<string, 1 | -1>;
  /** Nobody can answer now: show the email form. */
  leadRequested: boolean;
  /** The site asks for name and email before the first message. */
  preChat: boolean;
  /** The visitor's email, when the site told us (the email form starts filled in). */
  email?: string;
  /** This browser's conversations, newest first. */
  past: PastConversation[];
  /** The satisfaction question was answered or dismissed for the conversation in view. */
  rated: boolean;
}

export interface ChatOptions {
  base: string;
  siteKey: string;
  config: PublicSiteConfig;
  locale: string;
  emit(event: WidgetEvent, payload?: unknown): void;
  setUnread(count: number): void;
}

export class ChatClient {
  state: ChatState;
  private readonly listeners = new Set<() => void>();
  private readonly session: Session;
  private connection: Link | null = null;
  /** Set once WebSockets proved blocked while HTTP works: events come over SSE instead. */
  private useStream = false;
  private lastSeq = 0;
  private identity: Identity | null = null;
  private creating: Promise<boolean> | null = null;
  private readonly links = new Map<string, Promise<{ url: string; expiresAt: string } | null>>();

  constructor(private readonly options: ChatOptions) {
    this.session = new Session(options.siteKey);
    const current = this.session.conversation;
    this.state = {
      conversationId: current?.conversationId ?? null,
      messages: [],
      status: "bot",
      online: true,
      busy: false,
      activities: [],
      family: options.config.family ?? options.config.provider,
      open: false,
      unread: 0,
      staffTyping: false,
      feedback: {},
      leadRequested: false,
      preChat: options.config.leadForm === "pre-chat" && !current,
      past: this.session.past,
      rated: !!current && this.session.rated.includes(current.conversationId),
    };
    // Messages typed before a reload (or offline) are shown and sent again.
    for (const item of this.session.outbox) this.addLocal(item);
    if (current) this.connect();
    else if (this.session.outbox.length) void this.ensureConversation().then((ok) => ok && this.connect());
    addEventListener("storage", (e) => {
      // Another tab started the conversation: join it instead of starting a second one.
      if (e.key === this.session.key && e.newValue && !this.connection) this.connect();
      // Another tab showed the replies: they are read here too.
      if (e.key === `${this.session.key}:seen` && !this.state.open) {
        const seen = this.session.seen;
        const unread = this.state.messages.filter((m) => (m.role === "assistant" || m.role === "human") && (m.seq ?? 0) > seen).length;
        this.set({ unread });
        this.options.setUnread(unread);
      }
    });
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(patch: Partial<ChatState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  private get auth() {
    const session = this.session.conversation;
    return session ? { session, headers: { authorization: `Bearer ${session.token}` } } : null;
  }

  private url(path: string): string {
    return `${this.options.base}/api/conversations/${this.session.conversation?.conversationId}${path}`;
  }

  // ---- actions ----

  setOpen(open: boolean): void {
    this.set({ open, unread: open ? 0 : this.state.unread });
    if (open) {
      this.session.seen = this.lastSeq;
      this.options.setUnread(0);
    }
  }

  /** Returns an error key when the text cannot be sent as is. */
  send(text: string): "empty" | "tooLong" | null {
    const trimmed = text.trim();
    if (!trimmed) return "empty";
    if (new TextEncoder().encode(trimmed).byteLength > MAX_MESSAGE_BYTES) {
      this.set({ problem: "tooLong" });
      return "tooLong";
    }
    const item: OutboxItem = { clientMessageId: newId(), text: trimmed, createdAt: new Date().toISOString() };
    this.session.outbox = [...this.session.outbox, item];
    this.addLocal(item);
    this.set({ problem: undefined, ...(this.state.status === "bot" ? { busy: true } : {}) });
    void this.ensureConversation().then((ok) => {
      if (!ok) return;
      // A new link flushes the whole outbox when it comes up; an open one takes just this.
      if (!this.connection) this.connect();
      else this.connection.send({ type: "send", clientMessageId: item.clientMessageId, text: item.text });
    });
    return null;
  }

  /** Sends a file (an image or a PDF) as a message of its own. */
  async attach(file: File): Promise<void> {
    if (!(ATTACHMENT_TYPES as readonly string[]).includes(file.type) || file.size > MAX_ATTACHMENT_BYTES) return this.set({ problem: "fileRefused" });
    const clientMessageId = newId();
    const local = `local:${clientMessageId}`;
    this.set({
      problem: undefined,
      messages: upsert(this.state.messages, { key: local, role: "user", text: file.name, state: "sending", createdAt: new Date().toISOString() }),
    });
    const form = new FormData();
    form.append("file", file);
    form.append("clientMessageId", clientMessageId);
    const res = (await this.ensureConversation()) && this.auth ? await fetch(this.url("/attachments"), { method: "POST", headers: this.auth.headers, body: form }).catch(() => null) : null;
    if (res?.ok) {
      this.onMessage(((await res.json()) as { message: StoredMessage }).message);
      if (!this.connection) this.connect();
    } else this.set({ messages: this.state.messages.filter((m) => m.key !== local), problem: res?.status === 415 || res?.status === 413 ? "fileRefused" : "uploadFailed" });
  }

  /** A short-lived link to an attachment's bytes (asked once, and again when it has expired). */
  link(id: string): Promise<{ url: string; expiresAt: string } | null> {
    const cached = this.links.get(id);
    const fresh = cached?.then((l) => !!l && Date.parse(l.expiresAt) - Date.now() > 30_000);
    const ask = async () => {
      const res = this.auth ? await fetch(this.url(`/attachments/${id}`), { headers: this.auth.headers }).catch(() => null) : null;
      return res?.ok ? ((await res.json()) as { url: string; expiresAt: string }) : null;
    };
    const next = (fresh ?? Promise.resolve(false)).then((ok) => (ok && cached ? cached : ask()));
    this.links.set(id, next);
    return next;
  }

  stop(): void {
    this.connection?.send({ type: "stop" });
    this.set({ busy: false, activities: [] });
  }

  async handoff(): Promise<void> {
    if (!(await this.ensureConversation()) || !this.auth) return;
    const res = await fetch(this.url("/handoff"), { method: "POST", headers: this.auth.headers }).catch(() => null);
    if (res?.ok) {
      const body = (await res.json()) as { status: ConversationStatus };
      this.set({ status: body.status, busy: false, activities: [] });
    }
    if (!this.connection) this.connect();
  }

  async rate(messageId: string, rating: 1 | -1): Promise<void> {
    if (!this.auth) return;
    this.set({ feedback: { ...this.state.feedback, [messageId]: rating } });
    await this.post("/feedback", { messageId, rating });
  }

  /** The answer to "how was this conversation?" (or its dismissal, with no rating). */
  async csat(rating?: number, comment?: string): Promise<void> {
    const id = this.state.conversationId;
    if (!id) return;
    this.session.rated = [...this.session.rated, id];
    this.set({ rated: true });
    if (rating) await this.post("/csat", { rating, ...(comment ? { comment } : {}) });
  }

  private post(path: string, body: unknown): Promise<Response | null> {
    const auth = this.auth;
    if (!auth) return Promise.resolve(null);
    return fetch(this.url(path), { method: "POST", headers: { ...auth.headers, "content-type": "application/json" }, body: JSON.stringify(body) }).catch(() => null);
  }

  async leaveEmail(email: string, name?: string): Promise<boolean> {
    // The pre-chat form comes before any conversation: start one for the lead.
    if (!(await this.ensureConversation())) return false;
    if (!this.connection) this.connect();
    const res = await this.post("/lead", { email, ...(name ? { name } : {}) });
    if (res?.ok) this.set({ leadRequested: false, preChat: false });
    return !!res?.ok;
  }

  typing(): void {
    this.connection?.send({ type: "typing" });
  }

  identify(identity: Identity): void {
    this.identity = identity;
    this.set({ email: identity.email });
    // Without a conversation yet, it is sent with the conversation when it starts.
    if (this.auth) void this.post("/identify", identity);
  }

  /** Back to the home view: the next message starts a new conversation (this one stays listed). */
  newConversation(): void {
    this.leave();
    this.session.conversation = null;
    this.set({ preChat: this.options.config.leadForm === "pre-chat", rated: false });
  }

  /** Opens one of this browser's past conversations. */
  resume(conversationId: string): void {
    const past = this.session.past.find((p) => p.conversationId === conversationId);
    if (!past) return;
    this.leave();
    this.session.conversation = { conversationId, token: past.token };
    this.set({ conversationId, preChat: false, rated: this.session.rated.includes(conversationId) });
    this.connect();
  }

  /** At logout: forget this browser's conversations and start clean. */
  reset(): void {
    this.leave();
    this.session.clear();
    this.identity = null;
    this.set({ preChat: this.options.config.leadForm === "pre-chat", email: undefined, past: [], rated: false });
  }

  private leave(): void {
    this.connection?.stop();
    this.connection = null;
    this.lastSeq = 0;
    this.session.seen = 0;
    this.set({ conversationId: null, messages: [], status: "bot", busy: false, activities: [], unread: 0, online: true, feedback: {}, leadRequested: false, staffTyping: false, problem: undefined, past: this.session.past });
    this.options.setUnread(0);
  }

  // ---- connection ----

  private async ensureConversation(): Promise<boolean> {
    if (this.session.conversation) return true;
    this.creating ??= (async () => {
      try {
        const res = await fetch(`${this.options.base}/api/sites/${encodeURIComponent(this.options.siteKey)}/conversations`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            visitorId: this.session.visitorId,
            locale: this.options.locale,
            pageUrl: location.href.slice(0, 2048),
            ...(this.identity ? { identity: this.identity } : {}),
          }),
        });
        if (!res.ok) throw new Error(`start ${res.status}`);
        const body = (await res.json()) as { conversationId: string; token: string };
        // Another tab may have won the race: keep the first conversation.
        if (!this.session.conversation) this.session.conversation = body;
        this.set({ conversationId: this.session.conversation?.conversationId ?? null, past: this.session.past });
        return true;
      } catch {
        this.set({ online: false });
        setTimeout(() => {
          this.creating = null;
          void this.ensureConversation().then((ok) => ok && this.connect());
        }, 3000);
        return false;
      } finally {
        this.creating = null;
      }
    })();
    return this.creating;
  }

  private connect(): void {
    const session = this.session.conversation;
    if (!session || this.connection) return;
    const handlers = {
      target: () => ({ path: `/api/conversations/${session.conversationId}`, token: session.token, after: this.lastSeq }),
      event: (event: ServerEvent) => {
        // A link closed by a switch of conversation may still deliver a last event.
        if (this.connection === link) this.onEvent(event);
      },
      up: () => {
        this.set({ online: true });
        this.flushOutbox();
      },
      down: (failures: number) => {
        this.set({ online: false });
        if (failures === 3) void this.checkSession();
      },
    };
    const link: Link = this.useStream ? new StreamLink(this.options.base, handlers) : new SocketLink(this.options.base, handlers);
    this.connection = link;
    link.connect();
  }

  /** After repeated failures, ask over HTTP whether the conversation still opens at all. */
  private async checkSession(): Promise<void> {
    const auth = this.auth;
    if (!auth) return;
    const res = await fetch(this.url(`/messages?after=${this.lastSeq}`), { headers: auth.headers }).catch(() => null);
    if (res?.ok && !this.useStream) {
      // HTTP gets through but WebSockets do not: a proxy is blocking them. Use SSE.
      this.useStream = true;
      this.connection?.stop();
      this.connection = null;
      this.connect();
      return;
    }
    if (res && (res.status === 401 || res.status === 404)) {
      // The conversation is gone (or its token was revoked): start over, keeping unsent messages.
      const outbox = this.session.outbox;
      this.newConversation();
      this.session.outbox = outbox;
      for (const item of outbox) this.addLocal(item);
      if (outbox.length && (await this.ensureConversation())) this.connect();
    }
  }

  private flushOutbox(): void {
    for (const item of this.session.outbox) {
      if (!this.connection?.send({ type: "send", clientMessageId: item.clientMessageId, text: item.text })) break;
    }
  }

  private onEvent(event: ServerEvent): void {
    switch (event.type) {
      case "ready":
        // What was in progress before the gap is unknown now: the server says whether a turn
        // is running, and the backlog that follows brings the reply streaming so far.
        this.set({
          status: event.data.status,
          family: (event.data.family as ModelFamily | undefined) ?? event.data.provider,
          online: true,
          busy: !!event.data.working && event.data.status === "bot",
          activities: [],
          messages: this.state.messages.filter((m) => m.state !== "streaming"),
        });
        return;
      case "message":
        return this.onMessage(event.data);
      case "delta": {
        const { messageId, text, offset, author } = event.data;
        const existing = this.state.messages.find((m) => m.key === messageId);
        if (existing && existing.state !== "streaming") return;
        const before = existing?.text ?? "";
        const next = before.slice(0, offset) + text;
        const message: ViewMessage = existing
          ? { ...existing, text: next }
          : { key: messageId, role: "assistant", text: next, author, state: "streaming", createdAt: new Date().toISOString() };
        this.set({ messages: upsert(this.state.messages, message), busy: this.state.status === "bot" });
        return;
      }
      case "activity": {
        const a = event.data;
        if (a.kind === "delegation.start") this.set({ activities: [...this.state.activities, a] });
        else if (a.kind === "delegation.end") {
          this.set({ activities: this.state.activities.filter((x) => !(x.runId === a.runId && x.target === a.target)) });
        }
        return;
      }
      case "status":
        this.set({
          status: event.data.status,
          assignee: event.data.assignee,
          leadRequested: !!event.data.leadRequested,
          ...(event.data.status !== "bot" ? { busy: false, activities: [] } : {}),
        });
        this.options.emit("status", event.data);
        return;
      case "done":
        this.set({ busy: false, activities: [] });
        return;
      case "ack":
        this.session.outbox = this.session.outbox.filter((i) => i.clientMessageId !== event.data.clientMessageId);
        // A message the server takes for the first time starts a turn (a resend from the
        // outbox after a reload, say): the bot is working on it.
        if (!event.data.duplicate && this.state.status === "bot") this.set({ busy: true });
        return;
      case "typing":
        if (event.data.who === "staff") {
          this.set({ staffTyping: true });
          clearTimeout(this.typingTimer);
          this.typingTimer = setTimeout(() => this.set({ staffTyping: false }), 4000);
        }
        return;
      case "error":
        // Whatever failed, no turn is coming for it: the dots must not stay.
        this.set({ busy: false, activities: [] });
        // Rate limited: the outbox keeps the message; one retry when allowed.
        if (event.data.code === "rate_limited" && !this.retryTimer) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.flushOutbox();
          }, (event.data.retryAfter ?? 5) * 1000);
        }
        return;
    }
  }

  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  private onMessage(m: StoredMessage): void {
    this.lastSeq = Math.max(this.lastSeq, m.seq);
    const known = this.state.messages.find((x) => x.key === m.id && x.state === "sent");
    let messages = this.state.messages.filter((x) => x.key !== `local:${m.clientMessageId}`);
    if (m.clientMessageId) this.session.outbox = this.session.outbox.filter((i) => i.clientMessageId !== m.clientMessageId);
    messages = upsert(messages, { key: m.id, seq: m.seq, role: m.role, text: m.text, author: m.author, sources: m.sources, offline: m.offline, attachments: m.attachments, state: "sent", createdAt: m.createdAt });
    const incoming = !known && (m.role === "assistant" || m.role === "human");
    let unread = this.state.unread;
    if (this.state.open) this.session.seen = this.lastSeq;
    else if (incoming && m.seq > this.session.seen) unread++;
    // A stored reply ends the wait it answered: the dots must not come back in the moment
    // between it and the turn's `done`. Only a visitor message still after it keeps them.
    const replied = m.role === "assistant" && !messages.slice(messages.findIndex((x) => x.key === m.id) + 1).some((x) => x.role === "user");
    const session = this.session.conversation;
    if (session && m.role !== "system") this.session.remember(session, m.text, m.createdAt);
    this.set({ messages, unread, past: this.session.past, ...(m.role === "human" ? { staffTyping: false } : {}), ...(replied ? { busy: false, activities: [] } : {}) });
    if (incoming && !this.state.open) this.options.setUnread(unread);
    if (!known) this.options.emit("message", m);
  }

  private addLocal(item: OutboxItem): void {
    this.set({ messages: upsert(this.state.messages, { key: `local:${item.clientMessageId}`, role: "user", text: item.text, state: "sending", createdAt: item.createdAt }) });
  }
}

/** Stored messages in seq order, then the reply being streamed, then unsent messages. */
function upsert(list: ViewMessage[], message: ViewMessage): ViewMessage[] {
  const rest = list.filter((m) => m.key !== message.key);
  rest.push(message);
  const rank = (m: ViewMessage) => (m.seq !== undefined ? 0 : m.state === "streaming" ? 1 : 2);
  return rest.sort((a, b) => rank(a) - rank(b) || (a.seq ?? 0) - (b.seq ?? 0) || a.createdAt.localeCompare(b.createdAt));
}
