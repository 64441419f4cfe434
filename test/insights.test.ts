/**
 * The insights API against the truth of what was driven. Conversations go through the
 * visitor API (questions, votes, a handoff, a rating, a lead) and the staff API (claim,
 * reply, resolve) with a scripted model; then every figure the insights API reports — topics,
 * content gaps, source usage, outcomes, CSAT, response times, quality, delegations, cost,
 * leads, the digest, and their CSV — is compared with what the test knows happened. Then a
 * gap becomes a draft and an eval case, the draft is published, and `npm run eval --
 * --site-set` asks the stored case and finds it answered from the new document.
 */
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type {
  CostsResponse,
  DigestResponse,
  GapDetail,
  GapDraftResponse,
  GapsResponse,
  LeadsResponse,
  OutcomesResponse,
  QualityResponse,
  SourcesResponse,
  TopicsResponse,
} from "../shared/insights";
import { useScriptedSwitchboard } from "./helpers/fixtures";
import type { RecordedRequest, Reply } from "./helpers/model-server";
import {
  ADMIN_TOKEN,
  addStaff,
  eventually,
  LOCAL_ORIGIN,
  ROOT,
  send,
  setupOrg,
  staffLogin,
  startConversation,
  type Switchboard,
  testAgent,
} from "./helpers/switchboard";

const run = promisify(execFile);
// The digest's webhook receiver is a server on loopback, which tenant URLs reach only when opened.
const fx = useScriptedSwitchboard({ allowPrivate: ["127.0.0.1"] });
let sb: Switchboard;
const ORG = "ins";
const I = `/api/admin/orgs/${ORG}/insights`;

const REFUND_TEXT = "Our refund policy: refunds are paid back to the original card within five business days of the request.";
const EXPORT_TEXT = "Export your notes as Markdown or PDF files from Settings, then Export.";
const STAFF_ANSWER = "We don't ship to Mars yet, only to addresses on Earth.";

/** What the test drove, per conversation: the truth the API is compared with. */
const driven: Record<string, { id: string; token: string }> = {};
const docs: Record<string, string> = {};
/** Requests the scripted model served per model name (tokens: 10 in, 5 out each), snapshot after driving. */
const served: Record<string, number> = {};
let adminRequests = 0;

const get = async <T>(path: string): Promise<T> => {
  adminRequests++;
  const res = await sb.admin(path);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};
const asOfTomorrow = () => new Date(Date.now() + 25 * 3600_000).toISOString();

/** Scripts the router's answer to one question (matched on the visitor's words). */
function script(words: string, ...replies: Reply[]) {
  fx.model.on((r: RecordedRequest) => r.system.includes("[router]") && r.user.includes(words), ...replies);
}
const search = (query: string): Reply => ({ toolCalls: [{ name: "search_knowledge", arguments: { query } }], usage: { prompt: 10, completion: 5 } });
const say = (text: string): Reply => ({ text, usage: { prompt: 10, completion: 5 } });

async function vote(name: string, messageId: string, rating: 1 | -1) {
  const c = driven[name] as { id: string; token: string };
  const res = await sb.fetch(`/api/conversations/${c.id}/feedback`, {
    method: "POST",
    headers: { authorization: `Bearer ${c.token}`, "content-type": "application/json" },
    body: JSON.stringify({ messageId, rating }),
  });
  expect(res.status).toBe(200);
}

async function csat(name: string, body: unknown) {
  const c = driven[name] as { id: string; token: string };
  return sb.fetch(`/api/conversations/${c.id}/csat`, {
    method: "POST",
    headers: { authorization: `Bearer ${c.token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  sb = fx.sb;
  const model = fx.model;
  await setupOrg(sb, ORG, [
    testAgent("router", { tools: ["search_knowledge", "handoff_to_human", "capture_lead"], knowledge: ["kb"], delegates: ["billing"] }),
    testAgent("billing", { fallbackAgent: "backup" }),
    testAgent("backup"),
    testAgent("namer"),
  ]);
  expect((await sb.admin(`/api/admin/orgs/${ORG}/collections`, { method: "POST", body: JSON.stringify({ id: "kb" }) })).status).toBe(201);
  for (const [title, content] of [
    ["Refund policy", REFUND_TEXT],
    ["Export guide", EXPORT_TEXT],
    ["Office plants", "Our office has green plants on every floor of the building."],
  ] as const) {
    const res = await sb.admin(`/api/admin/orgs/${ORG}/collections/kb/documents`, { method: "POST", body: JSON.stringify({ format: "text", title, content }) });
    expect(res.status).toBe(201);
    docs[title] = ((await res.json()) as { documents: { id: string }[] }).documents[0]?.id ?? "";
  }
  // Prices for the scripted models (unknown to the list), and no weak-match threshold to trip over a tiny corpus.
  const settings = await sb.admin(`${I}/settings`, {
    method: "PUT",
    body: JSON.stringify({ prices: { "model-router": { input: 1, output: 2 }, "model-billing": { input: 3, output: 4 } }, weakScore: 0 }),
  });
  expect(settings.status).toBe(200);

  const start = async (name: string, body: Record<string, unknown> = {}) => {
    const res = await sb.fetch(`/api/sites/${ORG}/conversations`, { method: "POST", headers: { origin: LOCAL_ORIGIN, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    const b = (await res.json()) as { conversationId: string; token: string };
    driven[name] = { id: b.conversationId, token: b.token };
    return driven[name] as { id: string; token: string };
  };

  // C1: a refund question, answered from the Refund policy, voted up.
  script("get a refund", search("refund"), say("Our Refund policy: refunds are paid back to the original card within five business days of the request."));
  const c1 = await send(sb, await start("c1"), "How do I get a refund?");
  await vote("c1", c1.reply?.id ?? "", 1);
  // C2: the same topic in other words, answered, voted down.
  script("money back", search("refund money back"), say(`Per our Refund policy, refunds are paid back to the original card within five business days.`));
  const c2 = await send(sb, await start("c2"), "Can I have my money back please?");
  await vote("c2", c2.reply?.id ?? "", -1);
  // C3: an export question, then the same question again (the first answer did not help).
  script("export my notes", search("export notes"), say("The Export guide says: export your notes as Markdown or PDF files from Settings, then Export."), search("export notes"), say("The Export guide says: use Settings, then Export."));
  const c3 = await start("c3");
  await send(sb, c3, "How do I export my notes?");
  await send(sb, c3, "how can I export my notes");
  // C4: nothing in the knowledge; the visitor asks for a person right after the answer; staff reply and resolve; a rating.
  script("ship to Mars?", search("ship mars"), say("Our articles say nothing about shipping orders to Mars or other planets."));
  const c4 = await start("c4");
  expect((await csat("c4", { rating: 5 })).status).toBe(409); // nothing answered yet
  await send(sb, c4, "Do you ship to Mars?");
  const handoff = await sb.fetch(`/api/conversations/${c4.id}/handoff`, { method: "POST", headers: { authorization: `Bearer ${c4.token}` } });
  expect(handoff.status).toBe(200);
  await addStaff(sb, ORG, "alex@ins.example", "Alex");
  const alex = await staffLogin(sb, "alex@ins.example");
  expect((await alex.post(`/api/staff/conversations/${c4.id}/claim`)).status).toBe(200);
  expect((await alex.post(`/api/staff/conversations/${c4.id}/reply`, { text: STAFF_ANSWER })).status).toBe(201);
  expect((await alex.post(`/api/staff/conversations/${c4.id}/resolve`)).status).toBe(200);
  expect((await csat("c4", { rating: 5, comment: "quick help" })).status).toBe(200);
  // C5: the same gap; the agent hands off itself; nobody comes.
  script("Mars or the Moon", search("ship mars moon"), { toolCalls: [{ name: "handoff_to_human", arguments: { summary: "asks about shipping to Mars" } }] }, say("Passing you to a person."));
  await send(sb, await start("c5"), "Do you ship to Mars or the Moon?");
  // C6: delegated to billing, which answers.
  script("INV-1", { toolCalls: [{ name: "delegate", arguments: { agent: "billing", prompt: "check INV-1" } }] }, say("Billing confirms invoice INV-1 was charged twice and the duplicate was refunded."));
  model.on((r: RecordedRequest) => r.system.includes("[billing]") && r.user.includes("INV-1"), say("INV-1 was charged twice; the duplicate is refunded."));
  await send(sb, await start("c6"), "I was charged twice on invoice INV-1");
  // C7: billing fails; its fallback (backup) answers.
  script("INV-2", { toolCalls: [{ name: "delegate", arguments: { agent: "billing", prompt: "check INV-2" } }] }, say("Our backup team says invoice INV-2 is paid in full already."));
  model.always((r: RecordedRequest) => r.system.includes("[billing]") && r.user.includes("INV-2"), { status: 400, error: "bad request" });
  model.on((r: RecordedRequest) => r.system.includes("[backup]"), say("INV-2 is paid."));
  await send(sb, await start("c7"), "Please check invoice INV-2");
  // C8: a buyer on the pricing page leaves their email (captured by the agent).
  script(
    "demo and a quote",
    { toolCalls: [{ name: "capture_lead", arguments: { email: "buyer@example.com", name: "Bea" } }], usage: { prompt: 10, completion: 5 } },
    say("Thanks Bea, our sales team will reach out about the demo and the quote."),
  );
  await send(sb, await start("c8", { pageUrl: "https://shop.example/pricing" }), "We'd like a demo and a quote for the enterprise plan, I'm Bea at buyer@example.com");
  // C9: small talk (no topic).
  script("hello", say("Hi! How can I help?"));
  await send(sb, await start("c9"), "hello");

  for (const r of model.requests) if (r.status === 200) served[r.body.model] = (served[r.body.model] ?? 0) + 1;

  // Every fact is in D1 before anything is compared (the queue's consumer writes them in batches).
  await eventually(async () => {
    const n = async (sql: string) => Number(((await sb.db.prepare(sql).bind(ORG).first<{ n: number }>()) ?? { n: 0 }).n);
    return (
      (await n("SELECT COUNT(*) AS n FROM turn_facts WHERE org_id = ?")) === 10 &&
      (await n("SELECT COUNT(*) AS n FROM feedback WHERE org_id = ?")) === 2 &&
      (await n("SELECT COUNT(*) AS n FROM staff_replies WHERE org_id = ?")) === 1 &&
      (await n("SELECT COUNT(*) AS n FROM csat WHERE org_id = ?")) === 1 &&
      // c4: waiting, human, resolved; c5: waiting
      (await n("SELECT COUNT(*) AS n FROM conversation_events WHERE org_id = ?")) === 4 &&
      (await n("SELECT COUNT(*) AS n FROM conversation_facts WHERE org_id = ? AND (conversation_id <> '' )")) === 9
    );
  }, "every fact of the driven conversations", 60_000).catch(async (e) => {
    for (const t of ["turn_facts", "feedback", "staff_replies", "csat", "conversation_events", "conversation_facts"]) console.log(t, await sb.db.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE org_id = ?`).bind(ORG).first());
    throw e;
  });
}, 180_000);

const topicOf = (r: TopicsResponse, question: string) => r.topics.find((t) => t.sampleQuestions.some((q) => q.text === question) || t.examples.some((e) => e.question === question));

describe("top questions and topics", () => {
  it("groups the questions asked in other words, counts them, and says how they went", async () => {
    const r = await get<TopicsResponse>(`${I}/topics?site=${ORG}`);
    expect(r.totals).toMatchObject({ questions: 10, previousQuestions: 0, withoutTopic: 1 });
    const refund = topicOf(r, "How do I get a refund?");
    const exporting = topicOf(r, "How do I export my notes?");
    const mars = topicOf(r, "Do you ship to Mars?");
    // The two refund wordings, the export question and its repeat, the two Mars questions: three topics.
    expect(topicOf(r, "Can I have my money back please?")?.id).toBe(refund?.id);
    expect(topicOf(r, "Do you ship to Mars or the Moon?")?.id).toBe(mars?.id);
    expect(new Set([refund?.id, exporting?.id, mars?.id]).size).toBe(3);
    expect(refund).toMatchObject({ questions: 2, previousQuestions: 0, trend: null, answered: 2, resolved: 1, resolutionRate: 0.5, feedback: { up: 1, down: 1 }, gaps: 1 });
    expect(exporting).toMatchObject({ questions: 2, answered: 2, resolved: 1, gaps: 1, feedback: { up: 0, down: 0 } });
    expect(mars).toMatchObject({ questions: 2, answered: 1, handedOff: 1, resolved: 0, resolutionRate: 0, gaps: 2 });
    // Examples link to the conversations.
    expect(refund?.examples.map((e) => e.conversationId).sort()).toEqual([driven.c1?.id, driven.c2?.id].sort());
    expect(r.topics.reduce((n, t) => n + t.questions, 0)).toBe(9);
  });

  it("compares with the previous period: a period before the questions has none", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const r = await get<TopicsResponse>(`${I}/topics?site=${ORG}&from=2020-01-01&to=2020-01-31`);
    expect(r.totals.questions).toBe(0);
    expect(r.period).toMatchObject({ from: "2020-01-01", to: "2020-01-31", days: 31, previousTo: "2019-12-31", previousFrom: "2019-12-01" });
    const nextMonth = await get<TopicsResponse>(`${I}/topics?site=${ORG}&from=${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}&days=1`);
    expect(nextMonth.totals).toMatchObject({ questions: 0, previousQuestions: 10 });
    expect(nextMonth.period.previousTo).toBe(today);
  });

  it("a topic's detail: a daily series and its wordings", async () => {
    const r = await get<TopicsResponse>(`${I}/topics?site=${ORG}`);
    const refund = topicOf(r, "How do I get a refund?");
    const detail = await get<{ series: { day: string; value: number }[]; signatures: { sample: string; questions: number }[] }>(`${I}/topics/${refund?.id}?days=7`);
    expect(detail.series).toHaveLength(7);
    expect(detail.series.reduce((n, p) => n + p.value, 0)).toBe(2);
    expect(detail.signatures.map((s) => s.questions).reduce((a, b) => a + b, 0)).toBe(2);
  });

  it("as CSV: one row per topic, formulas defused", async () => {
    const res = await sb.admin(`${I}/topics.csv?site=${ORG}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(/^site,topic,name,questions,/);
    const json = await get<TopicsResponse>(`${I}/topics?site=${ORG}`);
    expect(lines).toHaveLength(json.topics.length + 1);
  });
});

describe("content gaps", () => {
  it("lists the topics the assistant could not answer well, with the evidence", async () => {
    const r = await get<GapsResponse>(`${I}/gaps?site=${ORG}`);
    const mars = r.gaps.find((g) => g.sampleQuestions.includes("Do you ship to Mars?"));
    expect(mars).toMatchObject({
      questions: 2,
      gapQuestions: 2,
      gapRate: 1,
      evidence: { noRetrievalHit: 2, weakMatch: 0, abstained: 0, handedOff: 1, handoffAfterAnswer: 1, repeatedQuestion: 0, thumbsDown: 0 },
    });
    const refund = r.gaps.find((g) => g.sampleQuestions.includes("Can I have my money back please?") || g.name.toLowerCase().includes("refund"));
    expect(refund?.evidence).toMatchObject({ thumbsDown: 1, noRetrievalHit: 0 });
    const exporting = r.gaps.find((g) => g.evidence.repeatedQuestion > 0);
    expect(exporting).toMatchObject({ gapQuestions: 1, evidence: { repeatedQuestion: 1 } });
    expect(r.gaps[0]?.id).toBe(mars?.id); // the worst gap first
  });

  it("shows each question's evidence, what was retrieved for it (documents and scores), and the staff's reply", async () => {
    const gaps = await get<GapsResponse>(`${I}/gaps?site=${ORG}`);
    const mars = gaps.gaps.find((g) => g.sampleQuestions.includes("Do you ship to Mars?"));
    const d = await get<GapDetail>(`${I}/gaps/${mars?.id}`);
    const byQuestion = Object.fromEntries(d.turns.map((t) => [t.question, t]));
    expect(byQuestion["Do you ship to Mars?"]).toMatchObject({ conversationId: driven.c4?.id, evidence: ["no_retrieval_hit", "handoff_after_answer"], retrieved: [], staffReply: { text: STAFF_ANSWER } });
    expect(byQuestion["Do you ship to Mars or the Moon?"]).toMatchObject({ conversationId: driven.c5?.id, evidence: ["no_retrieval_hit", "handed_off"], staffReply: null });

    const refund = gaps.gaps.find((g) => g.evidence.thumbsDown === 1);
    const rd = await get<GapDetail>(`${I}/gaps/${refund?.id}`);
    expect(rd.turns).toHaveLength(1);
    expect(rd.turns[0]).toMatchObject({ question: "Can I have my money back please?", evidence: ["thumbs_down"] });
    expect(rd.turns[0]?.retrieved).toEqual([{ documentId: docs["Refund policy"], title: "Refund policy", score: expect.any(Number), cited: true }]);
    expect(rd.retrieved).toEqual([{ documentId: docs["Refund policy"], title: "Refund policy", turns: 1, bestScore: rd.turns[0]?.bestScore, averageScore: expect.any(Number), cited: 1 }]);
    // The stored scores are the turn's own retrieval scores.
    const stored = await sb.db.prepare("SELECT score FROM turn_documents WHERE document_id = ? AND turn_id = ?").bind(docs["Refund policy"], rd.turns[0]?.turnId).first<{ score: number }>();
    expect(rd.turns[0]?.retrieved[0]?.score).toBe(stored?.score);
  });
});

describe("source usage", () => {
  it("per document: retrieved, cited, votes on answers citing it, never used, stale", async () => {
    await sb.db.prepare("UPDATE knowledge_documents SET fetched_at = '2020-01-01T00:00:00.000Z' WHERE id = ?").bind(docs["Office plants"]).run();
    const r = await get<SourcesResponse>(`${I}/sources?site=${ORG}`);
    const by = Object.fromEntries(r.documents.map((d) => [d.title, d]));
    expect(by["Refund policy"]).toMatchObject({ retrieved: 2, cited: 2, feedback: { up: 1, down: 1 }, neverUsed: false, stale: false });
    expect(by["Export guide"]).toMatchObject({ retrieved: 2, cited: 2, feedback: { up: 0, down: 0 }, neverUsed: false });
    expect(by["Office plants"]).toMatchObject({ retrieved: 0, cited: 0, neverUsed: true, lastUsed: null, stale: true });
    expect(r.totals).toEqual({ documents: 3, used: 2, neverUsed: 1, stale: 1 });
  });
});

describe("outcomes and quality", () => {
  it("per site and agent: answered (confirmed or assumed after a day), handed off, abandoned, failed; CSAT; response times", async () => {
    const r = await get<OutcomesResponse>(`${I}/outcomes?site=${ORG}&asOf=${encodeURIComponent(asOfTomorrow())}`);
    // c1 confirmed (thumbs up); c3, c6, c7, c8, c9 assumed; c4 handed off; c2 (voted down) and c5 (nobody came) abandoned.
    expect(r.total).toEqual({ conversations: 9, answeredConfirmed: 1, answeredAssumed: 5, handedOff: 1, abandoned: 2, failed: 0, open: 0, botResolutionRate: 0.667 });
    expect(r.byAgent).toEqual([{ agentId: "router", ...r.total }]);
    expect(r.funnel).toEqual([
      { step: "conversations", count: 9 },
      { step: "answered by the bot", count: 8 },
      { step: "no handoff", count: 7 },
      { step: "resolved by the bot", count: 6 },
    ]);
    expect(r.csat).toMatchObject({ responses: 1, average: 5, satisfied: 1, distribution: { "5": 1 }, recentComments: [{ conversationId: driven.c4?.id, rating: 5, comment: "quick help" }] });
    expect(r.firstResponse.n).toBe(1);
    expect(r.resolution.n).toBe(1);
    expect(r.firstResponse.p50Sec).toBeGreaterThanOrEqual(0);
    expect(r.resolution.p50Sec).toBeGreaterThanOrEqual(r.firstResponse.p50Sec ?? 0);
    // Today, most are too recent to tell.
    const now = await get<OutcomesResponse>(`${I}/outcomes?site=${ORG}`);
    expect(now.total).toMatchObject({ answeredConfirmed: 1, handedOff: 1, open: 7 });
  });

  it("CSAT: one per conversation, replaceable for a while, checked", async () => {
    expect((await csat("c6", { rating: 0 })).status).toBe(400);
    expect((await csat("c6", { rating: 3, extra: 1 })).status).toBe(400);
    const first = await csat("c6", { rating: 2 });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ conversationId: driven.c6?.id, rating: 2, comment: null, replaced: false, replaceableUntil: expect.any(String) });
    const second = await csat("c6", { rating: 4, comment: "better now" });
    expect(await second.json()).toMatchObject({ rating: 4, comment: "better now", replaced: true });
    const row = await eventually(async () => {
      const r = await sb.db.prepare("SELECT rating, comment FROM csat WHERE conversation_id = ?").bind(driven.c6?.id).first<{ rating: number; comment: string }>();
      return r?.rating === 4 ? r : undefined;
    }, "the replaced rating");
    expect(row.comment).toBe("better now");
    // Another conversation's token does not open this one.
    const res = await sb.fetch(`/api/conversations/${driven.c6?.id}/csat`, {
      method: "POST",
      headers: { authorization: `Bearer ${driven.c7?.token}`, "content-type": "application/json" },
      body: JSON.stringify({ rating: 1 }),
    });
    expect([401, 403, 404]).toContain(res.status);
  });

  it("answer quality per agent, and delegation outcomes per specialist", async () => {
    const r = await get<QualityResponse>(`${I}/quality?site=${ORG}`);
    // 10 turns, all answered by the router but c5's (handed off); 4 answers cite a document (c1, c2, c3 twice).
    expect(r.byAgent.map((a) => a.agentId)).toEqual(["router"]);
    expect(r.total).toMatchObject({ turns: 10, answered: 9, handedOff: 1, failed: 0, citedRate: 0.444, overBudget: 0, graded: 0 });
    expect(r.delegations).toEqual([
      { agentId: "billing", calls: 2, ok: 1, failures: 1, timeouts: 0, cancelled: 0, refused: 0, fallbacks: 1, failureRate: 0.5 },
      { agentId: "backup", calls: 1, ok: 1, failures: 0, timeouts: 0, cancelled: 0, refused: 0, fallbacks: 0, failureRate: 0 },
    ]);
    const answers = await get<{ answers: { question: string; quality: number; grounded: number | null; cited: number }[] }>(`${I}/answers?site=${ORG}&order=best&limit=100`);
    const q = Object.fromEntries(answers.answers.map((a) => [a.question, a]));
    // Cited, every word in the passage: near the top. Nothing retrieved and nothing cited: only the budget's share.
    expect(q["How do I get a refund?"]?.grounded).toBeGreaterThanOrEqual(0.9);
    expect(q["How do I get a refund?"]?.quality).toBeGreaterThanOrEqual(0.9);
    expect(q["Do you ship to Mars?"]).toMatchObject({ grounded: 0, cited: 0, quality: 0.2 });
    expect(q.hello).toBeUndefined(); // small talk is no knowledge answer
  });

  it("tokens and cost by model, per conversation", async () => {
    const r = await get<CostsResponse>(`${I}/costs?site=${ORG}`);
    // The truth: what the scripted model served (every request of our org's agents that succeeded), 10 in / 5 out each.
    const router = r.byModel.find((m) => m.model === "model-router");
    expect(served["model-router"]).toBe(20);
    expect(router).toMatchObject({ calls: 20, tokensIn: 10 * 20, tokensOut: 5 * 20, priceSource: "org", price: { input: 1, output: 2 }, conversations: 9 });
    expect(router?.cost).toBeCloseTo((200 * 1 + 100 * 2) / 1e6, 12);
    expect(r.byModel.find((m) => m.model === "model-billing")).toMatchObject({ tokensIn: 10 * (served["model-billing"] ?? 0), cost: (30 + 20) / 1e6 });
    const backup = r.byModel.find((m) => m.model === "model-backup");
    expect(backup).toMatchObject({ cost: null, priceSource: "unknown", tokensIn: 10 });
    expect(r.unpricedTokens).toBe(15);
    expect(r.conversations).toBe(9);
    expect(r.costPerConversation).toBeCloseTo(r.cost / 9, 12);
  });
});

describe("lead quality", () => {
  it("scores the lead from what is known, with the reasons, sortable, in the CSV", async () => {
    const r = await get<LeadsResponse>(`${I}/leads?site=${ORG}&asOf=${encodeURIComponent(asOfTomorrow())}`);
    expect(r.leads).toHaveLength(1);
    const lead = r.leads[0];
    expect(lead).toMatchObject({ email: "buyer@example.com", name: "Bea", intent: "high", conversationId: driven.c8?.id, outcome: "answered_assumed" });
    const points = Object.fromEntries((lead?.reasons ?? []).map((x) => [x.factor === "pages" ? `${x.factor}:${x.points}` : x.factor, x.points]));
    expect(points).toEqual({ email: 10, name: 10, "pages:5": 5, "pages:10": 10, intent: 35, outcome: 5 });
    expect(lead?.score).toBe(75);
    expect(lead?.reasons.find((x) => x.factor === "intent")?.detail).toMatch(/demo/);
    const csv = await (await sb.admin(`${I}/leads.csv?site=${ORG}&asOf=${encodeURIComponent(asOfTomorrow())}`)).text();
    expect(csv.split("\r\n")[1]).toMatch(/^75,high,buyer@example.com,Bea,/);
    expect(csv).toContain("+35 high buying intent");
  });
});

describe("the weekly digest", () => {
  it("sums up last week", async () => {
    const asOf = asOfTomorrow();
    const r = await get<DigestResponse>(`${I}/digest?site=${ORG}&asOf=${encodeURIComponent(asOf)}`);
    expect(r.period).toMatchObject({ to: new Date().toISOString().slice(0, 10), days: 7 });
    expect(r.conversations).toMatchObject({ count: 9, previous: 0 });
    expect(r.questions).toMatchObject({ count: 10, previous: 0 });
    const outcomes = await get<OutcomesResponse>(`${I}/outcomes?site=${ORG}&to=${r.period.to}&days=7&asOf=${encodeURIComponent(asOf)}`);
    expect(r.outcomes).toEqual(outcomes.total);
    expect(r.topGaps[0]?.sampleQuestion).toMatch(/Mars/);
    expect(r.leads).toMatchObject({ count: 1, top: [{ email: "buyer@example.com", score: 75 }] });
    expect(r.unusedDocuments).toBe(1);
  });
});

describe("the weekly digest, by webhook", () => {
  it("is sent through the site's webhook as insights.digest when the org's weekday and hour come, once that week", async () => {
    const received: { event: string; signature: string; timestamp: string; body: string }[] = [];
    const hooks = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ event: String(req.headers["x-switchboard-event"]), signature: String(req.headers["x-switchboard-signature"]), timestamp: String(req.headers["x-switchboard-timestamp"]), body });
        res.writeHead(204).end();
      });
    });
    hooks.listen(0, "127.0.0.1");
    await once(hooks, "listening");
    const secret = "digest-webhook-secret-0123";
    try {
      const url = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
      await sb.putSite({ key: ORG, orgId: ORG, name: ORG, allowedOrigins: [LOCAL_ORIGIN, "http://127.0.0.1:*"], entryAgent: "router", webhook: { url, secret } });
      // The first Monday after today (the default weekday), 09:00 UTC (the default hour is 08:00): its week holds today.
      const monday = new Date(`${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}T09:00:00Z`);
      while (monday.getUTCDay() !== 1) monday.setUTCDate(monday.getUTCDate() + 1);
      const worker = await sb.mf.getWorker("switchboard");
      const tuesday = new Date(monday.getTime() + 86_400_000);
      await worker.scheduled({ scheduledTime: new Date(monday.getTime() - 2 * 3600_000), cron: "0 * * * *" }); // 07:00: not yet
      await worker.scheduled({ scheduledTime: tuesday, cron: "0 * * * *" }); // not the weekday
      expect(await sb.db.prepare("SELECT COUNT(*) AS n FROM insights_digests WHERE site_key = ?").bind(ORG).first()).toEqual({ n: 0 });
      await worker.scheduled({ scheduledTime: monday, cron: "0 * * * *" });
      await worker.scheduled({ scheduledTime: new Date(monday.getTime() + 3600_000), cron: "0 * * * *" }); // an hour later: already sent
      expect(await sb.db.prepare("SELECT week FROM insights_digests WHERE site_key = ?").bind(ORG).all()).toMatchObject({ results: [{ week: monday.toISOString().slice(0, 10) }] });
      const hook = await eventually(async () => received[0], "the digest webhook");
      expect(hook.event).toBe("insights.digest");
      expect(hook.signature).toBe(`sha256=${createHmac("sha256", secret).update(`${hook.timestamp}.${hook.body}`).digest("hex")}`);
      const body = JSON.parse(hook.body) as { type: string; data: { siteKey: string; digest: DigestResponse } };
      expect(body.type).toBe("insights.digest");
      expect(body.data.siteKey).toBe(ORG);
      // Last week as of that Monday: the seven days before it.
      expect(body.data.digest).toMatchObject({ org: ORG, site: ORG, period: { to: new Date(monday.getTime() - 86_400_000).toISOString().slice(0, 10), days: 7 } });
      expect(body.data.digest.conversations.count).toBeGreaterThan(0);
    } finally {
      await sb.putSite({ key: ORG, orgId: ORG, name: ORG, allowedOrigins: [LOCAL_ORIGIN, "http://127.0.0.1:*"], entryAgent: "router" });
      hooks.close();
    }
  });
});

describe("a gap becomes a draft and an eval case", () => {
  it("drafts from the staff's answer, adds the question to the site's eval set, publishes, and the eval asks it", { timeout: 120_000 }, async () => {
    const gaps = await get<GapsResponse>(`${I}/gaps?site=${ORG}`);
    const mars = gaps.gaps.find((g) => g.sampleQuestions.includes("Do you ship to Mars?"));
    const res = await sb.admin(`${I}/gaps/${mars?.id}/draft`, { method: "POST", body: JSON.stringify({}) });
    expect(res.status).toBe(201);
    const made = (await res.json()) as GapDraftResponse;
    expect(made.draft).toMatchObject({ status: "draft", collectionId: "kb", title: "Do you ship to Mars?", text: STAFF_ANSWER, topicId: mars?.id, documentId: null });
    expect(made.evalCase).toMatchObject({ question: "Do you ship to Mars?", expect: "answer", sources: ["Do you ship to Mars?"], origin: "gap", draftId: made.draft.id });
    // A draft is not searchable.
    const before = await sb.db.prepare("SELECT COUNT(*) AS n FROM knowledge_documents WHERE org_id = ? AND title = ?").bind(ORG, "Do you ship to Mars?").first<{ n: number }>();
    expect(before?.n).toBe(0);
    const cases = await get<{ cases: { id: string; question: string }[] }>(`/api/admin/orgs/${ORG}/sites/${ORG}/eval-cases`);
    expect(cases.cases.map((c) => c.question)).toEqual(["Do you ship to Mars?"]);

    const published = await sb.admin(`${I}/drafts/${made.draft.id}/publish`, { method: "POST" });
    expect(published.status).toBe(200);
    const doc = ((await published.json()) as { documentId: string }).documentId;
    expect(doc).toMatch(/^doc_/);
    const gap = await get<GapDetail>(`${I}/gaps/${mars?.id}`);
    expect(gap.drafts).toEqual([{ id: made.draft.id, status: "published", title: "Do you ship to Mars?" }]);

    // From then on the question is tested: the eval asks the site's stored set and the answer cites the new document.
    fx.model.reset();
    script("ship to Mars?", search("ship mars"), say(`According to "Do you ship to Mars?": we don't ship to Mars yet, only to addresses on Earth.`));
    const out = join(mkdtempSync(join(tmpdir(), "sb-site-set-")), "out.json");
    const args = ["scripts/eval.mjs", "--url", sb.url, "--token", ADMIN_TOKEN, "--site", ORG, "--org", ORG, "--origin", LOCAL_ORIGIN, "--site-set", "--json", out, "--no-write", "--check"];
    const { stdout } = await run("node", args, { cwd: ROOT });
    expect(stdout).toContain("Asking 1 questions");
    const results = JSON.parse(readFileSync(out, "utf8")) as { q: string; outcome: string; sources: { title: string }[] }[];
    expect(results).toEqual([expect.objectContaining({ q: "Do you ship to Mars?", outcome: "right", sources: [expect.objectContaining({ title: "Do you ship to Mars?" })] })]);
    // (The eval's own turn is a fact of the site too.)
    await eventually(async () => (await sb.db.prepare("SELECT COUNT(*) AS n FROM turn_facts WHERE org_id = ?").bind(ORG).first<{ n: number }>())?.n === 11, "the eval's turn fact");
  });
});

describe("rebuilding", () => {
  it("recomputing a site's insights from its facts gives the same figures; turns without a signature get theirs", async () => {
    const turns = (await sb.db.prepare("SELECT COUNT(*) AS n FROM turn_facts WHERE org_id = ?").bind(ORG).first<{ n: number }>())?.n;
    const asOf = encodeURIComponent(asOfTomorrow());
    const paths = [`${I}/topics?site=${ORG}`, `${I}/gaps?site=${ORG}`, `${I}/sources?site=${ORG}`, `${I}/outcomes?site=${ORG}&asOf=${asOf}`, `${I}/quality?site=${ORG}`, `${I}/costs?site=${ORG}`];
    const before = await Promise.all(paths.map((p) => get<unknown>(p)));
    // As a store from before insights would have them: no signatures, no topics, no rollups.
    await sb.db.prepare("UPDATE turn_facts SET signature = NULL, topic_id = NULL WHERE org_id = ?").bind(ORG).run();
    for (const table of ["insights_topic_days", "insights_days", "insights_document_days", "insights_conversation_days", "insights_usage_days"]) {
      await sb.db.prepare(`DELETE FROM ${table} WHERE org_id = ?`).bind(ORG).run();
    }
    expect((await get<TopicsResponse>(`${I}/topics?site=${ORG}`)).totals.questions).toBe(0);
    const res = await sb.admin(`${I}/rebuild`, { method: "POST", body: JSON.stringify({ site: ORG }) });
    expect(await res.json()).toEqual({ site: ORG, backfilled: turns });
    const after = await Promise.all(paths.map((p) => get<unknown>(p)));
    expect(after).toEqual(before);
  });
});

describe("access", () => {
  it("needs the insights scope, and another org's insights answer like nothing exists", async () => {
    const mint = await sb.admin("/api/admin/tokens", { method: "POST", body: JSON.stringify({ name: "reader", orgId: ORG, scopes: ["conversations:read"] }) });
    expect(mint.status).toBe(201);
    const token = ((await mint.json()) as { token: string }).token;
    const denied = await sb.fetch(`${I}/topics`, { headers: { authorization: `Bearer ${token}` } });
    expect(denied.status).toBe(403);
    const reader = await sb.admin("/api/admin/tokens", { method: "POST", body: JSON.stringify({ name: "insights", orgId: ORG, scopes: ["insights:read"] }) });
    const readToken = ((await reader.json()) as { token: string }).token;
    expect((await sb.fetch(`${I}/topics`, { headers: { authorization: `Bearer ${readToken}` } })).status).toBe(200);
    const write = await sb.fetch(`${I}/topics/regroup`, { method: "POST", headers: { authorization: `Bearer ${readToken}`, "content-type": "application/json" }, body: JSON.stringify({ site: ORG }) });
    expect(write.status).toBe(403);
    await setupOrg(sb, "ins-other", [testAgent("router")]);
    const other = await sb.admin("/api/admin/tokens", { method: "POST", body: JSON.stringify({ name: "x", orgId: "ins-other", scopes: ["insights:read"] }) });
    const otherToken = ((await other.json()) as { token: string }).token;
    const hidden = await sb.fetch(`${I}/topics`, { headers: { authorization: `Bearer ${otherToken}` } });
    expect(hidden.status).toBe(404);
    // Another org's site in the filter: not found.
    expect((await sb.admin(`${I}/topics?site=ins-other`)).status).toBe(404);
    // A bad period is a 400 that says why.
    const bad = await sb.admin(`${I}/topics?from=2025-02-10&to=2025-01-01`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_period");
    expect(adminRequests).toBeGreaterThan(0);
  });
});
