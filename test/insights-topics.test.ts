/**
 * The topic list: an offline grouping that is the same however often it runs and whatever
 * order the questions came in; an owner's renames, merges, pins and keyword topics, which
 * every later grouping — and every later question — respects; and, with a model configured
 * (an org agent's, named in the insights settings), the model naming topics and placing
 * questions, grading answers and reading a lead's intent. Questions go through the visitor
 * API; the model is scripted.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { RegroupResponse, TopicRecord, TopicsResponse } from "../shared/insights";
import { useScriptedSwitchboard } from "./helpers/fixtures";
import { agent } from "./helpers/model-server";
import { eventually, send, setupOrg, startConversation, type Switchboard, testAgent } from "./helpers/switchboard";

const fx = useScriptedSwitchboard();
let sb: Switchboard;

const QUESTIONS = [
  "How do I export my notes?",
  "Can I export my notes to a PDF?",
  "How do I get a refund?",
  "I want my money back",
  "How do I cancel my subscription?",
  "cancel subscription please",
  "Where can I find my invoice?",
  "Is my data encrypted?",
];

const api = (org: string) => `/api/admin/orgs/${org}/insights`;
async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
const get = async <T>(path: string) => json<T>(await sb.admin(path));
const post = async <T>(path: string, body: unknown, method = "POST") => json<T>(await sb.admin(path, { method, body: JSON.stringify(body) }));

async function ask(org: string, questions: string[]) {
  for (const q of questions) await send(sb, await startConversation(sb, org), q);
}

async function factsIn(org: string, n: number) {
  await eventually(async () => {
    const row = await sb.db.prepare("SELECT COUNT(*) AS n FROM turn_facts WHERE org_id = ? AND topic_id IS NOT NULL").bind(org).first<{ n: number }>();
    return row?.n === n;
  }, `${n} facts of ${org}`, 60_000);
}

/** The grouping as sets of questions (the topic ids aside): what must not depend on order or runs. */
async function grouping(org: string): Promise<string[][]> {
  const r = await get<TopicsResponse>(`${api(org)}/topics?site=${org}&limit=100`);
  return r.topics.map((t) => t.examples.map((e) => e.question).sort()).sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

const topicWith = async (org: string, question: string) => {
  const r = await get<TopicsResponse>(`${api(org)}/topics?site=${org}&limit=100`);
  return r.topics.find((t) => t.examples.some((e) => e.question === question));
};

beforeAll(async () => {
  sb = fx.sb;
  for (const org of ["tp", "tp2"]) await setupOrg(sb, org, [testAgent("router"), testAgent("namer")], "router", { leadForm: "pre-chat" });
}, 60_000);

describe("offline grouping", () => {
  it("groups the same questions the same way, however often it runs and in whatever order they came", { timeout: 180_000 }, async () => {
    fx.model.always(agent("[router]"), { text: "Here is what our help center says about that." });
    await ask("tp", QUESTIONS);
    await ask("tp2", [...QUESTIONS].reverse());
    await factsIn("tp", QUESTIONS.length);
    await factsIn("tp2", QUESTIONS.length);

    const first = await post<RegroupResponse>(`${api("tp")}/topics/regroup`, { site: "tp" });
    expect(first).toMatchObject({ site: "tp", signatures: expect.any(Number), model: null });
    const idsBefore = (await get<{ topics: TopicRecord[] }>(`${api("tp")}/topic-list?site=tp`)).topics.map((t) => t.id);
    const again = await post<RegroupResponse>(`${api("tp")}/topics/regroup`, { site: "tp" });
    expect(again.moved).toBe(0);
    expect((await get<{ topics: TopicRecord[] }>(`${api("tp")}/topic-list?site=tp`)).topics.map((t) => t.id)).toEqual(idsBefore);

    await post(`${api("tp2")}/topics/regroup`, { site: "tp2" });
    const a = await grouping("tp");
    expect(a).toEqual(await grouping("tp2"));
    // Questions asked in other words share a topic.
    expect(a).toContainEqual(["Can I export my notes to a PDF?", "How do I export my notes?"]);
    expect(a).toContainEqual(["How do I get a refund?", "I want my money back"].sort());
    expect(a).toContainEqual(["How do I cancel my subscription?", "cancel subscription please"].sort());
  });
});

describe("the owner's edits", () => {
  it("a rename, a pin and a merge stay through regrouping, and later questions follow the merge", { timeout: 120_000 }, async () => {
    fx.model.always(agent("[router]"), { text: "Here is what our help center says about that." });
    const refund = await topicWith("tp", "How do I get a refund?");
    const cancel = await topicWith("tp", "How do I cancel my subscription?");
    const exporting = await topicWith("tp", "How do I export my notes?");
    expect(refund && cancel && exporting).toBeTruthy();

    const renamed = await post<TopicRecord>(`${api("tp")}/topics/${exporting?.id}`, { name: "Exporting", pinned: true }, "PATCH");
    expect(renamed).toMatchObject({ name: "Exporting", namedBy: "owner", pinned: true });
    const merged = await post<TopicRecord>(`${api("tp")}/topics/${refund?.id}/merge`, { into: cancel?.id });
    expect(merged.id).toBe(cancel?.id);
    await post(`${api("tp")}/topics/regroup`, { site: "tp" });

    const now = await get<TopicsResponse>(`${api("tp")}/topics?site=tp&limit=100`);
    const byId = Object.fromEntries(now.topics.map((t) => [t.id, t]));
    expect(byId[exporting?.id ?? ""]).toMatchObject({ name: "Exporting", pinned: true, questions: 2 });
    expect(byId[cancel?.id ?? ""]?.questions).toBe(4);
    expect(byId[refund?.id ?? ""]).toBeUndefined();
    const list = await get<{ topics: TopicRecord[] }>(`${api("tp")}/topic-list?site=tp`);
    expect(list.topics.find((t) => t.id === refund?.id)?.mergedInto).toBe(cancel?.id);

    // A later refund question goes to the topic it was merged into.
    await ask("tp", ["can I get a refund for last month"]);
    await factsIn("tp", QUESTIONS.length + 1);
    expect((await topicWith("tp", "can I get a refund for last month"))?.id).toBe(cancel?.id);

    // A pinned topic is listed even when nobody asked about it.
    const quiet = await get<TopicsResponse>(`${api("tp")}/topics?site=tp&from=2020-01-01&to=2020-01-02`);
    expect(quiet.topics.map((t) => t.id)).toEqual([exporting?.id]);

    // Bad edits change nothing.
    expect((await sb.admin(`${api("tp")}/topics/${cancel?.id}/merge`, { method: "POST", body: JSON.stringify({ into: cancel?.id }) })).status).toBe(400);
    expect((await sb.admin(`${api("tp")}/topics/top_nope/merge`, { method: "POST", body: JSON.stringify({ into: cancel?.id }) })).status).toBe(404);
    expect((await sb.admin(`${api("tp2")}/topics/${cancel?.id}`, { method: "PATCH", body: JSON.stringify({ name: "x" }) })).status).toBe(404);
    expect((await sb.admin(`${api("tp")}/topics/${cancel?.id}`, { method: "PATCH", body: JSON.stringify({}) })).status).toBe(400);
  });

  it("an owner's topic takes the questions with its keywords, now and later", { timeout: 120_000 }, async () => {
    fx.model.always(agent("[router]"), { text: "Here is what our help center says about that." });
    const made = await post<TopicRecord>(`${api("tp")}/topics`, { site: "tp", name: "Billing papers", keywords: ["invoice", "receipt"] });
    expect(made).toMatchObject({ origin: "owner", namedBy: "owner", pinned: true, keywords: ["invoice", "receipt"] });
    expect((await topicWith("tp", "Where can I find my invoice?"))?.id).toBe(made.id);
    await ask("tp", ["please email me a receipt for my plan"]);
    await factsIn("tp", QUESTIONS.length + 2);
    expect((await topicWith("tp", "please email me a receipt for my plan"))?.id).toBe(made.id);
    expect((await sb.admin(`${api("tp")}/topics`, { method: "POST", body: JSON.stringify({ site: "tp", name: "x", keywords: ["the"] }) })).status).toBe(400);

    await sb.admin(`${api("tp")}/topics/${made.id}`, { method: "DELETE" }).then((r) => expect(r.status).toBe(200));
    const after = await topicWith("tp", "Where can I find my invoice?");
    expect(after?.id).not.toBe(made.id);
    expect(after?.questions).toBeGreaterThan(0);
  });
});

describe("with a model", () => {
  it("names topics and places questions in the list, never over an owner's name", { timeout: 120_000 }, async () => {
    await post(`${api("tp")}/settings`, { modelAgent: "namer" }, "PUT");
    const exporting = await topicWith("tp", "How do I export my notes?");
    const security = await topicWith("tp", "Is my data encrypted?");
    fx.model.on(agent("You organise the questions"), {
      text: JSON.stringify({
        placements: [{ n: 1, newTopic: "Data security" }],
        names: [
          { id: exporting?.id, name: "A model's name" },
          { id: security?.id, name: "Privacy" },
        ],
      }),
    });
    const r = await post<RegroupResponse>(`${api("tp")}/topics/regroup`, { site: "tp" });
    expect(r.model).toMatchObject({ name: "model-namer", placed: expect.any(Number) });
    const asked = fx.model.requestsFor("You organise the questions")[0];
    expect(asked?.user).toContain("Is my data encrypted?");
    const list = await get<{ topics: TopicRecord[] }>(`${api("tp")}/topic-list?site=tp`);
    expect(list.topics.find((t) => t.id === exporting?.id)?.name).toBe("Exporting");
    const named = list.topics.find((t) => t.name === "Privacy" || t.name === "Data security");
    expect(named?.namedBy).toBe("model");
  });

  it("grades answers (refining their quality) and reads a lead's intent", { timeout: 120_000 }, async () => {
    await post(`${api("tp")}/settings`, { modelAgent: "namer", gradeShare: 1 }, "PUT");
    fx.model.on(agent("[router]"), { text: "Exports come as Markdown or PDF files from the settings page of the app." });
    fx.model.on(agent("You grade a support assistant"), { text: '{"score": 0.25, "reason": "not in the passages"}' });
    const conv = await startConversation(sb, "tp");
    await send(sb, conv, "what formats can I export my notes in");
    const graded = await eventually(async () => {
      const row = await sb.db.prepare("SELECT grade, quality, grounded, cited, within_budget FROM turn_facts WHERE conversation_id = ?").bind(conv.id).first<{ grade: number | null; quality: number; grounded: number; cited: number; within_budget: number }>();
      return row?.grade !== null && row?.grade !== undefined ? row : undefined;
    }, "the model's grade");
    expect(graded.grade).toBe(0.25);
    // The grade takes groundedness's place in the quality score.
    expect(graded.quality).toBeCloseTo(0.3 * (graded.cited > 0 ? 1 : 0) + 0.5 * 0.25 + 0.2 * graded.within_budget, 3);
    const quality = await get<{ total: { graded: number } }>(`${api("tp")}/quality?site=tp`);
    expect(quality.total.graded).toBe(1);

    // A lead: the model's reading of the visitor's words replaces the offline one.
    fx.model.on(agent("[router]"), { text: "Happy to help with that." });
    fx.model.on(agent("You read a website visitor"), { text: '{"intent": "medium", "reason": "asks for a price"}' });
    const buyer = await startConversation(sb, "tp");
    await send(sb, buyer, "we need a quote for fifty seats");
    const lead = await sb.fetch(`/api/conversations/${buyer.id}/lead`, {
      method: "POST",
      headers: { authorization: `Bearer ${buyer.token}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "team@example.com" }),
    });
    expect(lead.status).toBe(201);
    const row = await eventually(async () => {
      const r = await sb.db.prepare("SELECT intent, score, score_reasons FROM leads WHERE conversation_id = ?").bind(buyer.id).first<{ intent: string; score: number; score_reasons: string }>();
      return r?.intent === "medium" ? r : undefined;
    }, "the model's reading of the lead");
    // email 10 + medium intent 20; the offline reading ("quote": high) is replaced.
    expect(row.score).toBe(30);
    expect(row.score_reasons).toContain("model-namer: asks for a price");
  });
});
