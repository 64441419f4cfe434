/**
 * Load through `npm start` (bench/npm-start.ts): N conversations at once, each sending one
 * message to the demo at the same moment, over SSE (POST → the turn's event stream)
 * or over WebSocket (connected first, then one `send` frame each). Reports errors (a refused
 * or dropped request, a socket that failed, a turn with no reply or no `done` within two
 * minutes), turns per second, the turn's latency, and CPU per turn of workerd, of
 * `npm start`'s Node process (Miniflare's host) and of the bench's own process.
 *
 * Every HTTP request here asks for `Connection: close`. workerd sometimes closes a reused
 * keep-alive connection that just carried an SSE reply without answering the next request
 * (see `reuseAfterSse` and README "Latency"): a client that reuses them can see resets that
 * have nothing to do with the turn, so the bench does not reuse them, and measures that
 * effect on its own.
 */
import { connect, type Socket } from "node:net";
import WebSocket from "ws";
import { LOCAL_ORIGIN, randomClientId } from "../test/helpers/switchboard";
import { cpuMs, selfCpuMs } from "./cpu";
import type { NpmStart } from "./npm-start";

export interface LoadResult {
  transport: "SSE" | "WebSocket";
  conversations: number;
  errors: number;
  /** The first few distinct error messages. */
  kinds: string[];
  seconds: number;
  p50: number;
  p95: number;
  cpuPerTurn: { workerd: number | null; host: number | null; bench: number };
}

const TURN_TIMEOUT_MS = 120_000;
const QUESTIONS = ["How do I export my notes?", "Is my data encrypted?", "Can I share a note?", "How do I reset my password?"];
const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** Runs `work` over `items` with at most `limit` at once. */
async function inBatches<T, R>(items: T[], limit: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i] as T, i);
      }
    }),
  );
  return out;
}

async function startConversations(origin: string, n: number): Promise<{ id: string; token: string }[]> {
  return inBatches(Array.from({ length: n }), 50, async () => {
    const res = await fetch(`${origin}/api/sites/demo/conversations`, {
      method: "POST",
      headers: { origin: LOCAL_ORIGIN, "content-type": "application/json", connection: "close" },
      body: "{}",
    });
    if (res.status !== 201) throw new Error(`start: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { conversationId: string; token: string };
    return { id: body.conversationId, token: body.token };
  });
}

function cpuNow(app: NpmStart) {
  return { workerd: app.workerdPid ? cpuMs(app.workerdPid) : null, host: app.child.pid ? cpuMs(app.child.pid) : null, bench: selfCpuMs() };
}

export async function load(app: NpmStart, transport: "SSE" | "WebSocket", n: number): Promise<LoadResult> {
  const conversations = await startConversations(app.origin, n);
  const kinds = new Set<string>();
  let errors = 0;
  const fail = (why: string) => {
    errors++;
    if (kinds.size < 5) kinds.add(why);
  };
  const latencies: number[] = [];
  let sockets: WebSocket[] = [];
  if (transport === "WebSocket") {
    sockets = (
      await inBatches(conversations, 100, async (c) => {
        try {
          return await openSocket(`${app.origin.replace(/^http/, "ws")}/api/conversations/${c.id}/ws?token=${encodeURIComponent(c.token)}&after=0`);
        } catch (error) {
          fail(`connect: ${(error as Error).message}`);
          return null;
        }
      })
    ).filter((s): s is WebSocket => s !== null);
  }
  const before = cpuNow(app);
  const t0 = performance.now();
  if (transport === "SSE") {
    await Promise.all(
      conversations.map(async (c, i) => {
        const started = performance.now();
        try {
          const res = await fetch(`${app.origin}/api/conversations/${c.id}/messages`, {
            method: "POST",
            headers: { authorization: `Bearer ${c.token}`, "content-type": "application/json", connection: "close" },
            body: JSON.stringify({ clientMessageId: randomClientId(), text: QUESTIONS[i % QUESTIONS.length] }),
            signal: AbortSignal.timeout(TURN_TIMEOUT_MS),
          });
          if (!res.ok) return fail(`HTTP ${res.status}`);
          const text = await res.text();
          if (!text.includes("event: done")) return fail("no done");
          if (!/"role":"assistant"/.test(text)) return fail("no reply");
          latencies.push(performance.now() - started);
        } catch (error) {
          const e = error as { cause?: { code?: string }; message: string };
          fail(e.cause?.code ?? e.message);
        }
      }),
    );
  } else {
    await Promise.all(
      sockets.map(async (ws, i) => {
        const started = performance.now();
        const outcome = await new Promise<string | null>((resolve) => {
          const timer = setTimeout(() => resolve("timeout"), TURN_TIMEOUT_MS);
          let replied = false;
          ws.on("message", (data) => {
            const event = JSON.parse(String(data)) as { type: string; data: { role?: string; code?: string } };
            if (event.type === "message" && event.data.role === "assistant") replied = true;
            if (event.type === "error") {
              clearTimeout(timer);
              resolve(`error event: ${event.data.code}`);
            }
            if (event.type === "done") {
              clearTimeout(timer);
              resolve(replied ? null : "no reply");
            }
          });
          ws.on("close", () => {
            clearTimeout(timer);
            resolve("closed");
          });
          ws.send(JSON.stringify({ type: "send", clientMessageId: randomClientId(), text: QUESTIONS[i % QUESTIONS.length] }));
        });
        if (outcome) fail(outcome);
        else latencies.push(performance.now() - started);
      }),
    );
    for (const ws of sockets) ws.terminate();
  }
  const seconds = (performance.now() - t0) / 1000;
  const after = cpuNow(app);
  const turns = Math.max(1, latencies.length);
  const per = (a: number | null, b: number | null) => (a !== null && b !== null ? (b - a) / turns : null);
  return {
    transport,
    conversations: n,
    errors,
    kinds: [...kinds],
    seconds,
    p50: pct(latencies, 50),
    p95: pct(latencies, 95),
    cpuPerTurn: { workerd: per(before.workerd, after.workerd), host: per(before.host, after.host), bench: (after.bench - before.bench) / turns },
  };
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error("no ready")), 30_000);
    ws.once("message", () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/**
 * The keep-alive effect on its own, with plain sockets (no HTTP client library): `n`
 * connections at once each carry one SSE message POST to its end, then a second request
 * (`GET /api/health`). Counts the second requests workerd answered and those on which it
 * closed or reset the connection without a byte of answer.
 */
export async function reuseAfterSse(app: NpmStart, n: number): Promise<{ answered: number; closed: number }> {
  const url = new URL(app.origin);
  const conversations = await startConversations(app.origin, n);
  const outcomes = await Promise.all(
    conversations.map(async (c) => {
      const socket = connect(Number(url.port), url.hostname);
      socket.on("error", () => {});
      const body = JSON.stringify({ clientMessageId: randomClientId(), text: QUESTIONS[0] });
      const first = await exchange(
        socket,
        `POST /api/conversations/${c.id}/messages HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${c.token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        (b) => b.includes("\r\n0\r\n\r\n"),
      );
      const second = first ? await exchange(socket, `GET /api/health HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`, (b) => b.includes('"ok"')) : false;
      socket.destroy();
      return second;
    }),
  );
  const answered = outcomes.filter(Boolean).length;
  return { answered, closed: n - answered };
}

/** Writes a request and resolves true once `complete` holds for what came back, false if the connection ended first. */
function exchange(socket: Socket, request: string, complete: (received: string) => boolean): Promise<boolean> {
  let received = "";
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => finish(false), TURN_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      received += String(d);
      if (complete(received)) finish(true);
    };
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      resolve(ok);
    };
    const onClose = () => finish(false);
    socket.on("data", onData);
    socket.on("close", onClose);
    socket.write(request);
  });
}
