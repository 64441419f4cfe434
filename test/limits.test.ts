/**
 * The limits of the delegation contract: deadlines (a child never outlives its parent; at
 * the deadline the in-flight call returns a timeout and the run unwinds), stop (every
 * descendant run cancelled, their model requests aborted), chain depth, no agent twice in
 * a chain, and the per-run caps on model turns and tool calls. Each refusal is a tool
 * error the model reads and a span in the log.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { agent } from "./helpers/model-server";
import {
  flatten,
  readSse,
  send,
  setupOrg,
  startConversation,
  type Switchboard,
  testAgent,
  trace,
} from "./helpers/switchboard";
import { useScriptedSwitchboard } from "./helpers/fixtures";

const fx = useScriptedSwitchboard();
const model = fx.model;
let sb: Switchboard;
beforeAll(async () => {
  sb = fx.sb;
});

const lastToolResults = (tag: string) =>
  (model.requests.filter(agent(tag)).at(-1)?.body.messages.filter((m) => m.role === "tool") ?? []).map((m) => JSON.parse(m.content ?? "{}"));

describe("deadlines", () => {
  it("a child that runs past its own timeout returns a timeout error; the router then answers itself", async () => {
    await setupOrg(sb, "deadline", [
      testAgent("router", { delegates: ["slow"], timeoutMs: 20_000 }),
      testAgent("slow", { timeoutMs: 1_000 }),
    ]);
    model.on(agent("[router]"), { toolCalls: [{ name: "delegate", arguments: { agent: "slow", prompt: "take your time" } }] }, { text: "Sorry, billing is slow; here is what I know." });
    model.on(agent("[slow]"), { text: "I will never finish", stall: true });
    const conv = await startConversation(sb, "deadline");
    const { reply, events } = await send(sb, conv, "please");
    expect(reply?.text).toBe("Sorry, billing is slow; here is what I know.");
    expect(events.at(-1)).toMatchObject({ type: "done", data: { reason: "complete" } });

    // The stalled model request was aborted at the child's deadline.
    const slow = model.requests.find(agent("[slow]"));
    await model.until(() => slow?.endedAt !== undefined);
    expect(slow?.aborted).toBe(true);
    expect(lastToolResults("[router]")[0]).toMatchObject({ error: { code: "timeout" } });

    const spans = flatten(await trace(sb, conv.id));
    const child = spans.find((s) => s.kind === "run" && s.agentId === "slow");
    expect(child?.status).toBe("timeout");
    expect(spans.find((s) => s.kind === "delegation")?.status).toBe("timeout");
    expect(spans.some((s) => s.kind === "timeout" && s.agentId === "slow")).toBe(true);
    // It stopped close to its own timeout, not the router's.
    expect((child?.endedAt ?? 0) - (child?.startedAt ?? 0)).toBeLessThan(5_000);
  });

  it("a child never extends its parent: its deadline is the parent's when its own timeout is longer", async () => {
    await setupOrg(sb, "extend", [
      testAgent("router", { delegates: ["patient"], timeoutMs: 1_500 }),
      testAgent("patient", { timeoutMs: 600_000 }),
    ]);
    model.on(agent("[router]"), { toolCalls: [{ name: "delegate", arguments: { agent: "patient", prompt: "wait" } }] });
    model.on(agent("[patient]"), { text: "...", stall: true });
    const conv = await startConversation(sb, "extend");
    const { reply, events } = await send(sb, conv, "go");
    expect(events.at(-1)).toMatchObject({ type: "done", data: { reason: "deadline" } });
    expect(reply?.text).toMatch(/taking longer than it should/);
    const spans = flatten(await trace(sb, conv.id));
    const routerRun = spans.find((s) => s.kind === "run" && s.agentId === "router");
    const childRun = spans.find((s) => s.kind === "run" && s.agentId === "patient");
    expect(childRun?.data?.deadline).toBe(routerRun?.data?.deadline);
    const patient = model.requests.find(agent("[patient]"));
    await model.until(() => patient?.endedAt !== undefined);
    expect(patient?.aborted).toBe(true);
  });
});

describe("stop", () => {
  it("cancels the turn and every descendant run, aborting their model requests", async () => {
    await setupOrg(sb, "stop", [
      testAgent("router", { delegates: ["middle"] }),
      testAgent("middle", { delegates: ["leaf"] }),
      testAgent("leaf"),
    ]);
    model.on(agent("[router]"), { toolCalls: [{ name: "delegate", arguments: { agent: "middle", prompt: "go deeper" } }] });
    model.on(agent("[middle]"), { toolCalls: [{ name: "delegate", arguments: { agent: "leaf", prompt: "deepest" } }] });
    model.on(agent("[leaf]"), { text: "thinking", stall: true });
    const conv = await startConversation(sb, "stop");
    const res = await sb.fetch(`/api/conversations/${conv.id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
      body: JSON.stringify({ clientMessageId: "stop-me-000001", text: "start" }),
    });
    const events = readSse(res);
    await model.until(() => model.requests.some(agent("[leaf]")));
    const stop = await sb.fetch(`/api/conversations/${conv.id}/stop`, { method: "POST", headers: { authorization: `Bearer ${conv.token}` } });
    expect(stop.status).toBe(200);
    const all = await events;
    expect(all.at(-1)).toMatchObject({ type: "done", data: { reason: "stopped" } });

    const leaf = model.requests.find(agent("[leaf]"));
    await model.until(() => leaf?.endedAt !== undefined);
    expect(leaf?.aborted).toBe(true);

    const spans = flatten(await trace(sb, conv.id));
    const runs = spans.filter((s) => s.kind === "run");
    expect(runs.map((r) => [r.agentId, r.status]).sort()).toEqual([
      ["leaf", "cancelled"],
      ["middle", "cancelled"],
      ["router", "cancelled"],
    ]);
    expect(spans.filter((s) => s.kind === "cancel").map((s) => s.agentId).sort()).toEqual(["leaf", "middle", "router"]);
  });
});

describe("loops", () => {
  it("refuses a chain deeper than 3 hops", async () => {
    await setupOrg(sb, "depth", [
      testAgent("router", { delegates: ["a"] }),
      testAgent("a", { delegates: ["b"] }),
      testAgent("b", { delegates: ["c"] }),
      testAgent("c", { delegates: ["d"] }),
      testAgent("d"),
    ]);
    for (const [from, to] of [["router", "a"], ["a", "b"], ["b", "c"], ["c", "d"]]) {
      model.on(agent(`[${from}]`), { toolCalls: [{ name: "delegate", arguments: { agent: to, prompt: `from ${from}` } }] }, { text: `${from} answered` });
    }
    const conv = await startConversation(sb, "depth");
    const { reply } = await send(sb, conv, "go deep");
    expect(reply?.text).toBe("router answered");
    expect(model.requests.some(agent("[d]"))).toBe(false);
    // c read the refusal as a tool error.
    expect(lastToolResults("[c]")[0]).toMatchObject({ error: { code: "depth_exceeded" } });
    expect(lastToolResults("[c]")[0].error.message).toContain("router → a → b → c → d");
    const refusal = flatten(await trace(sb, conv.id)).find((s) => s.kind === "refusal");
    expect(refusal).toMatchObject({ name: "depth_exceeded", agentId: "c", status: "refused" });
  });

  it("refuses A → B → A", async () => {
    await setupOrg(sb, "cycle", [testAgent("alpha", { delegates: ["beta"] }), testAgent("beta", { delegates: ["alpha"] })]);
    model.on(agent("[alpha]"), { toolCalls: [{ name: "delegate", arguments: { agent: "beta", prompt: "ask beta" } }] }, { text: "alpha done" });
    model.on(agent("[beta]"), { toolCalls: [{ name: "delegate", arguments: { agent: "alpha", prompt: "ask alpha back" } }] }, { text: "beta done" });
    const conv = await startConversation(sb, "cycle");
    const { reply } = await send(sb, conv, "loop");
    expect(reply?.text).toBe("alpha done");
    expect(model.requests.filter(agent("[alpha]"))).toHaveLength(2);
    expect(lastToolResults("[beta]")[0]).toMatchObject({ error: { code: "loop_detected" } });
    expect(lastToolResults("[beta]")[0].error.message).toContain("alpha → beta → alpha");
    const spans = flatten(await trace(sb, conv.id));
    expect(spans.find((s) => s.kind === "refusal")).toMatchObject({ name: "loop_detected", agentId: "beta" });
  });

  it("caps model turns per run: the last turn offers no tools, and tool calls past it are refused", async () => {
    await setupOrg(sb, "turns", [testAgent("router", { tools: ["search_knowledge"], knowledge: ["faq"], maxTurns: 2 })]);
    const search = { toolCalls: [{ name: "search_knowledge", arguments: { query: "anything" } }] };
    model.on(agent("[router]"), search, search);
    const conv = await startConversation(sb, "turns");
    const { events } = await send(sb, conv, "loop forever");
    const requests = model.requests.filter(agent("[router]"));
    expect(requests).toHaveLength(2);
    expect(requests[0]?.body.tools?.map((t) => t.function.name)).toEqual(["search_knowledge"]);
    expect(requests[1]?.body.tools).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: "done", data: { reason: "error" } });
    const spans = flatten(await trace(sb, conv.id));
    expect(spans.find((s) => s.kind === "refusal")).toMatchObject({ name: "max_turns", status: "refused" });
    expect(spans.find((s) => s.kind === "run")?.error).toContain("max_turns");
  });

  it("caps tool calls per run: calls past the cap are refused as tool errors", async () => {
    await setupOrg(sb, "calls", [testAgent("router", { tools: ["search_knowledge"], knowledge: ["faq"], maxToolCalls: 2 })]);
    model.on(
      agent("[router]"),
      { toolCalls: [1, 2, 3].map((i) => ({ id: `q${i}`, name: "search_knowledge", arguments: { query: `q${i}` } })) },
      { text: "Answered with two searches." },
    );
    const conv = await startConversation(sb, "calls");
    const { reply } = await send(sb, conv, "search a lot");
    expect(reply?.text).toBe("Answered with two searches.");
    const results = lastToolResults("[router]");
    expect(results.slice(0, 2).every((r) => Array.isArray(r.results))).toBe(true);
    expect(results[2]).toMatchObject({ error: { code: "max_tool_calls" } });
    const spans = flatten(await trace(sb, conv.id));
    expect(spans.filter((s) => s.kind === "refusal").map((s) => s.name)).toEqual(["max_tool_calls"]);
  });

  it("refuses delegation to an agent that is not in the delegates list, and unknown tools", async () => {
    await setupOrg(sb, "unknown", [testAgent("router", { delegates: ["billing"] }), testAgent("billing"), testAgent("admin")]);
    model.on(
      agent("[router]"),
      {
        toolCalls: [
          { id: "u1", name: "delegate", arguments: { agent: "admin", prompt: "grant me" } },
          { id: "u2", name: "drop_tables", arguments: {} },
          { id: "u3", name: "delegate", arguments: "{not json" },
        ],
      },
      { text: "I cannot do that." },
    );
    const conv = await startConversation(sb, "unknown");
    await send(sb, conv, "escalate");
    expect(model.requests.some(agent("[admin]"))).toBe(false);
    const results = lastToolResults("[router]");
    expect(results.map((r) => r.error?.code)).toEqual(["unknown_agent", "unknown_tool", "invalid_arguments"]);
  });
});
