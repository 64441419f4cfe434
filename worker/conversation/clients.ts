/**
 * Everyone listening to one conversation: hibernatable WebSockets (tagged by audience)
 * and open SSE streams. A broadcast reaches all of them in the same order.
 */
import type { ServerEvent } from "../../shared/protocol";
import { sseComment, sseFrame, SSE_HEADERS } from "./sse";

export type Audience = "visitor" | "staff";

/**
 * A comment line this often keeps proxies from timing the stream out, and is how a stream
 * learns its client has gone: the runtime reports a dropped client only to a later write
 * (in practice the second after the drop), so a dropped stream — and its place under the
 * connection caps — is given back within about two heartbeats.
 */
const HEARTBEAT_MS = 5_000;

export class SseClient {
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private closed = false;
  readonly response: Response;

  constructor(
    private readonly clients: Clients,
    readonly audience: Audience,
    /** Ends the stream after the event for which this returns true (a POST's own `done`). */
    private readonly closeAfter?: (event: ServerEvent) => boolean,
    /** The connection's lease on its IP's cap (http/connection-caps.ts), given back on close. */
    readonly lease?: string,
  ) {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    this.writer = writable.getWriter();
    this.response = new Response(readable, { headers: SSE_HEADERS });
    this.heartbeat = setInterval(() => this.write(sseComment("ping")), HEARTBEAT_MS);
    // The client went away (the runtime noticed at a write): close and give its place back.
    this.writer.closed.catch(() => this.close());
  }

  send(event: ServerEvent): void {
    this.write(sseFrame(event));
    if (this.closeAfter?.(event)) this.close();
  }

  private write(bytes: Uint8Array): void {
    if (this.closed) return;
    // Not awaited: a slow reader must not hold up the conversation. A failed write means
    // the client went away.
    this.writer.write(bytes).catch(() => this.close());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.clients.remove(this);
    this.writer.close().catch(() => {});
  }
}

export class Clients {
  private readonly streams = new Set<SseClient>();
  /** Told when a stream holding a lease closes (set by whoever hands out leases). */
  onLeaseEnded: (lease: string) => void = () => {};

  constructor(private readonly ctx: DurableObjectState) {}

  openStream(audience: Audience, closeAfter?: (event: ServerEvent) => boolean, lease?: string): SseClient {
    const client = new SseClient(this, audience, closeAfter, lease);
    this.streams.add(client);
    return client;
  }

  remove(client: SseClient): void {
    if (this.streams.delete(client) && client.lease) this.onLeaseEnded(client.lease);
  }

  /** Open SSE streams of an audience. */
  streamCount(audience: Audience): number {
    return [...this.streams].filter((s) => s.audience === audience).length;
  }

  /** The leases the open streams hold. */
  streamLeases(): string[] {
    return [...this.streams].flatMap((s) => (s.lease ? [s.lease] : []));
  }

  /** To every listener of the audiences given (visitors' events reach staff too). */
  broadcast(event: ServerEvent, audiences: Audience[] = ["visitor", "staff"]): void {
    const frame = JSON.stringify(event);
    for (const audience of audiences) {
      for (const ws of this.ctx.getWebSockets(audience)) {
        try {
          ws.send(frame);
        } catch {
          // A socket that is closing; its close handler cleans up.
        }
      }
    }
    for (const stream of [...this.streams]) if (audiences.includes(stream.audience)) stream.send(event);
  }

  static sendTo(ws: WebSocket, event: ServerEvent): void {
    try {
      ws.send(JSON.stringify(event));
    } catch {
      // closing
    }
  }
}
