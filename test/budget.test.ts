/**
 * Token budgets: rules per org or team and period; every model call reserves before it
 * starts and settles after; spend rolls up from child runs to the org's and team's
 * counters; counters stay exact under many concurrent conversations (equal to the usage
 * ledger's sum); and a rule hit mid-call lets the in-flight specialist's reply come back,
 * blocks the parent's next tool call, gives the visitor a graceful reply and a person, and
 * is recorded in the log.
 *
 * Rules and counters live in the org's Durable Object (read and written here through the
 * admin API); the ledger is D1's `usage_ledger`, written by that object in batches — each
 * check flushes it first.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { agent } from "./helpers/model-server";
import { flatten, send, setupOrg, startConversation, type Switchboard, testAgent, trace } from "./helpers/switchboard";
import { useScriptedSwitchboard } from "./helpers/fixtures";

const fx = useScriptedSwitchboard();
const model = fx.model;
let sb: Switchboard;
beforeAll(async () => {
  sb = fx.sb;
});

async function addRule(orgId: string, limit: number, period: "day" | "month" = "day", team: string | null = null) {
  const res = await sb.admin(`/api/admin/orgs/${orgId}/budgets`, { method: "POST", body: JSON.stringify({ period, limitTokens: limit, ...(team ? { team } : {}) }) });
  expect(res.status).toBe(201);
  return { orgId, id: ((await res.json()) as { id: string }).id };
}

/** This window's counter of a rule, as the org's object reports it. */
async function counter(rule: { orgId: string; id: string }) {
  const res = await sb.admin(`/api/admin/orgs/${rule.orgId}/budgets`);
  const found = ((await res.json()) as { rules: { id: string; used: number; reserved: number }[] }).rules.find((r) => r.id === rule.id);
  return found && { used: found.used, reserved: found.reserved };
}

const lastToolResults = (tag: string) =>
  (model.requests.filter(agent(tag)).at(-1)?.body.messages.filter((m) => m.role === "tool") ?? []).map((m) => JSON.parse(m.content ?? "{}"));

async function ledgerSum(orgId: string, team?: string) {
  await sb.flushUsage(orgId);
  const row = await sb.db
    .prepare(`SELECT COALESCE(SUM(tokens), 0) AS t, COUNT(*) AS n FROM usage_ledger WHERE org_id = ? ${team ? "AND team = ?" : ""}`)
    .bind(...(team ? [orgId, team] : [orgId]))
    .first<{ t: number; n: number }>();
  return row ?? { t: 0, n: 0 };
}

describe("budget hit mid-chain", () => {
  it("the specialist's reply still comes back, the router is blocked, the visitor gets a graceful reply and a person", async () => {
    await setupOrg(sb, "bhit", [testAgent("router", { delegates: ["billing"] }), testAgent("billing")]);
    const rule = await addRule("bhit", 1000);
    model.on(agent("[router]"), { toolCalls: [{ name: "delegate", arguments: { agent: "billing", prompt: "refund status?" } }], usage: { prompt: 100, completion: 50 } }, { text: "never sent" });
    // The specialist's call was admitted, but its real usage crosses the limit.
    model.on(agent("[billing]"), { text: "Your refund is on its way.", usage: { prompt: 700, completion: 200 } });
    const conv = await startConversation(sb, "bhit");
    const { reply, events } = await send(sb, conv, "where is my refund?");

    expect(model.requests.filter(agent("[router]"))).toHaveLength(1);
    expect(reply?.text).toContain("Your refund is on its way.");
    expect(reply?.text).toMatch(/usage limit/);
    expect(events.some((e) => e.type === "status" && e.data.status === "waiting")).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: "done", data: { reason: "budget" } });

    expect(await counter(rule)).toEqual({ used: 1050, reserved: 0 });
    expect((await ledgerSum("bhit")).t).toBe(1050);
    const spans = flatten(await trace(sb, conv.id));
    const hit = spans.find((s) => s.kind === "budget");
    expect(hit).toMatchObject({ status: "blocked", agentId: "router" });
    expect(hit?.error).toContain(rule.id);
    expect(spans.some((s) => s.kind === "handoff")).toBe(true);
  });

  it("blocks the parent's next tool call once a rule is hit", async () => {
    await setupOrg(sb, "bnext", [
      testAgent("router", { delegates: ["billing", "technical"], maxParallel: 1 }),
      testAgent("billing"),
      testAgent("technical"),
    ]);
    await addRule("bnext", 1000);
    model.on(agent("[router]"), {
      toolCalls: [
        { id: "n1", name: "delegate", arguments: { agent: "billing", prompt: "first" } },
        { id: "n2", name: "delegate", arguments: { agent: "technical", prompt: "second" } },
      ],
      usage: { prompt: 100, completion: 20 },
    });
    model.on(agent("[billing]"), { text: "Billing answer.", usage: { prompt: 900, completion: 100 } });
    model.on(agent("[technical]"), { text: "never" });
    const conv = await startConversation(sb, "bnext");
    const { reply } = await send(sb, conv, "two things");
    expect(model.requests.some(agent("[technical]"))).toBe(false);
    expect(reply?.text).toContain("Billing answer.");
    const spans = flatten(await trace(sb, conv.id));
    const blocked = spans.filter((s) => s.kind === "budget");
    // The second delegate call was blocked before it started, then the router's next model call.
    expect(blocked.map((s) => s.name)).toEqual(["budget_exceeded", "reserve"]);
    expect(spans.filter((s) => s.kind === "delegation").map((s) => s.name)).toEqual(["billing"]);
  });

  it("a team rule counts only that team's agents; the org rule counts everyone", async () => {
    await setupOrg(sb, "bteam", [testAgent("router", { delegates: ["billing"] }), testAgent("billing", { team: "finance" })]);
    const orgRule = await addRule("bteam", 100_000, "month");
    const teamRule = await addRule("bteam", 100_000, "day", "finance");
    model.on(agent("[router]"), { toolCalls: [{ name: "delegate", arguments: { agent: "billing", prompt: "p" } }], usage: { prompt: 10, completion: 5 } }, { text: "ok", usage: { prompt: 20, completion: 5 } });
    model.on(agent("[billing]"), { text: "fine", usage: { prompt: 30, completion: 10 } });
    const conv = await startConversation(sb, "bteam");
    await send(sb, conv, "go");
    expect(await counter(orgRule)).toEqual({ used: 80, reserved: 0 });
    expect(await counter(teamRule)).toEqual({ used: 40, reserved: 0 });
    expect((await ledgerSum("bteam", "finance")).t).toBe(40);
    // The child's spend is booked under a run named from its parent run: the roll-up is readable.
    await sb.flushUsage("bteam");
    const runs = await sb.db.prepare("SELECT run_id, agent_id, tokens FROM usage_ledger WHERE org_id = 'bteam' ORDER BY created_at").all<{ run_id: string; agent_id: string }>();
    const routerRun = runs.results.find((r) => r.agent_id === "router")?.run_id ?? "";
    expect(runs.results.find((r) => r.agent_id === "billing")?.run_id.startsWith(`${routerRun}/`)).toBe(true);
  });
});

describe("one rule, one refusal", () => {
  it("a delegation whose child's first call would not fit is refused before the child starts, like any budget hit", async () => {
    // 900 of 1200 used: room for the router's next call, not for the specialist's first
    // (~500 reserved). A tool call only blocked at used ≥ limit used to start the child, which
    // then failed at its own reservation as an ordinary error — and its fallback was tried.
    await setupOrg(sb, "bstart", [
      testAgent("router", { delegates: ["billing"] }),
      testAgent("billing", { model: { name: "model-billing", maxTokens: 450 }, fallbackAgent: "general" }),
      testAgent("general"),
    ]);
    const rule = await addRule("bstart", 1200);
    model.on(
      agent("[router]"),
      { toolCalls: [{ name: "delegate", arguments: { agent: "billing", prompt: "refund?" } }], usage: { prompt: 600, completion: 300 } },
      { text: "I'll answer this one myself.", usage: { prompt: 150, completion: 20 } },
    );
    model.always(agent("[billing]"), { text: "never" });
    model.always(agent("[general]"), { text: "never" });
    const conv = await startConversation(sb, "bstart");
    const { reply, events } = await send(sb, conv, "refund please");

    expect(model.requests.some(agent("[billing]"))).toBe(false);
    expect(model.requests.some(agent("[general]"))).toBe(false);
    // The router read the refusal and answered itself.
    expect(lastToolResults("[router]")[0]).toMatchObject({ error: { code: "budget_exceeded", agent: "billing" } });
    expect(reply?.text).toBe("I'll answer this one myself.");
    expect(events.at(-1)).toMatchObject({ type: "done", data: { reason: "complete" } });
    // No child ran: no delegation span, no activity for the visitor.
    expect(events.some((e) => e.type === "activity")).toBe(false);
    const spans = flatten(await trace(sb, conv.id));
    expect(spans.filter((s) => s.kind === "delegation")).toEqual([]);
    expect(spans.filter((s) => s.kind === "run").map((s) => s.agentId)).toEqual(["router"]);
    const tool = spans.find((s) => s.kind === "tool" && s.name === "delegate");
    expect(tool?.status).toBe("blocked");
    // The same refusal as anywhere else: budget_exceeded, a budget span (under the tool call).
    const hits = spans.filter((s) => s.kind === "budget");
    expect(hits.map((s) => [s.name, s.status])).toEqual([["budget_exceeded", "blocked"]]);
    expect(tool?.children.map((s) => s.kind)).toEqual(["budget"]);
    expect(hits[0]?.error).toContain(rule.id);
    expect(await counter(rule)).toEqual({ used: 1070, reserved: 0 });
  });

  it("two delegations that each fit but not together: the one refused at its child's reservation is budget_exceeded, without a fallback", async () => {
    // Both checks may pass before either child reserves; whichever child reserves second finds
    // no room. That refusal is the budget's, not a failure: no fallback, a blocked tool call.
    const specialist = (id: string) => testAgent(id, { model: { name: `model-${id}`, maxTokens: 450 }, fallbackAgent: "general" });
    await setupOrg(sb, "brace", [testAgent("router", { delegates: ["billing", "technical"] }), specialist("billing"), specialist("technical"), testAgent("general")]);
    const rule = await addRule("brace", 850);
    model.on(
      agent("[router]"),
      {
        toolCalls: [
          { id: "r1", name: "delegate", arguments: { agent: "billing", prompt: "one" } },
          { id: "r2", name: "delegate", arguments: { agent: "technical", prompt: "two" } },
        ],
        usage: { prompt: 100, completion: 20 },
      },
      { text: "Here is what I found.", usage: { prompt: 100, completion: 20 } },
    );
    model.always(agent("[billing]"), { text: "Billing answer.", usage: { prompt: 250, completion: 50 } });
    model.always(agent("[technical]"), { text: "Technical answer.", usage: { prompt: 250, completion: 50 } });
    model.always(agent("[general]"), { text: "never" });
    const conv = await startConversation(sb, "brace");
    await send(sb, conv, "two questions");

    expect(model.requests.some(agent("[general]"))).toBe(false);
    const results = lastToolResults("[router]");
    expect(results.filter((r) => r.status === "ok")).toHaveLength(1);
    const refused = results.find((r) => r.error);
    expect(refused?.error).toMatchObject({ code: "budget_exceeded" });
    const spans = flatten(await trace(sb, conv.id));
    const tools = spans.filter((s) => s.kind === "tool" && s.name === "delegate");
    expect(tools.map((s) => s.status).sort()).toEqual(["blocked", "ok"]);
    const blockedTool = tools.find((s) => s.status === "blocked");
    expect(blockedTool?.children.some((s) => s.kind === "budget" && s.status === "blocked" && s.name === "budget_exceeded")).toBe(true);
    expect(spans.filter((s) => s.kind === "delegation").every((s) => !s.name.startsWith("fallback"))).toBe(true);
    expect((await counter(rule))?.reserved).toBe(0);
  });
});

describe("counters under concurrency", () => {
  it("many concurrent conversations: every counter equals the ledger's sum, nothing left reserved", async () => {
    await setupOrg(sb, "bconc", [testAgent("router", { delegates: ["billing"] }), testAgent("billing", { team: "finance" })]);
    const day = await addRule("bconc", 10_000_000, "day");
    const month = await addRule("bconc", 10_000_000, "month");
    const team = await addRule("bconc", 10_000_000, "day", "finance");
    model.always(agent("[router]"), { text: "direct", usage: { prompt: 13, completion: 7 } });
    const conversations = await Promise.all(Array.from({ length: 40 }, () => startConversation(sb, "bconc")));
    await Promise.all(conversations.map((c, i) => send(sb, c, `question ${i}`)));
    // Half of them again, delegating this time, so child spend rolls up too.
    model.reset();
    model.always(agent("[router]"), { toolCalls: [{ name: "delegate", arguments: { agent: "billing", prompt: "p" } }], usage: { prompt: 11, completion: 4 } });
    model.always(agent("[billing]"), { text: "b", usage: { prompt: 9, completion: 3 } });
    await Promise.all(conversations.slice(0, 20).map((c, i) => send(sb, c, `again ${i}`)));

    const ledger = await ledgerSum("bconc");
    expect(ledger.n).toBeGreaterThan(40);
    expect(await counter(day)).toEqual({ used: ledger.t, reserved: 0 });
    expect(await counter(month)).toEqual({ used: ledger.t, reserved: 0 });
    expect(await counter(team)).toEqual({ used: (await ledgerSum("bconc", "finance")).t, reserved: 0 });
    expect((await ledgerSum("bconc", "finance")).t).toBeGreaterThan(0);
  });

  it("a tight rule under concurrency is never overspent by admitted reservations and stays equal to the ledger", async () => {
    await setupOrg(sb, "btight", [testAgent("router")]);
    const rule = await addRule("btight", 1_500);
    model.always(agent("[router]"), { text: "answer", usage: { prompt: 40, completion: 10 } });
    const conversations = await Promise.all(Array.from({ length: 40 }, () => startConversation(sb, "btight")));
    const results = await Promise.all(conversations.map((c, i) => send(sb, c, `q${i}`)));
    const ledger = await ledgerSum("btight");
    const c = await counter(rule);
    expect(c).toEqual({ used: ledger.t, reserved: 0 });
    expect(c?.used).toBeLessThanOrEqual(1_500);
    const ended = (reason: string) => results.filter((r) => r.events.at(-1)?.type === "done" && (r.events.at(-1)?.data as { reason?: string }).reason === reason).length;
    expect(ended("budget")).toBeGreaterThan(0);
    // Every conversation is counted once: refused, or charged once. (On a loaded machine a model
    // connection can drop: that call is released, not charged, and the turn ends in "error".)
    expect(ended("budget") + ledger.n + ended("error")).toBe(40);
  });
});

describe("stopped calls", () => {
  it("a call cut by a stop is still charged (an estimate of what was sent and streamed)", async () => {
    await setupOrg(sb, "bstop", [testAgent("router")]);
    const rule = await addRule("bstop", 1_000_000);
    model.on(agent("[router]"), { text: "a long answer that streams for a while", chunkDelayMs: 200 });
    const conv = await startConversation(sb, "bstop");
    const sending = send(sb, conv, "talk");
    await model.until(() => model.requests.length === 1);
    await new Promise((r) => setTimeout(r, 500));
    await sb.fetch(`/api/conversations/${conv.id}/stop`, { method: "POST", headers: { authorization: `Bearer ${conv.token}` } });
    await sending;
    const ledger = await ledgerSum("bstop");
    expect(ledger.n).toBe(1);
    expect(ledger.t).toBeGreaterThan(0);
    expect(await counter(rule)).toEqual({ used: ledger.t, reserved: 0 });
  });
});
