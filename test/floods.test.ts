/**
 * Bounded abuse, tried as an attacker would: floods against each rate limit across a window
 * boundary (the windows slide: no stretch of one window's length ever admits more than the
 * limit, where fixed windows let twice the limit through around their edge), limits that
 * survive a restart of the process that counts them, and connection floods against the caps
 * per conversation and per IP (WebSocket close 1013, SSE 429), with leases given back when
 * connections close — or reclaimed when they vanished with a crash.
 *
 * Time is driven by the clock, not by sleeps: a round starts when the clock reaches a point
 * late in a 2-second window and ends right after the window's boundary; a round that took
 * longer than one window on a loaded machine proves nothing and is run again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  LOCAL_ORIGIN,
  randomClientId,
  setupOrg,
  startConversation,
  startSwitchboard,
  type Switchboard,
  testAgent,
} from "./helpers/switchboard";
import { WsClient, wsUrl } from "./helpers/ws-client";

const WINDOW_MS = 2_000;
const LIMIT = 5;
const offline = { model: { provider: "offline" as const } };

let sb: Switchboard;
let ipCounter = 0;
/** A fresh client address (the worker reads `cf-connecting-ip`, which Cloudflare sets in production). */
const nextIp = () => `198.51.100.${++ipCounter}`;

beforeAll(async () => {
  sb = await startSwitchboard({
    vars: {
      RATE_LIMIT_STARTS_PER_IP: `${LIMIT}/${WINDOW_MS}ms`,
      RATE_LIMIT_SENDS_PER_IP: `${LIMIT}/${WINDOW_MS}ms`,
      RATE_LIMIT_SENDS_PER_VISITOR: `${LIMIT}/${WINDOW_MS}ms`,
    },
  });
  await setupOrg(sb, "flood", [testAgent("router", offline)]);
});
afterAll(async () => {
  await sb?.close();
});

const start = (ip: string) =>
  sb.fetch("/api/sites/flood/conversations", { method: "POST", headers: { origin: LOCAL_ORIGIN, "content-type": "application/json", "cf-connecting-ip": ip }, body: "{}" });

/** A conversation started from an address of its own (so the test's own starts do not count against the flood's). */
async function conversation(): Promise<{ id: string; token: string }> {
  const res = await start(nextIp());
  expect(res.status).toBe(201);
  const body = (await res.json()) as { conversationId: string; token: string };
  return { id: body.conversationId, token: body.token };
}

/** Polls the clock (no sleep of a fixed length) until `ok` says the time has come. */
async function clock(ok: (now: number) => boolean): Promise<void> {
  while (!ok(Date.now())) await new Promise((r) => setTimeout(r, 5));
}

/**
 * Fires `LIMIT` requests late in a window, then `LIMIT` more just after its boundary, and
 * counts what was admitted. Repeats (with a fresh subject) until a round fits in one window.
 */
async function acrossBoundary(fire: (round: number) => Promise<(() => Promise<boolean>)>): Promise<{ admitted: number; elapsed: number }> {
  for (let round = 0; round < 6; round++) {
    const attempt = await fire(round);
    await clock((t) => t % WINDOW_MS >= WINDOW_MS * 0.6 && t % WINDOW_MS < WINDOW_MS * 0.7);
    const t0 = Date.now();
    const before = await Promise.all(Array.from({ length: LIMIT }, attempt));
    await clock((t) => Math.floor(t / WINDOW_MS) > Math.floor(t0 / WINDOW_MS));
    const after = await Promise.all(Array.from({ length: LIMIT }, attempt));
    const elapsed = Date.now() - t0;
    if (elapsed < WINDOW_MS) return { admitted: [...before, ...after].filter(Boolean).length, elapsed };
  }
  throw new Error("no round fitted in one window (machine too loaded)");
}

describe("sliding windows", () => {
  it("conversation starts per IP: a flood across a window boundary is admitted only up to the limit", async () => {
    const { admitted } = await acrossBoundary(async () => {
      const ip = nextIp();
      return async () => (await start(ip)).status === 201;
    });
    // Fixed windows admitted 2 × LIMIT here: LIMIT before the boundary, LIMIT after.
    expect(admitted).toBe(LIMIT);
  });

  it("a refused start says when one fits again, and one does then", async () => {
    const ip = nextIp();
    for (let i = 0; i < LIMIT; i++) expect((await start(ip)).status).toBe(201);
    const refused = await start(ip);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    await eventually(async () => (await start(ip)).status === 201, "a start once the window has moved on", 10_000);
  });

  it("messages per IP over HTTP: the same", async () => {
    const { admitted } = await acrossBoundary(async () => {
      // One address, two conversations (the first batch to one, the second to the other), so
      // neither conversation's own limit binds — only the address's.
      const ip = nextIp();
      const pair = await Promise.all([conversation(), conversation()]);
      let fired = 0;
      return async () => {
        const conv = pair[fired++ < LIMIT ? 0 : 1] as { id: string; token: string };
        const res = await sb.fetch(`/api/conversations/${conv.id}/messages`, {
          method: "POST",
          headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json", "cf-connecting-ip": ip },
          body: JSON.stringify({ clientMessageId: randomClientId(), text: "hi" }),
        });
        await res.body?.cancel();
        return res.status === 200;
      };
    });
    expect(admitted).toBe(LIMIT);
  });

  it("messages per IP over WebSocket (counted by the conversation against the IP): the same", async () => {
    const sockets: WsClient[] = [];
    const { admitted } = await acrossBoundary(async () => {
      // One address, two conversations: the first batch on one, the second on the other, so
      // neither conversation's own limit binds — only the address's.
      const ip = nextIp();
      const pair = await Promise.all([conversation(), conversation()].map(async (c) => {
        const conv = await c;
        const ws = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token), { "cf-connecting-ip": ip });
        sockets.push(ws);
        await ws.waitFor("ready");
        return { ws, sent: 0 };
      }));
      let fired = 0;
      return async () => {
        const side = pair[fired++ < LIMIT ? 0 : 1] as { ws: WsClient; sent: number };
        const k = ++side.sent;
        side.ws.send({ type: "send", clientMessageId: randomClientId(), text: "hi" });
        // Frames are answered in order, each with an ack or a rate_limited error: the k-th answer is this one's.
        const answers = () => side.ws.events.filter((e) => e.type === "ack" || (e.type === "error" && e.data.code === "rate_limited"));
        await eventually(async () => answers().length >= k, "an answer to the frame");
        return answers()[k - 1]?.type === "ack";
      };
    });
    for (const ws of sockets) ws.close();
    expect(admitted).toBe(LIMIT);
  });
});

describe("connection caps", () => {
  let capped: Switchboard;
  beforeAll(async () => {
    capped = await startSwitchboard({ vars: { MAX_CONNECTIONS_PER_CONVERSATION: "3", MAX_CONNECTIONS_PER_IP: "5" } });
    await setupOrg(capped, "flood", [testAgent("router", offline)]);
  });
  afterAll(async () => {
    await capped?.close();
  });
  const conversation = () => startConversation(capped, "flood");
  const connect = (conv: { id: string; token: string }, ip: string) => WsClient.connect(wsUrl(capped.url, conv.id, conv.token), { "cf-connecting-ip": ip });
  const sse = (conv: { id: string; token: string }, ip: string, signal?: AbortSignal) =>
    capped.fetch(`/api/conversations/${conv.id}/messages?after=0`, {
      headers: { authorization: `Bearer ${conv.token}`, accept: "text/event-stream", "cf-connecting-ip": ip },
      ...(signal ? { signal } : {}),
    });
  /** Whether a socket stays open: it gets `ready` and no 1013 close. */
  const opened = async (ws: WsClient) => {
    await eventually(async () => ws.closed || ws.events.some((e) => e.type === "ready" || e.type === "error"), "the socket's first word");
    return !ws.closed && ws.events.some((e) => e.type === "ready");
  };

  it("a flood of WebSockets on one conversation: the cap stays open, the rest are closed with 1013 and told why", async () => {
    const conv = await conversation();
    const ip = nextIp();
    const flood = await Promise.all(Array.from({ length: 12 }, () => connect(conv, ip)));
    const open = await Promise.all(flood.map(opened));
    expect(open.filter(Boolean)).toHaveLength(3);
    const refused = flood.filter((_, i) => !open[i]);
    await eventually(async () => refused.every((ws) => ws.closed), "refused sockets closed");
    for (const ws of refused) {
      expect(ws.closeCode).toBe(1013);
      expect(ws.of("error")[0]?.data).toMatchObject({ code: "too_many_connections", message: expect.stringContaining("this conversation") });
    }
    // An SSE stream is a connection too: 429.
    const stream = await sse(conv, ip);
    expect(stream.status).toBe(429);
    expect(((await stream.json()) as { error: { code: string } }).error.code).toBe("too_many_connections");
    expect(stream.headers.get("retry-after")).toBeTruthy();
    // Closing one frees its place.
    flood[open.indexOf(true)]?.close();
    const again = await eventually(async () => {
      const ws = await connect(conv, ip);
      if (await opened(ws)) return ws;
      return undefined;
    }, "a socket accepted after one closed");
    for (const ws of [...flood, again]) ws.close();
  });

  it("a flood from one address across conversations: the per-IP cap holds for WebSockets and SSE, other addresses are unaffected", async () => {
    const ip = nextIp();
    const convs = await Promise.all(Array.from({ length: 4 }, () => conversation()));
    const sockets = await Promise.all(convs.flatMap((c) => [connect(c, ip), connect(c, ip)]));
    const open = await Promise.all(sockets.map(opened));
    expect(open.filter(Boolean)).toHaveLength(5);
    const refused = sockets.filter((_, i) => !open[i]);
    await eventually(async () => refused.every((ws) => ws.closed), "refused sockets closed");
    expect(refused.map((ws) => ws.closeCode)).toEqual([1013, 1013, 1013]);
    expect(refused[0]?.of("error")[0]?.data.message).toContain("this address");
    const spare = await conversation();
    expect((await sse(spare, ip)).status).toBe(429);
    // Another address still gets in.
    const other = await connect(spare, nextIp());
    expect(await opened(other)).toBe(true);
    other.close();
    // Every socket closed: the address's places come back (the close handlers give the leases back).
    for (const ws of sockets) ws.close();
    const five = await eventually(async () => {
      const probe = await Promise.all(Array.from({ length: 5 }, (_, i) => connect(convs[i % 4] as { id: string; token: string }, ip)));
      const ok = await Promise.all(probe.map(opened));
      if (ok.every(Boolean)) return probe;
      for (const ws of probe) ws.close();
      return undefined;
    }, "the address's five places free again");
    for (const ws of five) ws.close();
    // SSE streams hold places too (a refused one holds none), and give them back when the client goes away.
    const streams: AbortController[] = [];
    for (let i = 0; i < 5; i++) {
      streams.push(
        await eventually(async () => {
          const controller = new AbortController();
          return (await sse(convs[i % 4] as { id: string; token: string }, ip, controller.signal)).status === 200 ? controller : undefined;
        }, `SSE stream ${i + 1} of 5`),
      );
    }
    expect((await sse(spare, ip)).status).toBe(429);
    for (const c of streams) c.abort();
    // A dropped stream is noticed at its next heartbeat write (every 5 s).
    const back = await eventually(
      async () => {
        const ws = await connect(spare, ip);
        if (await opened(ws)) return ws;
        return undefined;
      },
      "a place free once the streams were dropped",
      30_000,
    );
    back.close();
  });

  it("connections lost in a crash do not lock their address out", async () => {
    const ip = nextIp();
    const convs = await Promise.all(Array.from({ length: 3 }, () => conversation()));
    const sockets = await Promise.all(convs.flatMap((c) => [connect(c, ip), connect(c, ip)]));
    expect((await Promise.all(sockets.map(opened))).filter(Boolean)).toHaveLength(5);
    // The process dies: no socket gets a close handler, the leases stay stored.
    await capped.restart();
    await eventually(async () => sockets.every((ws) => ws.closed), "sockets dropped by the crash");
    const after = await eventually(async () => {
      const ws = await WsClient.connect(wsUrl(capped.url, (convs[0] as { id: string }).id, (convs[0] as { token: string }).token), { "cf-connecting-ip": ip });
      if (await opened(ws)) return ws;
      return undefined;
    }, "a connection from the same address after the crash");
    after.close();
  });
});

describe("limits that outlive the process that counts them", () => {
  let durable: Switchboard;
  beforeAll(async () => {
    durable = await startSwitchboard({ vars: { RATE_LIMIT_STARTS_PER_IP: "3/1h", RATE_LIMIT_SENDS_PER_VISITOR: "2/1h" } });
    await setupOrg(durable, "keep", [testAgent("router", offline)]);
  });
  afterAll(async () => {
    await durable?.close();
  });

  it("a restart neither resets an address's starts nor a conversation's sends", async () => {
    const startFrom = (ip: string) =>
      durable.fetch("/api/sites/keep/conversations", { method: "POST", headers: { origin: LOCAL_ORIGIN, "content-type": "application/json", "cf-connecting-ip": ip }, body: "{}" });
    const ip = "203.0.113.7";
    for (let i = 0; i < 3; i++) expect((await startFrom(ip)).status).toBe(201);
    expect((await startFrom(ip)).status).toBe(429);

    const conv = await startConversation(durable, "keep");
    const post = (text: string) =>
      durable.fetch(`/api/conversations/${conv.id}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
        body: JSON.stringify({ clientMessageId: randomClientId(), text }),
      });
    for (const text of ["one", "two"]) {
      const res = await post(text);
      expect(res.status).toBe(200);
      await res.text();
    }
    expect((await post("three")).status).toBe(429);

    await durable.restart();
    const refused = await startFrom(ip);
    expect(refused.status).toBe(429);
    // Still most of an hour to wait: the window did not start again.
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(3_000);
    expect((await post("three, after the restart")).status).toBe(429);
  });
});
