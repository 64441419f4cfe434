/**
 * A WebSocket client for tests: collects every event the server sends and lets a test
 * wait for the one it expects.
 */
import WebSocket from "ws";
import type { ServerEvent } from "../../shared/protocol";

export class WsClient {
  readonly events: ServerEvent[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  closeCode: number | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      try {
        this.events.push(JSON.parse(String(data)) as ServerEvent);
      } catch {
        // ignore non-JSON
      }
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on("close", (code) => {
      this.closed = true;
      this.closeCode = code;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static connect(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      const client = new WsClient(socket);
      socket.once("open", () => resolve(client));
      socket.once("unexpected-response", (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
      socket.once("error", reject);
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Waits for an event (at or after index `from`) that matches. */
  async waitFor<T extends ServerEvent["type"]>(
    type: T,
    predicate: (e: Extract<ServerEvent, { type: T }>) => boolean = () => true,
    timeoutMs = 10_000,
    from = 0,
  ): Promise<Extract<ServerEvent, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const hit = this.events.slice(from).find((e) => e.type === type && predicate(e as Extract<ServerEvent, { type: T }>));
      if (hit) return hit as Extract<ServerEvent, { type: T }>;
      if (this.closed) throw new Error(`socket closed while waiting for ${type}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${type}; got ${this.events.map((e) => e.type).join(",")}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  of<T extends ServerEvent["type"]>(type: T): Extract<ServerEvent, { type: T }>[] {
    return this.events.filter((e) => e.type === type) as Extract<ServerEvent, { type: T }>[];
  }

  close(): void {
    this.socket.close();
  }

  /** Drops the connection without a close handshake, like a lost network. */
  drop(): void {
    this.socket.terminate();
  }
}

export function wsUrl(base: string, conversationId: string, token: string, after?: number): string {
  return `${base.replace(/^http/, "ws")}/api/conversations/${conversationId}/ws?token=${encodeURIComponent(token)}${after !== undefined ? `&after=${after}` : ""}`;
}
