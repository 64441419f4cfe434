/**
 * `npm run bench`: measures what the product promises — widget weight, reply latency,
 * throughput over WebSockets, delegation overhead, budget counter contention — against the
 * real worker in workerd, and writes the figures to BENCHMARKS.md. Run through vitest only
 * for its TypeScript loader; nothing here asserts a wall-clock limit.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, it } from "vitest";
import { ScriptedModel } from "../test/helpers/model-server";
import { ROOT, send, startConversation, startSwitchboard, type Switchboard } from "../test/helpers/switchboard";
import { WsClient, wsUrl } from "../test/helpers/ws-client";

const rows: { section: string; metric: string; value: string }[] = [];
const record = (section: string, metric: string, value: string) => {
  rows.push({ section, metric, value });
  console.log(`${section} · ${metric}: ${value}`);
};

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

let sb: Switchboard;
const model = new ScriptedModel();

beforeAll(async () => {
  await model.start();
  sb = await startSwitchboard({ seed: true });
});
afterAll(async () => {
  await sb?.close();
  await model.stop();
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    "# Benchmarks",
    "",
    `Measured by \`npm run bench\` on ${date}: ${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}, Node ${process.version}, the worker bundle in workerd (Miniflare) on loopback. Figures move with the machine; compare runs on one machine.`,
    "",
  ];
  let section = "";
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section;
      lines.push("", `## ${section}`, "", "| metric | value |", "|---|---|");
    }
    lines.push(`| ${r.metric} | ${r.value} |`);
  }
  writeFileSync(join(ROOT, "BENCHMARKS.md"), `${lines.join("\n")}\n`);
});

it("widget weight", () => {
  const file = (p: string) => readFileSync(join(ROOT, "dist/public", p));
  const loader = gzipSync(file("widget.js"), { level: 9 }).byteLength;
  const app = gzipSync(file("widget/app.js"), { level: 9 }).byteLength;
  record("Widget weight (gzip -9)", "widget.js (loaded by the page)", `${(loader / 1024).toFixed(2)} KB (budget 4 KB)`);
  record("Widget weight (gzip -9)", "widget/app.js (on first open or idle)", `${(app / 1024).toFixed(2)} KB`);
  record("Widget weight (gzip -9)", "everything the widget loads", `${((loader + app) / 1024).toFixed(2)} KB (budget 20 KB)`);
});

it("offline reply latency over HTTP + SSE", async () => {
  const first: number[] = [];
  const total: number[] = [];
  const questions = ["How do I export my notes?", "Is my data encrypted?", "Can I share a note?", "the app crashes when I log in"];
  for (let i = 0; i < 60; i++) {
    const conv = await startConversation(sb);
    const t0 = performance.now();
    const res = await sb.fetch(`/api/conversations/${conv.id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
      body: JSON.stringify({ clientMessageId: `bench-${i}-xxxxxx`, text: questions[i % questions.length] }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let sawDelta = false;
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      if (!sawDelta && buffer.includes("event: delta")) {
        sawDelta = true;
        first.push(performance.now() - t0);
      }
    }
    total.push(performance.now() - t0);
  }
  record("Offline reply latency (HTTP + SSE, 60 turns)", "first delta p50 / p95", `${ms(pct(first, 50))} / ${ms(pct(first, 95))}`);
  record("Offline reply latency (HTTP + SSE, 60 turns)", "whole turn p50 / p95", `${ms(pct(total, 50))} / ${ms(pct(total, 95))}`);
});

it("WebSocket throughput with concurrent conversations", async () => {
  const conversations = 20;
  const perConversation = 5;
  const clients = await Promise.all(
    Array.from({ length: conversations }, async () => {
      const conv = await startConversation(sb);
      const ws = await WsClient.connect(wsUrl(sb.url, conv.id, conv.token, 0));
      await ws.waitFor("ready");
      return ws;
    }),
  );
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (ws, c) => {
      for (let i = 0; i < perConversation; i++) {
        const before = ws.of("done").length;
        ws.send({ type: "send", clientMessageId: `ws-bench-${c}-${i}-x`, text: "Is my data encrypted?" });
        await ws.waitFor("done", () => ws.of("done").length > before, 30_000);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const ws of clients) ws.close();
  record("WebSocket throughput (offline)", `${conversations} conversations × ${perConversation} turns`, `${((conversations * perConversation) / seconds).toFixed(1)} turns/s`);
});

it("delegation overhead with the scripted model", async () => {
  const sbModel = await startSwitchboard({ seed: true, vars: { OPENAI_API_KEY: "sk-bench", OPENAI_BASE_URL: model.url } });
  try {
    await sbModel.putAgent("demo", { id: "router", name: "Router", description: "router", instructions: "bench router", delegates: ["billing"] });
    await sbModel.putAgent("demo", { id: "billing", name: "Billing", description: "billing", instructions: "bench billing" });
    const direct: number[] = [];
    const delegated: number[] = [];
    for (let i = 0; i < 30; i++) {
      model.reset();
      model.on("bench router", { text: "Direct answer." });
      let conv = await startConversation(sbModel);
      let t0 = performance.now();
      await send(sbModel, conv, "hello");
      direct.push(performance.now() - t0);

      model.reset();
      model.on("bench router", { toolCalls: [{ name: "delegate", arguments: { agent: "billing", prompt: "check" } }] }, { text: "Consolidated." });
      model.on("bench billing", { text: "Billing says hi." });
      conv = await startConversation(sbModel);
      t0 = performance.now();
      await send(sbModel, conv, "hello");
      delegated.push(performance.now() - t0);
    }
    record("Delegation (scripted model, 30 turns each)", "router answers itself, p50", ms(pct(direct, 50)));
    record("Delegation (scripted model, 30 turns each)", "router → specialist (child Durable Object) → router, p50", ms(pct(delegated, 50)));
    record("Delegation (scripted model, 30 turns each)", "added by one delegation (3 model calls vs 1), p50", ms(pct(delegated, 50) - pct(direct, 50)));
  } finally {
    await sbModel.close();
  }
});
