/**
 * The delegation contract, line by line, with the real openai SDK against the scripted
 * model: context isolation, results as tool results, parallel delegations and the fan-out
 * cap, retries reaching the same child, fallback agents, output schemas, transfers, and
 * the trace tree that records all of it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { ServerEvent } from "../shared/protocol";
import { agent, maxConcurrency, overlapped } from "./helpers/model-server";
import {
  flatten,
  paths,
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

const toolMessages = (index: number) => model.requests[index]?.body.messages.filter((m) => m.role === "tool") ?? [];

describe("context and result", () => {
  it("the specialist sees only the router's prompt and context; its reply comes back as the tool result", async () => {
    await setupOrg(sb, "ctx", [
      testAgent("router", { instructions: "You are [router]. ROUTER-SECRET-INSTRUCTIONS.", delegates: ["billing"] }),
      testAgent("billing", { instructions: "You are [billing]." }),
    ]);
    const conv = await startConversation(sb, "ctx");
    model.on(agent("[router]"), { text: "Noted." });
    await send(sb, conv, "My account PIN is 4242, remember it.");

    model.on(
      agent("[router]"),
      { toolCalls: [{ id: "call_b1", name: "delegate", arguments: { agent: "billing", prompt: "Was invoice INV-7 paid?", context: { customerEmail: "dana@example.com" } } }] },
      { text: "Billing confirms INV-7 is paid." },
    );
    model.on(agent("[billing]"), { text: "INV-7 was paid on 3 May." });
    const { reply } = await send(sb, conv, "Was my invoice INV-7 paid? I'm dana@example.com");

    const child = model.requests.find(agent("[billing]"));
    expect(child).toBeDefined();
    const childText = JSON.stringify(child?.body.messages);
    // Only its own instructions and the prompt + context the router sent.
    expect(child?.body.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(child?.system).toBe("You are [billing].");
    expect(child?.user).toContain("Was invoice INV-7 paid?");
    expect(child?.user).toContain('"customerEmail": "dana@example.com"');
    expect(childText).not.toContain("ROUTER-SECRET-INSTRUCTIONS");
    expect(childText).not.toContain("4242");
    expect(childText).not.toContain("I'm dana@example.com");
    expect(child?.body.model).toBe("model-billing");

    // The router got the specialist's reply as the tool result and consolidated.
    const consolidation = model.requests.filter(agent("[router]")).at(-1);
    const result = consolidation?.body.messages.find((m) => m.role === "tool");
    expect(result?.tool_call_id).toBe("call_b1");
    expect(JSON.parse(result?.content ?? "{}")).toMatchObject({ agent: "billing", status: "ok", reply: "INV-7 was paid on 3 May." });
    expect(reply?.text).toBe("Billing confirms INV-7 is paid.");

    // The trace tree: turn → router run → delegate tool → delegation → billing run → model.
    const p = paths(await trace(sb, conv.id));
    expect(p).toContain("turn:turn > run:router > tool:delegate > delegation:billing > run:billing > model:model-billing");
    expect(p).toContain("turn:turn > run:router > model:model-router");
  });

  it("streams activity events as the delegation starts and ends", async () => {
    await setupOrg(sb, "act", [testAgent("router", { delegates: ["billing"] }), testAgent("billing")]);
    model.on(agent("[router]"), { toolCalls: [{ name: "delegate", arguments: { agent: "billing", prompt: "x" } }] }, { text: "done" });
    model.on(agent("[billing]"), { text: "ok" });
    const conv = await startConversation(sb, "act");
    const { events } = await send(sb, conv, "go");
    const activity = events.filter((e): e is Extract<ServerEvent, { type: "activity" }> => e.type === "activity").map((e) => e.data);
    expect(activity.map((a) => [a.kind, a.target, a.status])).toEqual([
      ["delegation.start", "billing", undefined],
      ["delegation.end", "billing", "ok"],
    ]);
    expect(activity[0]).toMatchObject({ agentId: "router", targetName: "Billing" });
  });
});

describe("parallel delegation", () => {
  it("several delegate calls in one model turn run concurrently", async () => {
    await setupOrg(sb, "par", [
      testAgent("router", { delegates: ["billing", "technical"] }),
      testAgent("billing"),
      testAgent("technical"),
    ]);
    model.on(
      agent("[router]"),
      {
        toolCalls: [
          { id: "c1", name: "delegate", arguments: { agent: "billing", prompt: "billing part" } },
          { id: "c2", name: "delegate", arguments: { agent: "technical", prompt: "technical part" } },
        ],
      },
      { text: "Both answered." },
    );
    model.on(agent("[billing]"), { text: ["Billing ", "answer."], chunkDelayMs: 150 });
    model.on(agent("[technical]"), { text: ["Technical ", "answer."], chunkDelayMs: 150 });
    const conv = await startConversation(sb, "par");
    await send(sb, conv, "two questions");

    const billing = model.requests.find(agent("[billing]"));
    const technical = model.requests.find(agent("[technical]"));
    expect(billing && technical && overlapped(billing, technical)).toBe(true);
    const spans = flatten(await trace(sb, conv.id)).filter((s) => s.kind === "delegation");
    expect(spans).toHaveLength(2);
    const [a, b] = spans;
    expect(a && b && a.startedAt < (b.endedAt ?? 0) && b.startedAt < (a.endedAt ?? 0)).toBe(true);
    // Both results reached the router in one consolidation request.
    expect(toolMessages(model.requests.length - 1).map((m) => m.tool_call_id)).toEqual(["c1", "c2"]);
  });

  it("the fan-out cap bounds how many run at once", async () => {
    await setupOrg(sb, "fan", [
      testAgent("router", { delegates: ["w1", "w2", "w3", "w4"], maxParallel: 2 }),
      testAgent("w1"),
      testAgent("w2"),
      testAgent("w3"),
      testAgent("w4"),
    ]);
    model.on(
      agent("[router]"),
      { toolCalls: ["w1", "w2", "w3", "w4"].map((w) => ({ name: "delegate", arguments: { agent: w, prompt: "work" } })) },
      { text: "All four answered." },
    );
    for (const w of ["w1", "w2", "w3", "w4"]) model.on(agent(`[${w}]`), { text: `${w} done`, delayMs: 150 });
    const conv = await startConversation(sb, "fan");
    const { reply } = await send(sb, conv, "fan out");
    const workers = model.requests.filter((r) => /\[w\d\]/.test(r.system));
    expect(workers).toHaveLength(4);
    expect(maxConcurrency(workers)).toBe(2);
    expect(reply?.text).toBe("All four answered.");
  });
});

describe("retries, failures and fallbacks", () => {
  it("a retried tool call reaches the same child and does not start a second run", async () => {
    await setupOrg(sb, "retry", [testAgent("router", { delegates: ["billing"] }), testAgent("billing")]);
    model.on(
      agent("[router]"),
      { toolCalls: [{ id: "call_same", name: "delegate", arguments: { agent: "billing", prompt: "check it" } }] },
      { toolCalls: [{ id: "call_same", name: "delegate", arguments: { agent: "billing", prompt: "check it" } }] },
      { text: "Checked." },
    );
    model.on(agent("[billing]"), { text: "Checked once." });
    const conv = await startConversation(sb, "retry");
    await send(sb, conv, "check twice");
    expect(model.requests.filter(agent("[billing]"))).toHaveLength(1);
    const routerRequests = model.requests.filter(agent("[router]"));
    const last = routerRequests.at(-1)?.body.messages.filter((m) => m.role === "tool") ?? [];
    expect(last).toHaveLength(2);
    expect(last[0]?.content).toBe(last[1]?.content);
    // Two delegation spans, one child run.
    const spans = flatten(await trace(sb, conv.id));
    expect(spans.filter((s) => s.kind === "delegation")).toHaveLength(2);
    expect(spans.filter((s) => s.kind === "run" && s.agentId === "billing")).toHaveLength(1);
  });

  it("a failing child returns a structured error, and its configured fallback agent is tried", async () => {
    await setupOrg(sb, "fallback", [
      testAgent("router", { delegates: ["billing"] }),
      testAgent("billing", { fallbackAgent: "generalist" }),
      testAgent("generalist"),
    ]);
    model.always(agent("[billing]"), { status: 500, error: "billing model down" });
    model.on(agent("[generalist]"), { text: "Generalist answer." });
    model.on(agent("[router]"), { toolCalls: [{ id: "f1", name: "delegate", arguments: { agent: "billing", prompt: "refund?" } }] }, { text: "Here you go." });
    const conv = await startConversation(sb, "fallback");
    await send(sb, conv, "refund?");
    const generalist = model.requests.find(agent("[generalist]"));
    expect(generalist?.user).toBe("refund?");
    const result = JSON.parse(toolMessages(model.requests.length - 1)[0]?.content ?? "{}");
    expect(result).toMatchObject({ agent: "generalist", status: "ok", reply: "Generalist answer.", fallbackFrom: "billing" });
    const spans = flatten(await trace(sb, conv.id));
    const delegations = spans.filter((s) => s.kind === "delegation");
    expect(delegations.map((d) => [d.name, d.status])).toEqual([
      ["billing", "error"],
      ["fallback:generalist", "ok"],
      ["generalist", "ok"],
    ]);
  });

  it("without a fallback, the router reads the structured error and can answer itself", async () => {
    await setupOrg(sb, "nofallback", [testAgent("router", { delegates: ["billing"] }), testAgent("billing")]);
    model.always(agent("[billing]"), { status: 500 });
    model.on(agent("[router]"), { toolCalls: [{ id: "e1", name: "delegate", arguments: { agent: "billing", prompt: "refund?" } }] }, { text: "I'll answer myself." });
    const conv = await startConversation(sb, "nofallback");
    const { reply } = await send(sb, conv, "refund?");
    const error = JSON.parse(toolMessages(model.requests.length - 1)[0]?.content ?? "{}");
    expect(error).toMatchObject({ error: { code: "model_error", agent: "billing" } });
    expect(error.error.message).toContain("billing");
    expect(reply?.text).toBe("I'll answer myself.");
  });
});

describe("output schema", () => {
  const schema = { type: "object", properties: { refund: { type: "boolean" }, amount: { type: "number" } }, required: ["refund"] };

  it("validates the child's output, retries once with the validation error, then returns the structured value", async () => {
    await setupOrg(sb, "schema", [testAgent("router", { delegates: ["billing"] }), testAgent("billing")]);
    model.on(agent("[router]"), { toolCalls: [{ id: "s1", name: "delegate", arguments: { agent: "billing", prompt: "refund?", output_schema: schema } }] }, { text: "ok" });
    model.on(agent("[billing]"), { text: '{"refund": "yes"}' }, { text: '```json\n{"refund": true, "amount": 8}\n```' });
    const conv = await startConversation(sb, "schema");
    await send(sb, conv, "refund?");
    const billing = model.requests.filter(agent("[billing]"));
    expect(billing).toHaveLength(2);
    expect(billing[0]?.user).toContain("JSON Schema");
    expect(billing[1]?.user).toContain("refund");
    expect(billing[1]?.user).toMatch(/did not match/);
    const result = JSON.parse(toolMessages(model.requests.length - 1)[0]?.content ?? "{}");
    expect(result).toMatchObject({ status: "ok", structured: { refund: true, amount: 8 } });
  });

  it("returns a structured error when the retry is still invalid", async () => {
    await setupOrg(sb, "schema2", [testAgent("router", { delegates: ["billing"] }), testAgent("billing")]);
    model.on(agent("[router]"), { toolCalls: [{ id: "s2", name: "delegate", arguments: { agent: "billing", prompt: "refund?", output_schema: schema } }] }, { text: "ok" });
    model.on(agent("[billing]"), { text: "not json at all" }, { text: '{"amount": 3}' });
    const conv = await startConversation(sb, "schema2");
    await send(sb, conv, "refund?");
    expect(model.requests.filter(agent("[billing]"))).toHaveLength(2);
    const result = JSON.parse(toolMessages(model.requests.length - 1)[0]?.content ?? "{}");
    expect(result.error.code).toBe("invalid_output");
    expect(result.error.issues.join(" ")).toContain("refund");
  });
});

describe("transfer_to_agent", () => {
  it("hands the conversation over: the other agent answers now and from then on", async () => {
    await setupOrg(sb, "xfer", [testAgent("router", { transfers: ["sales"] }), testAgent("sales")]);
    model.on(agent("[router]"), { toolCalls: [{ name: "transfer_to_agent", arguments: { agent: "sales", reason: "pricing" } }] });
    model.on(agent("[sales]"), { text: "Sales here: Team is $12." }, { text: "Sales again." });
    const conv = await startConversation(sb, "xfer");
    const first = await send(sb, conv, "How much for a team?");
    expect(first.reply?.text).toBe("Sales here: Team is $12.");
    expect(first.reply?.author).toBe("Sales");
    // Unlike delegation, the new agent sees the conversation.
    expect(model.requests.find(agent("[sales]"))?.user).toBe("How much for a team?");
    const second = await send(sb, conv, "And for 10 people?");
    expect(second.reply?.text).toBe("Sales again.");
    expect(model.requests.filter(agent("[router]"))).toHaveLength(1);
    expect(model.requests.filter(agent("[sales]")).at(-1)?.body.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    const p = paths(await trace(sb, conv.id));
    expect(p.some((x) => x.endsWith("transfer:sales"))).toBe(true);
  });
});
