/**
 * One fact record per finished turn, and one per feedback vote, go on the FACTS queue and
 * reach D1 in batches (the queue's consumer): what was asked, which agents ran, what was
 * retrieved (with scores) and cited, tokens, latency and the outcome. Nothing of a turn is
 * written to D1 on the turn's own path: its spans stay in the conversation's object, the
 * index row in the org's.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { agent } from "./helpers/model-server";
import { useScriptedSwitchboard } from "./helpers/fixtures";
import { eventually, send, setupOrg, startConversation, type Switchboard, testAgent, waitForTurnFacts } from "./helpers/switchboard";

const fx = useScriptedSwitchboard();
const model = fx.model;
let sb: Switchboard;
let docId = "";

beforeAll(async () => {
  sb = fx.sb;
  await setupOrg(sb, "facts", [
    testAgent("router", { tools: ["search_knowledge", "handoff_to_human"], knowledge: ["kb"], delegates: ["billing"] }),
    testAgent("billing"),
  ]);
  expect((await sb.admin("/api/admin/orgs/facts/collections", { method: "POST", body: JSON.stringify({ id: "kb" }) })).status).toBe(201);
  const res = await sb.admin("/api/admin/orgs/facts/collections/kb/documents", {
    method: "POST",
    body: JSON.stringify({ format: "text", title: "Refund policy", content: "Refunds are paid back to the original card within five business days of the request." }),
  });
  expect(res.status).toBe(201);
  docId = ((await res.json()) as { documents: { id: string }[] }).documents[0]?.id ?? "";
});

describe("turn facts", () => {
  it("a delegated turn with a retrieval: agents, queries, documents with scores, citations, tokens, latency, answered", async () => {
    model.reset();
    model.on(
      agent("[router]"),
      { toolCalls: [{ id: "s1", name: "search_knowledge", arguments: { query: "refund card" } }], usage: { prompt: 20, completion: 4 } },
      { toolCalls: [{ id: "d1", name: "delegate", arguments: { agent: "billing", prompt: "refund for INV-7?" } }], usage: { prompt: 30, completion: 6 } },
      { text: ["Per our Refund policy, ", "the money is back within five days."], usage: { prompt: 40, completion: 9 } },
    );
    model.on(agent("[billing]"), { text: "Refund issued.", usage: { prompt: 12, completion: 3 } });
    const conv = await startConversation(sb, "facts");
    const { reply } = await send(sb, conv, "When do I get my refund?");

    const [fact] = await waitForTurnFacts(sb, conv.id, 1);
    expect(fact).toMatchObject({
      org_id: "facts",
      site_key: "facts",
      conversation_id: conv.id,
      day: new Date(Number(fact?.ended_at)).toISOString().slice(0, 10),
      question: "When do I get my refund?",
      answered_by: "router",
      outcome: "answered",
      reason: null,
      tokens_in: 102,
      tokens_out: 22,
      model: "model-router",
      family: "openai",
      queries: JSON.stringify(["refund card"]),
      retrieved: 1,
      cited: 1,
      reply_message_id: reply?.id,
    });
    expect(JSON.parse(String(fact?.agents))).toEqual(["router", "billing"]);
    expect(Number(fact?.first_delta_ms)).toBeGreaterThanOrEqual(0);
    expect(Number(fact?.turn_ms)).toBeGreaterThanOrEqual(Number(fact?.first_delta_ms));
    const docs = await sb.db.prepare("SELECT document_id, org_id, day, score, cited FROM turn_documents WHERE turn_id = ?").bind(fact?.turn_id).all<{ score: number }>();
    expect(docs.results).toEqual([{ document_id: docId, org_id: "facts", day: fact?.day, score: expect.any(Number), cited: 1 }]);
  });

  it("an offline agent's honest decline is recorded as abstained; its answer from knowledge as answered", async () => {
    await setupOrg(sb, "facts-offline", [testAgent("router", { model: { family: "offline" }, tools: ["search_knowledge"], knowledge: ["kb"] })]);
    expect((await sb.admin("/api/admin/orgs/facts-offline/collections", { method: "POST", body: JSON.stringify({ id: "kb" }) })).status).toBe(201);
    const doc = await sb.admin("/api/admin/orgs/facts-offline/collections/kb/documents", {
      method: "POST",
      body: JSON.stringify({ format: "text", title: "Refund policy", content: "Refunds are paid back to the original card within five business days of the request." }),
    });
    expect(doc.status).toBe(201);
    const conv = await startConversation(sb, "facts-offline");
    const declined = await send(sb, conv, "Can you recommend a good pizza place in Rome?");
    expect(declined.reply?.sources ?? []).toEqual([]);
    const answered = await send(sb, conv, "How long does a refund to my card take?");
    expect(answered.reply?.sources?.map((s) => s.title)).toEqual(["Refund policy"]);
    const facts = await waitForTurnFacts(sb, conv.id, 2);
    expect(facts.map((f) => [f.question, f.outcome, f.family])).toEqual([
      ["Can you recommend a good pizza place in Rome?", "abstained", "offline"],
      ["How long does a refund to my card take?", "answered", "offline"],
    ]);
  });

  it("records handoffs, failures and stops with their reason", async () => {
    model.reset();
    model.on(agent("[router]"), { toolCalls: [{ name: "handoff_to_human", arguments: { summary: "wants a person" } }] }, { text: "Passing you on." });
    const handedOff = await startConversation(sb, "facts");
    await send(sb, handedOff, "a person please");

    model.reset();
    model.always(agent("[router]"), { status: 500, error: "boom" });
    const failed = await startConversation(sb, "facts");
    await send(sb, failed, "break");

    model.reset();
    model.on(agent("[router]"), { text: "a long answer that streams for a while", chunkDelayMs: 150 });
    const stopped = await startConversation(sb, "facts");
    const sending = send(sb, stopped, "talk");
    await model.until(() => model.requests.length === 1);
    await sb.fetch(`/api/conversations/${stopped.id}/stop`, { method: "POST", headers: { authorization: `Bearer ${stopped.token}` } });
    await sending;

    const outcome = async (id: string) => {
      const [f] = await waitForTurnFacts(sb, id, 1);
      return { outcome: f?.outcome, reason: f?.reason };
    };
    expect(await outcome(handedOff.id)).toEqual({ outcome: "handed_off", reason: "agent" });
    expect(await outcome(failed.id)).toEqual({ outcome: "failed", reason: "model_error" });
    expect(await outcome(stopped.id)).toEqual({ outcome: "failed", reason: "stopped" });
  });

  it("a later vote on a reply replaces the earlier one; votes carry their org, site and day", async () => {
    model.reset();
    model.always(agent("[router]"), { text: "Rate me." });
    const conv = await startConversation(sb, "facts");
    const { reply } = await send(sb, conv, "hello");
    const vote = (rating: number) =>
      sb.fetch(`/api/conversations/${conv.id}/feedback`, {
        method: "POST",
        headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
        body: JSON.stringify({ messageId: reply?.id, rating }),
      });
    expect((await vote(1)).status).toBe(200);
    expect((await vote(-1)).status).toBe(200);
    const row = await eventually(async () => {
      const r = await sb.db.prepare("SELECT rating, org_id, site_key, day FROM feedback WHERE message_id = ?").bind(reply?.id).first<{ rating: number; day: string }>();
      return r?.rating === -1 ? r : undefined;
    }, "the second vote in D1");
    expect(row).toMatchObject({ org_id: "facts", site_key: "facts" });
    expect(row.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // The vote joins its turn's fact by the reply's id.
    await waitForTurnFacts(sb, conv.id, 1);
    const joined = await sb.db.prepare("SELECT t.outcome FROM feedback f JOIN turn_facts t ON t.reply_message_id = f.message_id WHERE f.message_id = ?").bind(reply?.id).first();
    expect(joined).toEqual({ outcome: "answered" });
  });

  it("no span, index row or budget row of a turn is written to D1", async () => {
    for (const table of ["spans", "conversations", "budget_rules", "budget_counters"]) {
      expect(await sb.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first(), table).toEqual({ n: 0 });
    }
  });
});
