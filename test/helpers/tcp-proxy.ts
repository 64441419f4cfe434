/**
 * A TCP proxy between the browser and the worker, so a test can cut the network the way
 * it fails in life: drop every open connection mid-reply, refuse new ones while "offline",
 * or refuse WebSocket upgrades (a proxy that blocks them) while HTTP still works.
 */
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export class TcpProxy {
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  offline = false;
  blockWebSockets = false;
  origin = "";

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    const { hostname, port } = new URL(this.target);
    this.server = createServer((client) => {
      if (this.offline) return void client.destroy();
      this.sockets.add(client);
      client.on("close", () => this.sockets.delete(client));
      client.once("data", (first) => {
        if (this.blockWebSockets && /^upgrade:\s*websocket/im.test(first.toString("latin1"))) {
          client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
          return;
        }
        const upstream = connect(Number(port), hostname);
        this.sockets.add(upstream);
        upstream.on("close", () => this.sockets.delete(upstream));
        upstream.write(first);
        client.pipe(upstream).pipe(client);
        const kill = () => {
          client.destroy();
          upstream.destroy();
        };
        client.on("error", kill);
        upstream.on("error", kill);
      });
    });
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Cuts every open connection, without a goodbye. */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
