/**
 * Fact records inside workerd: how a turn's outcome is read (the `abstained` flag a run
 * sets included), and the FACTS consumer against real D1 — a batch delivered twice stores
 * nothing twice, a vote that arrives late does not overwrite a newer one, a malformed
 * record is dropped without holding up the rest.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import { consumeFacts } from "../../worker/facts/consumer";
import type { FeedbackFact, TurnFact } from "../../worker/facts/schema";
import { type FinishedTurn, turnFact } from "../../worker/facts/turn-fact";
import type { SpanRecord } from "../../worker/log/spans";

const e = env as unknown as Env;

const span = (s: Partial<SpanRecord> & Pick<SpanRecord, "id" | "kind">): SpanRecord => ({
  turnId: "t_1",
  runId: "run_t_1",
  parentId: null,
  name: s.kind,
  agentId: "router",
  status: "ok",
  startedAt: 1_000,
  endedAt: 1_010,
  tokensIn: 0,
  tokensOut: 0,
  error: null,
  data: null,
  ...s,
});

const turn = (over: Partial<FinishedTurn> = {}): FinishedTurn => ({
  turnId: "t_1",
  conversationId: "c_1",
  orgId: "o",
  siteKey: "s",
  startedAt: 1_000,
  endedAt: 1_500,
  firstDeltaAt: 1_120,
  question: "q",
  answeredBy: "router",
  replyMessageId: "m_1",
  cited: [],
  end: "complete",
  result: { status: "ok", text: "a", sources: [], replies: [], failedDelegations: 0 },
  handoff: null,
  error: null,
  model: "m",
  family: "openai",
  ...over,
});

describe("a turn's fact", () => {
  it("reads agents, retrievals (best score per document), tokens and latency off the turn's spans", () => {
    const fact = turnFact(turn({ cited: ["doc_b"] }), [
      span({ id: "r1", kind: "run", agentId: "router", startedAt: 1_000 }),
      span({ id: "m1", kind: "model", tokensIn: 10, tokensOut: 2, startedAt: 1_001 }),
      span({ id: "q1", kind: "retrieval", startedAt: 1_002, data: { query: "refunds", results: ["doc_a", "doc_b"], scores: [-3.5, -1.2] } }),
      span({ id: "r2", kind: "run", agentId: "billing", startedAt: 1_003 }),
      span({ id: "q2", kind: "retrieval", agentId: "billing", startedAt: 1_004, data: { query: "refund card", results: ["doc_b"], scores: [-4.1] } }),
      span({ id: "m2", kind: "model", agentId: "billing", tokensIn: 7, tokensOut: 3, startedAt: 1_005 }),
    ]);
    expect(fact).toMatchObject({
      agents: ["router", "billing"],
      retrieval: { queries: ["refunds", "refund card"], documents: [{ id: "doc_a", score: -3.5 }, { id: "doc_b", score: -4.1 }], cited: ["doc_b"] },
      tokensIn: 17,
      tokensOut: 5,
      firstDeltaMs: 120,
      turnMs: 500,
      outcome: "answered",
      reason: null,
      day: "1970-01-01",
    });
  });

  it("classifies outcomes: abstained when the run says so, handed off, failed with the reason", () => {
    const abstained = turn({ result: { status: "ok", text: "I don't know.", sources: [], replies: [], failedDelegations: 0, abstained: true } });
    expect(turnFact(abstained, [])).toMatchObject({ outcome: "abstained", reason: null });
    expect(turnFact(turn({ handoff: "agent" }), [])).toMatchObject({ outcome: "handed_off", reason: "agent" });
    expect(turnFact(turn({ end: "budget", handoff: "policy" }), [])).toMatchObject({ outcome: "handed_off", reason: "policy" });
    expect(turnFact(turn({ end: "budget" }), [])).toMatchObject({ outcome: "failed", reason: "budget_exceeded" });
    expect(turnFact(turn({ end: "deadline" }), [])).toMatchObject({ outcome: "failed", reason: "timeout" });
    expect(turnFact(turn({ end: "stopped", result: null }), [])).toMatchObject({ outcome: "failed", reason: "stopped", firstDeltaMs: 120 });
    const error = turn({ end: "error", result: { status: "error", code: "max_turns", message: "x", text: "", sources: [], replies: [], failedDelegations: 0 } });
    expect(turnFact(error, [])).toMatchObject({ outcome: "failed", reason: "max_turns" });
    expect(turnFact(turn({ end: "error", result: null, error: "agent_not_found", firstDeltaAt: null }), [])).toMatchObject({ outcome: "failed", reason: "agent_not_found", firstDeltaMs: null });
  });
});

describe("the FACTS consumer", () => {
  const message = (id: string, body: unknown, attempts = 1) => ({ id, timestamp: new Date(), attempts, body });

  async function deliver(bodies: unknown[]) {
    const batch = createMessageBatch("switchboard-facts", bodies.map((b, i) => message(`msg-${i}`, b)));
    const ctx = createExecutionContext();
    await consumeFacts(batch, e);
    return getQueueResult(batch, ctx);
  }

  it("stores a turn and its documents once, however often the batch is delivered", async () => {
    const fact: TurnFact = { ...turnFact(turn({ turnId: "t_twice", cited: ["doc_a"] }), [span({ id: "q", kind: "retrieval", data: { query: "x", results: ["doc_a", "doc_b"], scores: [-2, -1] } })]) };
    await deliver([fact]);
    await deliver([fact]);
    expect(await e.DB.prepare("SELECT COUNT(*) AS n FROM turn_facts WHERE turn_id = 't_twice'").first()).toEqual({ n: 1 });
    const docs = await e.DB.prepare("SELECT document_id, score, cited FROM turn_documents WHERE turn_id = 't_twice' ORDER BY document_id").all();
    expect(docs.results).toEqual([
      { document_id: "doc_a", score: -2, cited: 1 },
      { document_id: "doc_b", score: -1, cited: 0 },
    ]);
  });

  it("a late vote never overwrites a newer one, and a malformed record is dropped (acknowledged) while the rest is stored", async () => {
    const vote = (rating: 1 | -1, at: number): FeedbackFact => ({ type: "feedback", v: 1, conversationId: "c_v", orgId: "o", siteKey: "s", messageId: "m_v", rating, day: "2026-05-01", at });
    const result = await deliver([vote(-1, 2_000), { type: "turn", v: 1, turnId: 42 }, vote(1, 1_000)]);
    expect(result.explicitAcks).toEqual(["msg-1"]);
    expect(result.retryMessages).toEqual([]);
    expect(await e.DB.prepare("SELECT rating, voted_at, day FROM feedback WHERE message_id = 'm_v'").first()).toEqual({ rating: -1, voted_at: 2_000, day: "2026-05-01" });
    await deliver([vote(1, 3_000)]);
    expect(await e.DB.prepare("SELECT rating FROM feedback WHERE message_id = 'm_v'").first()).toEqual({ rating: 1 });
  });
});
