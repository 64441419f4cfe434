/**
 * The live link to a conversation, kept alive. WebSocket first: reconnects with exponential
 * backoff and jitter, resumes from the last seq it saw (the server sends the gap), and
 * detects dead connections with a ping the server answers without waking up. A connection
 * counts as up once the server says `ready`, not when the socket opens: a server over its
 * connection caps accepts, then closes with 1013, and a client that forgot its failures on
 * open would come straight back in a tight loop. Where
 * WebSockets are blocked (some proxies and corporate networks), the same events come over
 * Server-Sent Events and messages go by HTTP POST.
 */
import type { ClientFrame, ServerEvent } from "../../shared/protocol";

const PING = '{"type":"ping"}';
const PING_EVERY = 25_000;
const PONG_WITHIN = 10_000;
const MAX_BACKOFF = 30_000;
/** The server is over a connection cap (worker/http/connection-caps.ts): other tabs or
 * clients hold the places, so waiting longer than after a network blip is what helps. */
const TRY_AGAIN_LATER = 1013;

/** How long to wait before reconnecting after `failures` failures in a row (jittered). */
export function retryDelay(failures: number, overCap: boolean, random = Math.random()): number {
  const base = overCap ? 2_000 : 500;
  return Math.min(MAX_BACKOFF, base * 2 ** Math.min(failures - 1, 6)) * (0.75 + random / 2);
}
const EVENTS: ServerEvent["type"][] = ["message", "delta", "activity", "status", "error", "done", "typing"];

export interface ConnectionHandlers {
  /** The conversation's API path and token, and the last seq the client has. */
  target(): { path: string; token: string; after: number };
  event(event: ServerEvent): void;
  up(): void;
  /** `overCap`: the server refused the connection for its caps (WebSockets do work). */
  down(failures: number, overCap: boolean): void;
}

export interface Link {
  connect(): void;
  send(frame: ClientFrame): boolean;
  stop(): void;
}

export class SocketLink implements Link {
  private ws: WebSocket | null = null;
  private failures = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private ping: ReturnType<typeof setInterval> | undefined;
  private pong: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly base: string,
    private readonly on: ConnectionHandlers,
  ) {
    addEventListener("online", this.reconnectNow);
    document.addEventListener("visibilitychange", this.onVisible);
  }

  connect(): void {
    if (this.stopped || this.ws) return;
    clearTimeout(this.retry);
    const { path, token, after } = this.on.target();
    const ws = new WebSocket(`${this.base.replace(/^http/, "ws")}${path}/ws?token=${encodeURIComponent(token)}&after=${after}`);
    this.ws = ws;
    ws.onopen = () => {
      this.ping = setInterval(() => {
        ws.send(PING);
        this.pong = setTimeout(() => ws.close(4000, "no pong"), PONG_WITHIN);
      }, PING_EVERY);
    };
    ws.onmessage = (e) => {
      clearTimeout(this.pong);
      try {
        const event = JSON.parse(String(e.data)) as ServerEvent;
        if (event.type === "ready") {
          this.failures = 0;
          this.on.up();
        }
        if (event.type !== "pong") this.on.event(event);
      } catch {
        // not ours
      }
    };
    ws.onclose = (e) => {
      clearInterval(this.ping);
      clearTimeout(this.pong);
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      this.failures++;
      const overCap = e.code === TRY_AGAIN_LATER;
      this.on.down(this.failures, overCap);
      if (this.stopped) return;
      this.retry = setTimeout(() => this.connect(), retryDelay(this.failures, overCap));
    };
  }

  send(frame: ClientFrame): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    removeEventListener("online", this.reconnectNow);
    document.removeEventListener("visibilitychange", this.onVisible);
    this.ws?.close(1000, "bye");
    this.ws = null;
  }

  private readonly reconnectNow = () => {
    if (this.ws || this.stopped) return;
    this.failures = 0;
    this.connect();
  };

  private readonly onVisible = () => {
    if (document.visibilityState === "visible") this.reconnectNow();
  };
}

/** Events over SSE (EventSource reconnects by itself, with Last-Event-ID), sends over HTTP. */
export class StreamLink implements Link {
  private source: EventSource | null = null;
  private failures = 0;

  constructor(
    private readonly base: string,
    private readonly on: ConnectionHandlers,
  ) {}

  connect(): void {
    if (this.source) return;
    const { path, token, after } = this.on.target();
    const source = new EventSource(`${this.base}${path}/messages?token=${encodeURIComponent(token)}&after=${after}`);
    this.source = source;
    source.onopen = () => {
      this.failures = 0;
      this.on.up();
    };
    source.onerror = () => {
      this.on.down(++this.failures, false);
      // EventSource retries by itself unless it gave up (CLOSED): then start a new one.
      if (source.readyState === EventSource.CLOSED && this.source === source) {
        this.source = null;
        setTimeout(() => this.connect(), Math.min(30_000, 1000 * 2 ** Math.min(this.failures, 5)));
      }
    };
    for (const type of EVENTS) {
      source.addEventListener(type, (e) => this.on.event({ type, data: JSON.parse((e as MessageEvent<string>).data) } as ServerEvent));
    }
  }

  send(frame: ClientFrame): boolean {
    if (!this.source || this.source.readyState !== EventSource.OPEN) return false;
    if (frame.type !== "send" && frame.type !== "stop") return true;
    const { path, token } = this.on.target();
    void fetch(`${this.base}${path}/${frame.type === "send" ? "messages" : "stop"}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: frame.type === "send" ? JSON.stringify({ clientMessageId: frame.clientMessageId, text: frame.text }) : "{}",
    })
      .then((r) => {
        // The live stream carries the same events; this answer's copy is not needed.
        void r.body?.cancel();
        // Refused for now (rate limit, a restart): the outbox keeps it for the retry.
        if (!r.ok && frame.type === "send") this.retryLater();
      })
      .catch(() => this.retryLater());
    return true;
  }

  private retry: ReturnType<typeof setTimeout> | undefined;

  /** The outbox is flushed again on the next `up`; make one happen soon. */
  private retryLater(): void {
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.on.up();
    }, 5_000);
  }

  stop(): void {
    this.source?.close();
    this.source = null;
  }
}
