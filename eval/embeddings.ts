/**
 * The embedding index's worth, measured: the same question sets asked with BM25 alone and
 * then with an org's embedding index turned on (fused with BM25), compared question by
 * question — answers gained, answers lost, and the confidently wrong on either side. Used by
 * `npm run eval -- --embeddings` and by test/eval-embeddings.test.ts, against the scripted
 * embeddings server (hashed words and letter trigrams: it knows spelling, not meaning).
 */
import type { SwitchboardClient } from "./client";
import { type QuestionSet, sourceEntries } from "./format";
import { type Result, runEval, summarize } from "./run";
import { sourceMatches } from "./score";

export interface EmbeddingsTarget {
  baseURL: string;
  model: string;
  apiKeySecret?: string;
}

async function admin(client: SwitchboardClient, method: string, path: string, body?: unknown): Promise<Response> {
  const { url, token, org } = client.target;
  return fetch(`${url}/api/admin/orgs/${encodeURIComponent(org)}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

/** Turns the org's embedding index on and waits until every chunk has its vector. */
export async function enableEmbeddings(client: SwitchboardClient, target: EmbeddingsTarget, timeoutMs = 300_000): Promise<void> {
  const res = await admin(client, "PUT", "/embeddings", target);
  if (!res.ok) throw new Error(`turning embeddings on: ${res.status} ${await res.text()}`);
  const { job } = (await res.json()) as { job: { id: string } };
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const state = (await (await admin(client, "GET", `/ingest-jobs/${job.id}`)).json()) as { status: string; error: { message: string } | null };
    if (state.status === "done") return;
    if (state.status === "failed") throw new Error(`embedding the org's chunks failed: ${state.error?.message}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("embedding the org's chunks did not finish in time");
}

export async function disableEmbeddings(client: SwitchboardClient): Promise<void> {
  const res = await admin(client, "DELETE", "/embeddings");
  if (!res.ok) throw new Error(`turning embeddings off: ${res.status} ${await res.text()}`);
}

/** How well the knowledge searches of the answerable questions ranked the right article. */
export interface Retrieval {
  n: number;
  /** The right article first in a search of the turn, and among the first three. */
  hit1: number;
  hit3: number;
  /** Mean reciprocal rank of the right article (0 when no search of the turn returned it). */
  mrr: number;
}

type Documents = Map<string, { title: string; url?: string }>;

/** Every document of the org by id (what retrieval spans name), for matching against expected sources. */
export async function orgDocuments(client: SwitchboardClient): Promise<Documents> {
  const out: Documents = new Map();
  const res = await admin(client, "GET", "/collections");
  if (!res.ok) return out;
  const { collections } = (await res.json()) as { collections: { id: string }[] };
  for (const c of collections) {
    const docs = (await (await admin(client, "GET", `/collections/${encodeURIComponent(c.id)}/documents`)).json()) as { documents: { id: string; title: string; url: string | null }[] };
    for (const d of docs.documents) out.set(d.id, { title: d.title, ...(d.url ? { url: d.url } : {}) });
  }
  return out;
}

export function retrieval(results: Result[], docs: Documents): Retrieval {
  const answerable = results.filter((r) => r.question.sources?.length);
  let hit1 = 0;
  let hit3 = 0;
  let rr = 0;
  for (const r of answerable) {
    const wanted = sourceEntries(r.question)[0] ?? [];
    let best = Infinity;
    for (const list of r.answer.retrieved ?? []) {
      const rank = list.findIndex((id) => {
        const doc = docs.get(id);
        return !!doc && wanted.some((w) => sourceMatches(w, doc));
      });
      if (rank >= 0) best = Math.min(best, rank + 1);
    }
    if (best === 1) hit1++;
    if (best <= 3) hit3++;
    if (best < Infinity) rr += 1 / best;
  }
  return { n: answerable.length, hit1, hit3, mrr: answerable.length ? rr / answerable.length : 0 };
}

export interface Comparison {
  name: string;
  n: number;
  without: { right: number; wrong: number; inScopeRight: number; inScopeN: number; retrieval?: Retrieval };
  with: { right: number; wrong: number; inScopeRight: number; inScopeN: number; retrieval?: Retrieval };
  /** Questions right only with embeddings, and right only without. */
  gained: string[];
  lost: string[];
}

function counts(results: Result[]) {
  const s = summarize(results);
  // A set's "in scope" is every question that should be answered (typo and paraphrase sets name their types).
  const answerable = results.filter((r) => r.question.sources?.length);
  return { right: s.total.right, wrong: s.total.wrong, inScopeRight: answerable.filter((r) => r.score.outcome === "right").length, inScopeN: answerable.length };
}

export function compare(name: string, without: Result[], withEmbeddings: Result[], docs?: Documents): Comparison {
  const right = (rs: Result[]) => new Set(rs.filter((r) => r.score.outcome === "right").map((r) => r.question.id));
  const a = right(without);
  const b = right(withEmbeddings);
  return {
    name,
    n: without.length,
    without: { ...counts(without), ...(docs ? { retrieval: retrieval(without, docs) } : {}) },
    with: { ...counts(withEmbeddings), ...(docs ? { retrieval: retrieval(withEmbeddings, docs) } : {}) },
    gained: [...b].filter((id) => !a.has(id)),
    lost: [...a].filter((id) => !b.has(id)),
  };
}

/**
 * Asks every set with BM25 alone, turns the index on, asks them again. The index is left on
 * (the caller's instance is its own, or the caller turns it off).
 */
export async function compareEmbeddings(
  client: SwitchboardClient,
  sets: { name: string; set: QuestionSet }[],
  target: EmbeddingsTarget,
  options: { concurrency?: number; log?: (line: string) => void } = {},
): Promise<Comparison[]> {
  const log = options.log ?? (() => {});
  const run = (set: QuestionSet) => runEval(client, set, { concurrency: options.concurrency ?? 4 });
  const before: Result[][] = [];
  for (const { name, set } of sets) {
    log(`BM25 alone: ${name} (${set.questions.length} questions)`);
    before.push(await run(set));
  }
  log(`Turning the embedding index on (${target.model} at ${target.baseURL})`);
  await enableEmbeddings(client, target);
  const docs = await orgDocuments(client);
  const out: Comparison[] = [];
  for (const [i, { name, set }] of sets.entries()) {
    log(`BM25 + embeddings: ${name}`);
    out.push(compare(name, before[i]!, await run(set), docs));
  }
  return out;
}

const pct = (a: number, b: number) => (b ? `${Math.round((100 * a) / b)}%` : "–");

export function comparisonTable(rows: Comparison[]): string {
  const lines = [
    "| question set | n | right, BM25 | right, BM25 + embeddings | answerable right, BM25 → fused | confidently wrong, BM25 → fused | gained | lost |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${r.n} | ${r.without.right} | ${r.with.right} | ${r.without.inScopeRight}/${r.without.inScopeN} (${pct(r.without.inScopeRight, r.without.inScopeN)}) → ${r.with.inScopeRight}/${r.with.inScopeN} (${pct(r.with.inScopeRight, r.with.inScopeN)}) | ${r.without.wrong} → ${r.with.wrong} | ${r.gained.length}${r.gained.length ? ` (${r.gained.join(", ")})` : ""} | ${r.lost.length}${r.lost.length ? ` (${r.lost.join(", ")})` : ""} |`,
    );
  }
  const measured = rows.filter((r) => r.without.retrieval && r.with.retrieval);
  if (measured.length) {
    lines.push("", "| retrieval (answerable questions) | n | right article first, BM25 → fused | in the top 3 | MRR |", "|---|---|---|---|---|");
    for (const r of measured) {
      const a = r.without.retrieval!;
      const b = r.with.retrieval!;
      lines.push(`| ${r.name} | ${a.n} | ${a.hit1} → ${b.hit1} | ${a.hit3} → ${b.hit3} | ${a.mrr.toFixed(2)} → ${b.mrr.toFixed(2)} |`);
    }
  }
  return lines.join("\n");
}
