/**
 * The embedding index on the eval sets, held to what it is for: the demo's questions asked
 * with BM25 alone and then with the demo org's embeddings turned on (the scripted embeddings
 * server: hashed words and letter trigrams, so it knows spelling, not meaning) — no answer
 * the demo set had is lost and nothing becomes confidently wrong; on the typo and paraphrase
 * set, more questions are answered and the right article ranks higher. `npm run eval --
 * --embeddings` writes the same comparison into BENCHMARKS.md.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SwitchboardClient } from "../eval/client";
import { type Comparison, compareEmbeddings } from "../eval/embeddings";
import { parseQuestionSet } from "../eval/format";
import { type EmbeddingsServer, startEmbeddingsServer } from "./helpers/embeddings-server";
import { ADMIN_TOKEN, LOCAL_ORIGIN, ROOT, startSwitchboard, type Switchboard } from "./helpers/switchboard";

let sb: Switchboard;
let embeddings: EmbeddingsServer;
beforeAll(async () => {
  embeddings = await startEmbeddingsServer();
  sb = await startSwitchboard({ seed: true, allowPrivate: [embeddings.baseURL] });
});
afterAll(async () => {
  await sb?.close();
  await embeddings?.close();
});

const load = (name: string) => parseQuestionSet(JSON.parse(readFileSync(join(ROOT, "eval", name), "utf8")));

describe("the embedding index on the eval sets", () => {
  it("loses no answer on the demo set and gains on the typo and paraphrase set", { timeout: 900_000 }, async () => {
    const client = new SwitchboardClient({ url: sb.url, token: ADMIN_TOKEN, site: "demo", org: "demo", origin: LOCAL_ORIGIN });
    const [demo, typos] = (await compareEmbeddings(
      client,
      [
        { name: "demo", set: load("demo-set.json") },
        { name: "typos", set: load("typos-set.json") },
      ],
      { baseURL: embeddings.baseURL, model: "hashed-trigrams" },
    )) as [Comparison, Comparison];

    // The index was really used: every chunk embedded, and every question's search embedded too.
    const status = (await (await sb.admin("/api/admin/orgs/demo/embeddings")).json()) as { chunks: { total: number; embedded: number } };
    expect(status.chunks.embedded).toBe(status.chunks.total);
    expect(embeddings.requests.length).toBeGreaterThan(demo.n + typos.n);

    expect(demo.lost).toEqual([]);
    expect(demo.with.wrong).toBeLessThanOrEqual(demo.without.wrong);
    expect(demo.with.right).toBeGreaterThanOrEqual(demo.without.right);

    expect(typos.lost).toEqual([]);
    expect(typos.gained.length).toBeGreaterThan(0);
    expect(typos.with.wrong).toBeLessThanOrEqual(typos.without.wrong);
    expect(typos.with.retrieval!.hit3).toBeGreaterThan(typos.without.retrieval!.hit3);
    expect(typos.with.retrieval!.mrr).toBeGreaterThan(typos.without.retrieval!.mrr);
  });
});
