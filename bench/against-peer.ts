/**
 * Switchboard against the peer (bench/peer.ts: Cloudflare's `agents` with an AIChatAgent),
 * interleaved in one run: the same machine, the same scripted model answering at once, a
 * WebSocket for both, a new conversation for every turn. Each round runs, in an order that
 * rotates, one peer turn, one Switchboard turn the router answers itself and one it
 * delegates (router → specialist in its run object → router).
 *
 * Measured from the client: the send → the first streamed piece of text, and → the end of
 * the turn (`done`; the peer's last `cf_agent_use_chat_response`). A delegation hop is what
 * a delegated turn takes beyond a direct one, less the two model calls it adds: each turn's
 * time outside its model calls (whole turn − its `model` spans, i.e. each call from the
 * request leaving to the stream read, as the engine timed it), p50 of delegated minus p50 of
 * direct.
 *
 * CPU per turn is each workerd process's own (user + system, from /proc) over its turns.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type ScriptedModel } from "../test/helpers/model-server";
import { flatten, ROOT, startConversation, startSwitchboard, type Switchboard, trace } from "../test/helpers/switchboard";
import { WsClient, wsUrl } from "../test/helpers/ws-client";
import { cpuMs, withWorkerdPid } from "./cpu";
import { PeerClient, startPeer } from "./peer";

export interface Sample {
  first: number;
  total: number;
  /** Milliseconds the model server spent on this turn's calls. */
  model: number;
  /** Milliseconds of the turn's model calls as the engine saw them (its `model` spans: request out → stream read), Switchboard only. */
  modelSpans?: number;
  /** The `delegation` span and the child's `run` span, ms (delegated turns). */
  delegation?: number;
  childRun?: number;
}

export interface PeerComparison {
  rounds: number;
  peer: Sample[];
  direct: Sample[];
  delegated: Sample[];
  /** Mean workerd CPU per turn, ms (null where /proc is not readable). */
  cpu: { peer: number | null; direct: number | null; delegated: number | null };
}

const REPLY = "Here is the answer you asked for.";

/** What the deployed worker gets from wrangler.toml's [vars] that the test harness does not pass by itself. */
function deployedVars(): Record<string, string> {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const cache = toml.match(/^CONFIG_CACHE_SECONDS\s*=\s*"(\d+)"/m)?.[1];
  return cache ? { CONFIG_CACHE_SECONDS: cache } : {};
}

export async function againstPeer(model: ScriptedModel, rounds: number, options: { main?: string } = {}): Promise<PeerComparison> {
  const peer = await withWorkerdPid(() => startPeer(model.url));
  let sb: { value: Switchboard; pid: number | null } | null = null;
  try {
    sb = await withWorkerdPid(() =>
      startSwitchboard({ seed: true, ...(options.main ? { main: options.main } : {}), vars: { OPENAI_API_KEY: "sk-bench", OPENAI_BASE_URL: model.url, ...deployedVars() } }),
    );
    const app = sb.value;
    await app.putAgent("demo", { id: "router", name: "Router", description: "router", instructions: "bench router", delegates: ["billing"] });
    await app.putAgent("demo", { id: "billing", name: "Billing", description: "billing", instructions: "bench billing" });

    const script = (delegate: boolean) => {
      model.reset();
      model.always("bench peer", { text: REPLY });
      if (delegate) {
        model.on("bench router", { toolCalls: [{ name: "delegate", arguments: { agent: "billing", prompt: "check the invoice" } }] }, { text: REPLY });
        model.on("bench billing", { text: "The invoice was paid once." });
      } else model.always("bench router", { text: REPLY });
    };
    const modelTime = () => model.requests.reduce((n, r) => n + ((r.endedAt ?? r.startedAt) - r.startedAt), 0);

    const peerTurn = async (): Promise<Sample> => {
      script(false);
      const client = await PeerClient.connect(peer.value);
      let first = 0;
      const t0 = performance.now();
      await client.turn("hello", () => (first = performance.now() - t0));
      const total = performance.now() - t0;
      client.close();
      return { first, total, model: modelTime() };
    };
    const switchboardTurn = async (delegate: boolean, n: number): Promise<Sample> => {
      script(delegate);
      const conv = await startConversation(app);
      const ws = await WsClient.connect(wsUrl(app.url, conv.id, conv.token, 0));
      await ws.waitFor("ready");
      const t0 = performance.now();
      ws.send({ type: "send", clientMessageId: `peer-bench-${n}-${delegate ? "d" : "p"}`, text: "hello" });
      await ws.waitFor("delta", () => true, 30_000);
      const first = performance.now() - t0;
      await ws.waitFor("done", () => true, 30_000);
      const total = performance.now() - t0;
      ws.close();
      const modelServer = modelTime();
      // Read after the clock stopped: the turn's spans.
      const spans = flatten(await trace(app, conv.id));
      const duration = (kind: string, agentId?: string) => spans.filter((x) => x.kind === kind && (!agentId || x.agentId === agentId)).reduce((n, x) => n + (x.durationMs ?? 0), 0);
      return { first, total, model: modelServer, modelSpans: duration("model"), ...(delegate ? { delegation: duration("delegation"), childRun: duration("run", "billing") } : {}) };
    };

    const result: PeerComparison = { rounds, peer: [], direct: [], delegated: [], cpu: { peer: null, direct: null, delegated: null } };
    const cpu = { peer: 0, direct: 0, delegated: 0 };
    const timed = async <T>(pid: number | null, key: keyof typeof cpu, run: () => Promise<T>): Promise<T> => {
      const before = pid ? cpuMs(pid) : null;
      const value = await run();
      const after = pid ? cpuMs(pid) : null;
      if (before !== null && after !== null) cpu[key] += after - before;
      return value;
    };
    // Warm both up (isolates, the org's objects, connections): not counted.
    for (let i = 0; i < 5; i++) {
      await peerTurn();
      await switchboardTurn(false, -1 - 2 * i);
      await switchboardTurn(true, -2 - 2 * i);
    }
    for (let i = 0; i < rounds; i++) {
      const steps = [
        async () => result.peer.push(await timed(peer.pid, "peer", peerTurn)),
        async () => result.direct.push(await timed(sb?.pid ?? null, "direct", () => switchboardTurn(false, i))),
        async () => result.delegated.push(await timed(sb?.pid ?? null, "delegated", () => switchboardTurn(true, i))),
      ];
      for (let s = 0; s < steps.length; s++) await (steps[(s + i) % steps.length] as () => Promise<unknown>)();
    }
    const per = (ms: number) => (peer.pid && sb?.pid ? ms / rounds : null);
    result.cpu = { peer: per(cpu.peer), direct: per(cpu.direct), delegated: per(cpu.delegated) };
    return result;
  } finally {
    await sb?.value.close();
    await peer.value.close();
  }
}
