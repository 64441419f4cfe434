/**
 * The pieces of insights inside workerd: signatures (other words and other languages meet),
 * the grouping (the same result for the same questions in any order, an owner's topics
 * first, merges followed), groundedness and the quality score, evidence flags, prices,
 * lead scoring, periods — and the FACTS consumer keeping the rollups right when a batch is
 * delivered twice, when a vote or a handoff arrives before its turn, and when a grade
 * arrives for a turn not stored yet.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import { consumeFacts } from "../../worker/facts/consumer";
import type { FeedbackFact, GradeFact, StatusFact, TurnFact } from "../../worker/facts/schema";
import { cluster, place, type SignatureCount, type TopicSeed, topicIdOf } from "../../worker/insights/clustering";
import { FLAG, flagsOf } from "../../worker/insights/evidence";
import { intentOf, scoreLead } from "../../worker/insights/lead-score";
import { periodOf } from "../../worker/insights/period";
import { costOf, priceOf } from "../../worker/insights/prices";
import { groundedness, qualityScore } from "../../worker/insights/quality";
import { signatureOf, similarity } from "../../worker/insights/signature";

const e = env as unknown as Env;

describe("signatures", () => {
  it("meet across wordings and languages, and leave greetings out", () => {
    expect(signatureOf("How do I get a refund?").key).toBe("#refund");
    expect(signatureOf("I want my money back").key).toBe("#refund");
    expect(signatureOf("Je veux un remboursement").key).toBe("#refund");
    expect(signatureOf("¿Cómo exporto mis notas?").key).toBe(signatureOf("How do I export my notes?").key);
    expect(signatureOf("hello, thanks!").key).toBe("");
    expect(similarity(["#export", "#note"], ["#export", "#note", "#pdf"])).toBeCloseTo(4 / 6, 6);
    expect(similarity(["#export", "#note"], ["#import", "#note"])).toBeCloseTo(2 / 6, 6);
  });
});

describe("the grouping", () => {
  const sigs = (questions: string[]): SignatureCount[] => {
    const counts = new Map<string, SignatureCount>();
    for (const q of questions) {
      const s = signatureOf(q);
      const c = counts.get(s.key) ?? { key: s.key, terms: s.terms, questions: 0 };
      c.questions++;
      counts.set(s.key, c);
    }
    return [...counts.values()];
  };
  const questions = [
    "How do I export my notes?",
    "export notes as pdf",
    "How do I export a notebook?",
    "How do I get a refund?",
    "money back please",
    "refund for my yearly plan",
    "cancel my subscription",
    "how to cancel the subscription",
    "Is my data encrypted?",
    "do you sell my data",
  ];
  const id = (key: string) => topicIdOf("o", "s", key);

  it("is the same for the same questions in any order", () => {
    const a = cluster(sigs(questions), [], id);
    for (let seed = 1; seed < 6; seed++) {
      const shuffled = [...questions].sort((x, y) => ((x.length * seed * 31) % 17) - ((y.length * seed * 31) % 17) || x.localeCompare(y) * (seed % 2 ? 1 : -1));
      const b = cluster(sigs(shuffled).reverse(), [], id);
      expect([...b.assignments].sort()).toEqual([...a.assignments].sort());
    }
    const topicOf = (q: string) => a.assignments.get(signatureOf(q).key);
    expect(topicOf("export notes as pdf")).toBe(topicOf("How do I export my notes?"));
    expect(topicOf("money back please")).toBe(topicOf("How do I get a refund?"));
    expect(topicOf("cancel my subscription")).toBe(topicOf("how to cancel the subscription"));
    expect(topicOf("How do I export my notes?")).not.toBe(topicOf("How do I get a refund?"));
  });

  it("tries an owner's keyword topics first, and follows merges", () => {
    const owner: TopicSeed = { id: "top_owner", terms: [], keywords: [signatureOf("encrypted").terms], fixed: true, mergedInto: null };
    const merged: TopicSeed = { id: "top_old", terms: signatureOf("cancel subscription").terms, keywords: [], fixed: true, mergedInto: "top_owner" };
    const g = cluster(sigs(questions), [owner, merged], id);
    expect(g.assignments.get(signatureOf("Is my data encrypted?").key)).toBe("top_owner");
    expect(g.assignments.get(signatureOf("cancel my subscription").key)).toBe("top_owner");
    expect(g.created.some((c) => c.id === "top_old" || c.id === "top_owner")).toBe(false);
    expect(place(signatureOf("encryption of notes").terms, [owner])).toBe("top_owner");
    expect(place([], [owner])).toBeNull();
  });
});

describe("answer quality", () => {
  const passage = "Refunds are paid back to the original card within five business days of the request.";
  it("groundedness: what the reply says that the passages say", () => {
    expect(groundedness("Refunds are paid back to the original card within five business days.", [passage])).toBe(1);
    expect(groundedness("We refund by bank transfer after thirty days, minus a processing fee.", [passage])).toBeLessThan(0.5);
    expect(groundedness("We refund by bank transfer after thirty days.", [])).toBe(0);
    expect(groundedness("Hi! How can I help?", [passage])).toBeNull();
  });
  it("quality: cited, supported (a grade over groundedness), within budget", () => {
    expect(qualityScore({ outcome: "answered", cited: 1, grounded: 1, grade: null, withinBudget: true })).toBe(1);
    expect(qualityScore({ outcome: "answered", cited: 0, grounded: 0, grade: null, withinBudget: true })).toBe(0.2);
    expect(qualityScore({ outcome: "answered", cited: 1, grounded: 1, grade: 0, withinBudget: false })).toBe(0.3);
    expect(qualityScore({ outcome: "abstained", cited: 0, grounded: 0, grade: null, withinBudget: true })).toBeNull();
    expect(qualityScore({ outcome: "answered", cited: 0, grounded: null, grade: null, withinBudget: true })).toBeNull();
  });
  it("evidence flags", () => {
    const base = { outcome: "answered", queries: 1, documents: 0, bestScore: null, repeated: false };
    expect(flagsOf(base)).toBe(FLAG.noHit);
    expect(flagsOf({ ...base, documents: 2, bestScore: -0.5 }, -2)).toBe(FLAG.weak);
    expect(flagsOf({ ...base, documents: 2, bestScore: -5 }, -2)).toBe(0);
    expect(flagsOf({ ...base, queries: 0, outcome: "abstained", repeated: true })).toBe(FLAG.abstained | FLAG.repeated);
  });
});

describe("prices", () => {
  it("match by the longest prefix; an org's own price wins; an unknown model has no cost", () => {
    expect(priceOf("gpt-4o-mini-2024-07-18")).toEqual({ input: 0.15, output: 0.6 });
    expect(priceOf("gpt-4o-2024-08-06")).toEqual({ input: 2.5, output: 10 });
    expect(priceOf("claude-sonnet-4-5-20250929")).toEqual({ input: 3, output: 15 });
    expect(priceOf("gpt-4o-mini", { "gpt-4o": { input: 1, output: 1 } })).toEqual({ input: 1, output: 1 });
    expect(costOf("gpt-4o-mini", 1_000_000, 500_000)).toBeCloseTo(0.15 + 0.3, 9);
    expect(costOf("llama-local", 10, 10)).toBeNull();
    expect(costOf("offline", 10_000, 10_000)).toBe(0);
  });
});

describe("lead scoring", () => {
  it("reads intent from the visitor's words and explains the score", () => {
    expect(intentOf(["Can we get a demo for our team?"]).intent).toBe("high");
    expect(intentOf(["what does the pro plan include"]).intent).toBe("medium");
    expect(intentOf(["how much is the pro plan"]).intent).toBe("high");
    expect(intentOf(["Nous voudrions un devis"]).intent).toBe("high");
    expect(intentOf(["my notes don't sync"]).intent).toBe("low");
    expect(intentOf([]).intent).toBe("none");
    const s = scoreLead({ identity: "verified", name: true, email: true, note: false, pages: ["https://x.example/pricing"], intent: "high", intentDetail: "demo" });
    expect(s.score).toBe(20 + 10 + 10 + 5 + 10 + 35);
    expect(s.reasons.map((r) => r.factor)).toEqual(["identity", "email", "name", "pages", "pages", "intent"]);
  });
});

describe("periods", () => {
  it("from, to, days; the previous period of the same length", () => {
    expect(periodOf({ from: "2025-03-01", to: "2025-03-31" })).toEqual({ from: "2025-03-01", to: "2025-03-31", days: 31, previousFrom: "2025-01-29", previousTo: "2025-02-28" });
    expect(periodOf({ days: 7 }, Date.parse("2025-06-10T12:00:00Z"))).toMatchObject({ from: "2025-06-04", to: "2025-06-10", previousFrom: "2025-05-28" });
    expect(periodOf({ from: "2025-06-01", days: 3 })).toMatchObject({ to: "2025-06-03" });
    expect(() => periodOf({ from: "2025-06-02", to: "2025-06-01" })).toThrow(/after/);
    expect(() => periodOf({ from: "2023-01-01", to: "2025-06-01" })).toThrow(/at most/);
  });
});

describe("the consumer's rollups", () => {
  const message = (id: string, body: unknown) => ({ id, timestamp: new Date(), attempts: 1, body });
  async function deliver(bodies: unknown[]) {
    const batch = createMessageBatch("switchboard-facts", bodies.map((b, i) => message(`m-${i}`, b)));
    await consumeFacts(batch, e);
    return getQueueResult(batch, createExecutionContext());
  }
  const turn = (id: string, conversation: string, question: string, over: Partial<TurnFact> = {}): TurnFact => ({
    type: "turn",
    v: 1,
    turnId: id,
    conversationId: conversation,
    orgId: "ro",
    siteKey: "rs",
    day: "2026-03-02",
    endedAt: Date.parse("2026-03-02T10:00:00Z"),
    question,
    agents: ["router"],
    answeredBy: "router",
    retrieval: { queries: ["q"], documents: [{ id: "doc_1", score: -4 }], cited: ["doc_1"] },
    tokensIn: 100,
    tokensOut: 20,
    firstDeltaMs: 10,
    turnMs: 50,
    outcome: "answered",
    reason: null,
    model: "gpt-4o-mini",
    family: "openai",
    replyMessageId: `m_${id}`,
    grounded: 0.8,
    usage: [{ agent: "router", model: "gpt-4o-mini", calls: 2, tokensIn: 100, tokensOut: 20 }],
    delegations: [{ agent: "billing", status: "error" }, { agent: "backup", status: "ok", fallbackFrom: "billing" }],
    ...over,
  });
  const snapshot = async () => ({
    days: (await e.DB.prepare("SELECT turns, answered, tokens_in, quality_n, graded FROM insights_days WHERE org_id = 'ro'").all()).results,
    usage: (await e.DB.prepare("SELECT model, calls, tokens_in, conversations FROM insights_usage_days WHERE org_id = 'ro'").all()).results,
    delegations: (await e.DB.prepare("SELECT agent_id, calls, failures, fallbacks FROM insights_delegation_days WHERE org_id = 'ro' ORDER BY agent_id").all()).results,
    documents: (await e.DB.prepare("SELECT document_id, retrieved, cited FROM insights_document_days WHERE org_id = 'ro'").all()).results,
    topics: (await e.DB.prepare("SELECT questions, answered, handoff_after, down, resolved, gaps FROM insights_topic_days WHERE org_id = 'ro' ORDER BY topic_id").all()).results,
    conversations: (await e.DB.prepare("SELECT conversation_id, turns, answered, handoff_at, down, last_reply_vote FROM conversation_facts WHERE org_id = 'ro' ORDER BY conversation_id").all()).results,
  });

  it("the same whether a batch comes once or twice, and whether a vote or a handoff comes before its turn", async () => {
    const vote: FeedbackFact = { type: "feedback", v: 1, conversationId: "c_r1", orgId: "ro", siteKey: "rs", messageId: "m_t_r1", rating: -1, day: "2026-03-02", at: Date.parse("2026-03-02T10:01:00Z") };
    const handoff: StatusFact = {
      type: "status",
      v: 1,
      conversationId: "c_r2",
      orgId: "ro",
      siteKey: "rs",
      from: "bot",
      to: "waiting",
      reason: "visitor",
      staffId: null,
      afterReplyId: "m_t_r2",
      at: Date.parse("2026-03-02T10:02:00Z"),
      day: "2026-03-02",
    };
    // The vote and the handoff first, their turns later.
    await deliver([vote, handoff]);
    await deliver([turn("t_r1", "c_r1", "How do I get a refund?"), turn("t_r2", "c_r2", "money back please")]);
    const once = await snapshot();
    expect(once.days).toEqual([{ turns: 2, answered: 2, tokens_in: 200, quality_n: 2, graded: 0 }]);
    expect(once.usage).toEqual([{ model: "gpt-4o-mini", calls: 4, tokens_in: 200, conversations: 2 }]);
    expect(once.delegations).toEqual([
      { agent_id: "backup", calls: 2, failures: 0, fallbacks: 0 },
      { agent_id: "billing", calls: 2, failures: 2, fallbacks: 2 },
    ]);
    expect(once.documents).toEqual([{ document_id: "doc_1", retrieved: 2, cited: 2 }]);
    // One topic (both are refund questions): neither resolved (a thumbs-down, a handoff right after).
    expect(once.topics).toEqual([{ questions: 2, answered: 2, handoff_after: 1, down: 1, resolved: 0, gaps: 2 }]);
    expect(once.conversations).toEqual([
      { conversation_id: "c_r1", turns: 1, answered: 1, handoff_at: null, down: 1, last_reply_vote: -1 },
      { conversation_id: "c_r2", turns: 1, answered: 1, handoff_at: handoff.at, down: 0, last_reply_vote: null },
    ]);
    // Everything delivered again: nothing counts twice.
    await deliver([vote, handoff, turn("t_r1", "c_r1", "How do I get a refund?"), turn("t_r2", "c_r2", "money back please")]);
    expect(await snapshot()).toEqual(once);
  });

  it("a grade waits for its turn; then it refines the answer's quality once", async () => {
    const grade: GradeFact = { type: "grade", v: 1, turnId: "t_r3", conversationId: "c_r3", orgId: "ro", siteKey: "rs", score: 0.5, model: "gpt-4o-mini", at: 1 };
    const early = await deliver([grade]);
    expect(early.retryMessages).toEqual([expect.objectContaining({ msgId: "m-0" })]);
    await deliver([turn("t_r3", "c_r3", "How do I export my notes?"), grade]);
    const row = await e.DB.prepare("SELECT grade, quality FROM turn_facts WHERE turn_id = 't_r3'").first();
    expect(row).toEqual({ grade: 0.5, quality: 0.3 + 0.25 + 0.2 });
    expect((await snapshot()).days).toEqual([{ turns: 3, answered: 3, tokens_in: 300, quality_n: 3, graded: 1 }]);
  });
});
