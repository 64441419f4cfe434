/**
 * The widget's WebSocket link against a conversation over its connection cap. The server
 * accepts the upgrade, says why and closes with 1013; the link must back off further each
 * time (its failures are not forgotten because the socket opened) and count as up only once
 * the server says `ready`. The link (widget/app/connection.ts) runs here in Node over a real
 * socket to workerd; its timers are vitest's fake ones, so the test decides when a retry
 * is due and counts the upgrades that follow — no clock is read.
 */
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type ConnectionHandlers, retryDelay, SocketLink } from "../widget/app/connection";
import { setupOrg, startConversation, startSwitchboard, type Switchboard, testAgent } from "./helpers/switchboard";
import { WsClient, wsUrl } from "./helpers/ws-client";

let sb: Switchboard;

beforeAll(async () => {
  sb = await startSwitchboard({ vars: { MAX_CONNECTIONS_PER_CONVERSATION: "1" } });
  await setupOrg(sb, "capped", [testAgent("router", { model: { provider: "offline" } })]);
});
afterAll(async () => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  await sb?.close();
});

describe("the widget's WebSocket link over a connection cap", () => {
  it("backs off further after each 1013 close, and is up only when the server says ready", async () => {
    const conv = await startConversation(sb, "capped");
    const holder = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token));
    await holder.waitFor("ready");

    // What the link sees of the browser: a WebSocket (counted), and no window events.
    let upgrades = 0;
    class CountedWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        upgrades++;
      }
    }
    vi.stubGlobal("WebSocket", CountedWebSocket);
    vi.stubGlobal("addEventListener", () => {});
    vi.stubGlobal("removeEventListener", () => {});
    vi.stubGlobal("document", { addEventListener() {}, removeEventListener() {}, visibilityState: "visible" });

    const downs: { failures: number; overCap: boolean }[] = [];
    let ups = 0;
    let wake = () => {};
    const next = () => new Promise<void>((resolve) => (wake = resolve));
    const handlers: ConnectionHandlers = {
      target: () => ({ path: `/api/conversations/${conv.id}`, token: conv.token, after: 0 }),
      event: () => {},
      up: () => {
        ups++;
        wake();
      },
      down: (failures, overCap) => {
        downs.push({ failures, overCap });
        wake();
      },
    };

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    const link = new SocketLink(sb.url, handlers);
    try {
      let closed = next();
      link.connect();
      await closed;
      expect(downs).toEqual([{ failures: 1, overCap: true }]);

      // While the cap is held: each retry waits longer than the one before, whatever the jitter.
      for (let failures = 1; failures <= 5; failures++) {
        const soonest = retryDelay(failures, true, 0);
        const latest = retryDelay(failures, true, 1);
        if (failures > 1) expect(soonest).toBeGreaterThan(retryDelay(failures - 1, true, 1));
        vi.advanceTimersByTime(soonest - 1);
        expect(upgrades, `no retry before ${soonest} ms after failure ${failures}`).toBe(failures);
        closed = next();
        vi.advanceTimersByTime(latest - soonest + 1);
        expect(upgrades).toBe(failures + 1);
        await closed;
        expect(downs.at(-1)).toEqual({ failures: failures + 1, overCap: true });
      }
      expect(ups).toBe(0);
      expect(downs.every((d) => d.overCap)).toBe(true);
      // The delays stop growing at the cap.
      expect(retryDelay(20, true, 1)).toBe(retryDelay(12, true, 1));

      // The place is given back: the next retry gets in, and the link is up on `ready`.
      holder.close();
      await new Promise<void>((resolve) => holder.socket.once("close", () => resolve()));
      while (!ups) {
        const settled = next();
        vi.advanceTimersByTime(retryDelay(downs.length, true, 1) + 1);
        await settled;
        expect(downs.length).toBeLessThan(12);
      }
      expect(ups).toBe(1);
    } finally {
      link.stop();
      vi.useRealTimers();
      vi.unstubAllGlobals();
    }
  });

  it("an ordinary drop retries sooner than a full server", () => {
    for (let failures = 1; failures <= 4; failures++) {
      expect(retryDelay(failures, false, 1)).toBeLessThan(retryDelay(failures, true, 0));
    }
  });
});
