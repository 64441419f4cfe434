/**
 * The bench's peer: Cloudflare's `agents` framework with an `AIChatAgent` (bench/peer/worker.ts),
 * bundled by `wrangler deploy --dry-run` like Switchboard is and run in workerd by Miniflare
 * in a process of its own, with its state in memory. `PeerClient` speaks the framework's
 * WebSocket chat protocol (what its `useAgentChat` client sends): one
 * `cf_agent_use_chat_request` with the messages, answered by `cf_agent_use_chat_response`
 * frames carrying the AI SDK's UI message stream, the last one marked `done`.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import WebSocket from "ws";
import { ROOT } from "../test/helpers/switchboard";

const PEER_DIR = join(ROOT, ".build", "peer");

export interface Peer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startPeer(modelBaseUrl: string): Promise<Peer> {
  const npx = process.platform === "win32" ? "npx.cmd" : "npx";
  execFileSync(npx, ["wrangler", "deploy", "--dry-run", "-c", join(ROOT, "bench", "peer", "wrangler.toml"), "--outdir", PEER_DIR], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    modules: [{ type: "ESModule", path: join(PEER_DIR, "worker.js") }],
    modulesRoot: PEER_DIR,
    compatibilityDate: "2026-05-01",
    compatibilityFlags: ["nodejs_compat"],
    durableObjects: { ChatAgent: { className: "ChatAgent", useSQLite: true } },
    bindings: { MODEL_BASE_URL: modelBaseUrl },
  });
  const url = (await mf.ready).origin;
  return { url, close: () => mf.dispose() };
}

/** One conversation with the peer over its WebSocket: an agent instance of its own. */
export class PeerClient {
  private listeners = new Set<(frame: { type?: string; id?: string; body?: string; done?: boolean; error?: boolean }) => void>();
  private history: unknown[] = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data) => {
      let frame: { type?: string };
      try {
        frame = JSON.parse(String(data));
      } catch {
        return;
      }
      for (const l of this.listeners) l(frame);
    });
  }

  /** Opens the socket and waits for the agent's greeting (its identity, then its MCP servers: the last frame of `onConnect`). */
  static async connect(peer: Peer, name = randomUUID()): Promise<PeerClient> {
    const socket = new WebSocket(`${peer.url.replace(/^http/, "ws")}/agents/chat-agent/${name}`);
    const client = new PeerClient(socket);
    const greeted = new Promise<void>((resolve) => {
      const l = (f: { type?: string }) => {
        if (f.type === "cf_agent_mcp_servers") {
          client.listeners.delete(l);
          resolve();
        }
      };
      client.listeners.add(l);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    await greeted;
    return client;
  }

  /**
   * Sends one user message (with the history, as `useAgentChat` does) and resolves when the
   * reply is done; `onFirstDelta` is called on the first streamed piece of text.
   */
  turn(text: string, onFirstDelta: () => void = () => {}, timeoutMs = 30_000): Promise<string> {
    const id = randomUUID().slice(0, 8);
    this.history.push({ id: randomUUID(), role: "user", parts: [{ type: "text", text }] });
    return new Promise<string>((resolve, reject) => {
      let reply = "";
      let first = true;
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error("peer turn timed out"));
      }, timeoutMs);
      const listener = (f: { type?: string; id?: string; body?: string; done?: boolean; error?: boolean }) => {
        if (f.type !== "cf_agent_use_chat_response" || f.id !== id) return;
        if (f.error) {
          clearTimeout(timer);
          this.listeners.delete(listener);
          reject(new Error(`peer error: ${f.body}`));
          return;
        }
        if (f.body?.trim()) {
          const part = JSON.parse(f.body) as { type: string; delta?: string };
          if (part.type === "text-delta") {
            if (first) {
              first = false;
              onFirstDelta();
            }
            reply += part.delta ?? "";
          }
        }
        if (f.done) {
          clearTimeout(timer);
          this.listeners.delete(listener);
          this.history.push({ id: randomUUID(), role: "assistant", parts: [{ type: "text", text: reply }] });
          resolve(reply);
        }
      };
      this.listeners.add(listener);
      this.socket.send(
        JSON.stringify({
          id,
          type: "cf_agent_use_chat_request",
          init: { method: "POST", body: JSON.stringify({ messages: this.history, trigger: "submit-message" }) },
        }),
      );
    });
  }

  close(): void {
    this.socket.close();
  }
}
