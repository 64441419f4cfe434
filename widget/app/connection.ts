/**
 * The WebSocket to a conversation, kept alive: reconnects with exponential backoff and
 * jitter, resumes from the last seq it saw (the server sends the gap), and detects dead
 * connections with a ping the server answers without waking up.
 */
import type { ClientFrame, ServerEvent } from "../../shared/protocol";

const PING = '{"type":"ping"}';
const PING_EVERY = 25_000;
const PONG_WITHIN = 10_000;
const MAX_BACKOFF = 30_000;

export interface ConnectionHandlers {
  url(): string;
  event(event: ServerEvent): void;
  up(): void;
  down(failures: number): void;
}

export class Connection {
  private ws: WebSocket | null = null;
  private failures = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private ping: ReturnType<typeof setInterval> | undefined;
  private pong: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly on: ConnectionHandlers) {
    addEventListener("online", this.reconnectNow);
    document.addEventListener("visibilitychange", this.onVisible);
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  connect(): void {
    if (this.stopped || this.ws) return;
    clearTimeout(this.retry);
    const ws = new WebSocket(this.on.url());
    this.ws = ws;
    ws.onopen = () => {
      this.failures = 0;
      this.on.up();
      this.ping = setInterval(() => {
        ws.send(PING);
        this.pong = setTimeout(() => ws.close(4000, "no pong"), PONG_WITHIN);
      }, PING_EVERY);
    };
    ws.onmessage = (e) => {
      clearTimeout(this.pong);
      let event: ServerEvent;
      try {
        event = JSON.parse(String(e.data)) as ServerEvent;
      } catch {
        return;
      }
      if (event.type !== "pong") this.on.event(event);
    };
    ws.onclose = () => {
      clearInterval(this.ping);
      clearTimeout(this.pong);
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      this.failures++;
      this.on.down(this.failures);
      const delay = Math.min(MAX_BACKOFF, 500 * 2 ** Math.min(this.failures - 1, 6)) * (0.75 + Math.random() / 2);
      this.retry = setTimeout(() => this.connect(), delay);
    };
  }

  send(frame: ClientFrame): boolean {
    if (!this.open) return false;
    this.ws?.send(JSON.stringify(frame));
    return true;
  }

  /** Drops the socket as if the network had (used by tests and by `reset`). */
  drop(): void {
    this.ws?.close(4001, "dropped");
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
