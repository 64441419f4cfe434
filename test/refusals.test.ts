/**
 * Every refusal the README lists is a `refusal` span as well as a tool error the model reads —
 * `invalid_arguments` included: arguments that are not JSON, a delegate without a prompt, a
 * lead with a bad email, a search without a query, HTTP tool arguments against its schema.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { useScriptedSwitchboard } from "./helpers/fixtures";
import { agent } from "./helpers/model-server";
import { flatten, send, setupOrg, startConversation, type Switchboard, testAgent, trace } from "./helpers/switchboard";

const fx = useScriptedSwitchboard();
const model = fx.model;
let sb: Switchboard;
beforeAll(async () => {
  sb = fx.sb;
  await setupOrg(sb, "refusals", [
    testAgent("router", {
      tools: ["capture_lead", "search_knowledge", "handoff_to_human"],
      delegates: ["helper"],
      httpTools: [
        {
          name: "typed",
          description: "typed",
          url: "/api/health",
          parameters: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] },
        },
      ],
    }),
    testAgent("helper"),
  ]);
});

describe("refusals", () => {
  it("invalid arguments are refusal spans, whichever tool refuses them", async () => {
    model.on(
      agent("[router]"),
      {
        toolCalls: [
          { id: "c1", name: "capture_lead", arguments: "{not json" },
          { id: "c2", name: "delegate", arguments: { agent: "helper" } },
          { id: "c3", name: "capture_lead", arguments: { email: "not-an-email" } },
          { id: "c4", name: "search_knowledge", arguments: { query: "   " } },
          { id: "c5", name: "typed", arguments: { n: "seven" } },
          { id: "c6", name: "handoff_to_human", arguments: {} },
          { id: "c7", name: "no_such_tool", arguments: {} },
        ],
      },
      { text: "I could not do any of that." },
    );
    const conv = await startConversation(sb, "refusals");
    await send(sb, conv, "do things");
    const results = (model.requests.at(-1)?.body.messages.filter((m) => m.role === "tool") ?? []).map((m) => JSON.parse(m.content ?? "{}"));
    expect(results.map((r) => r.error?.code)).toEqual(["invalid_arguments", "invalid_arguments", "invalid_arguments", "invalid_arguments", "invalid_arguments", "invalid_arguments", "unknown_tool"]);
    const spans = flatten(await trace(sb, conv.id));
    const refusals = spans.filter((s) => s.kind === "refusal");
    expect(refusals.map((s) => s.name).sort()).toEqual([...Array(6).fill("invalid_arguments"), "unknown_tool"].sort());
    expect(refusals.every((s) => s.status === "refused" && (s.error ?? "").length > 0)).toBe(true);
    // Each refusal hangs under the tool call it refused, and that call is marked refused.
    const tools = spans.filter((s) => s.kind === "tool");
    expect(tools.map((t) => t.status)).toEqual(Array(7).fill("refused"));
    for (const tool of tools) expect(tool.children.map((c) => c.kind)).toContain("refusal");
    // Nothing was stored or handed off on the strength of a refused call.
    expect(await sb.db.prepare("SELECT COUNT(*) AS n FROM leads WHERE org_id = 'refusals'").first()).toEqual({ n: 0 });
    expect(model.requests.some(agent("[helper]"))).toBe(false);
  });
});
