/**
 * The optional embedding index, in workerd against real D1: the OpenAI-compatible embeddings
 * client (batching, order, dimension checks, every failure an endpoint can produce), the exact
 * in-Worker index (org/collection/model scoping, refusing collections too large for it), the
 * Vectorize index's calls (Vectorize has no local simulation: a recording stand-in checks what
 * it is asked), reciprocal rank fusion, and the retrieval gain of BM25 + vectors over BM25.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createEmbeddingsClient, EmbeddingsError, bytesToVector, dot, embeddingInput, vectorToBytes, type EmbeddingsConfig } from "../../worker/knowledge/embeddings";
import { reciprocalRankFusion, RRF_K } from "../../worker/knowledge/fusion";
import { documentChunks, ingestSections } from "../../worker/knowledge/store";
import { ExactVectorIndex, selectVectorIndex, VectorIndexError, VectorizeVectorIndex, type VectorRecord } from "../../worker/knowledge/vector-index";
import { embeddingsHandler, HASHED_DIMS, type EmbeddingsScript } from "../helpers/hashed-embeddings";

const db = (env as unknown as { DB: D1Database }).DB;
const BASE = "https://embeddings.test/v1";

function client(script: EmbeddingsScript = {}, config: Partial<EmbeddingsConfig> = {}) {
  const server = embeddingsHandler(script);
  return { server, client: createEmbeddingsClient({ baseURL: BASE, model: "hash-256", fetch: (url, init) => server.fetch(url, init), ...config }) };
}

async function failure(p: Promise<unknown>): Promise<EmbeddingsError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(EmbeddingsError);
  return e as EmbeddingsError;
}

describe("embeddings client", () => {
  it("batches, keeps order, sends the key, returns unit vectors and the tokens used", async () => {
    const { server, client: c } = client({ apiKey: "sk-test", maxBatch: 3 }, { apiKey: "sk-test", batchSize: 3, baseURL: `${BASE}/` });
    const texts = ["reset your password", "invoices and billing", "", "export notes to markdown", "x".repeat(10_000), "dark mode", "sync across devices"];
    const { vectors, tokens } = await c.embed(texts);
    expect(server.requests.map((r) => r.input.length)).toEqual([3, 3, 1]);
    expect(server.requests.every((r) => r.authorization === "Bearer sk-test" && r.model === "hash-256")).toBe(true);
    expect(server.requests[0]!.input[2]).toBe(" "); // endpoints refuse empty strings
    expect(server.requests[1]!.input[1]).toHaveLength(8000); // long inputs are cut
    expect(vectors).toHaveLength(7);
    expect(c.dimensions).toBe(HASHED_DIMS);
    for (const v of vectors) expect(Math.abs(dot(v, v) - 1) < 1e-4 || dot(v, v) === 0).toBe(true);
    expect(tokens).toBeGreaterThan(10);
    // Similar texts are closer than unrelated ones.
    const [q] = (await c.embed(["how do I reset my password?"])).vectors;
    expect(dot(q!, vectors[0]!)).toBeGreaterThan(dot(q!, vectors[1]!));
  });

  it("puts vectors back in input order by their index", async () => {
    const plain = await client().client.embed(["alpha beta", "gamma delta"]);
    const shuffled = await client({ corrupt: "shuffled" }).client.embed(["alpha beta", "gamma delta"]);
    expect(Array.from(shuffled.vectors[0]!)).toEqual(Array.from(plain.vectors[0]!));
    expect(Array.from(shuffled.vectors[1]!)).toEqual(Array.from(plain.vectors[1]!));
  });

  it("asks for shorter vectors when told to, and checks the length of every answer", async () => {
    const { server, client: c } = client({}, { dimensions: 64, requestDimensions: true });
    expect((await c.embed(["a b c"])).vectors[0]).toHaveLength(64);
    expect(server.requests[0]!.dimensions).toBe(64);
    const wrongModel = await failure(client({}, { dimensions: 1536 }).client.embed(["a"]));
    expect([wrongModel.code, wrongModel.retryable]).toEqual(["dimension_mismatch", false]);
    expect(wrongModel.message).toMatch(/1536 dimensions, got 256/);
    expect((await failure(client({ corrupt: "wrong-dims" }).client.embed(["a", "b"]))).code).toBe("dimension_mismatch");
  });

  it("turns every failure into a typed error that says whether to retry", async () => {
    const cases: [EmbeddingsScript, string, boolean, RegExp][] = [
      [{ apiKey: "right" }, "auth", false, /refused the key \(401\): Incorrect API key/],
      [{ failWith: { status: 429, message: "slow down" } }, "rate_limited", true, /429/],
      [{ failWith: { status: 503 } }, "upstream", true, /503/],
      [{ maxBatch: 1 }, "bad_request", false, /at most 1 inputs/],
      [{ corrupt: "drop-one" }, "bad_response", false, /asked for 2 embeddings, got 1/],
      [{ corrupt: "not-json" }, "bad_response", false, /not JSON/],
    ];
    for (const [script, code, retryable, message] of cases) {
      const e = await failure(client(script, { apiKey: "wrong" }).client.embed(["one", "two"]));
      expect([e.code, e.retryable], JSON.stringify(script)).toEqual([code, retryable]);
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain("wrong"); // the key never appears in an error
    }
    const down = createEmbeddingsClient({ baseURL: BASE, model: "m", fetch: async () => Promise.reject(new TypeError("connection refused")) });
    expect((await failure(down.embed(["x"]))).code).toBe("network");
    const stuck = createEmbeddingsClient({ baseURL: BASE, model: "m", timeoutMs: 50, fetch: (_u, init) => new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason))) });
    expect((await failure(stuck.embed(["x"]))).code).toBe("timeout");
    const second = client({ failRequest: { index: 1, status: 500 } }, { batchSize: 1 });
    expect((await failure(second.client.embed(["a", "b", "c"]))).code).toBe("upstream");
    expect(second.server.requests).toHaveLength(2); // stops at the first failure
  });

  it("stores vectors as little-endian float32 and embeds a chunk with its title and heading", () => {
    const v = Float32Array.from([0.5, -0.25, 1e-7]);
    expect(Array.from(bytesToVector(vectorToBytes(v)))).toEqual(Array.from(v));
    expect(Array.from(bytesToVector(Array.from(vectorToBytes(v))))).toEqual(Array.from(v));
    expect(embeddingInput({ text: "Within 30 days.", heading: "Refunds" }, "Handbook")).toBe("Handbook › Refunds\n\nWithin 30 days.");
    expect(embeddingInput({ text: "Yes.", heading: "Is it free?" }, "Is it free?")).toBe("Is it free?\n\nYes.");
  });
});

function vec(values: number[]): Float32Array {
  return Float32Array.from(values);
}

/** Real chunks to hang vectors on (embeddings reference their chunk). */
async function chunksOf(orgId: string, collectionId: string, source: string, count: number): Promise<{ documentId: string; ids: number[] }> {
  const r = await ingestSections(db, { orgId, collectionId, source, title: source, sections: Array.from({ length: count }, (_, i) => ({ text: `${source} part ${i}` })) });
  return { documentId: r.id, ids: (await documentChunks(db, orgId, r.id)).map((c) => c.id) };
}

describe("exact vector index (D1)", () => {
  it("finds the nearest chunks within one org's collections and one model", async () => {
    const index = new ExactVectorIndex(db, "toy-3");
    const help = await chunksOf("org-x", "help", "x-help", 3);
    const internal = await chunksOf("org-x", "internal", "x-internal", 1);
    const other = await chunksOf("org-y", "help", "y-help", 1);
    const [a, b, e] = help.ids as [number, number, number];
    const c = internal.ids[0]!;
    const d = other.ids[0]!;
    const records: VectorRecord[] = [
      { chunkId: a, documentId: help.documentId, orgId: "org-x", collectionId: "help", vector: vec([1, 0, 0]) },
      { chunkId: b, documentId: help.documentId, orgId: "org-x", collectionId: "help", vector: vec([0.8, 0.6, 0]) },
      { chunkId: c, documentId: internal.documentId, orgId: "org-x", collectionId: "internal", vector: vec([1, 0, 0]) },
      { chunkId: d, documentId: other.documentId, orgId: "org-y", collectionId: "help", vector: vec([1, 0, 0]) },
      { chunkId: e, documentId: help.documentId, orgId: "org-x", collectionId: "help", vector: vec([0, 0, 5]) },
    ];
    await index.upsert(records);
    const hits = await index.query(vec([2, 0, 0]), { orgId: "org-x", collections: ["help"], topK: 2 });
    expect(hits.map((h) => h.chunkId)).toEqual([a, b]);
    expect(hits[0]!.score).toBeCloseTo(1, 5);
    expect(hits[1]!.score).toBeCloseTo(0.8, 5);
    expect((await index.query(vec([1, 0, 0]), { orgId: "org-x", collections: ["help", "internal"], topK: 5 })).map((h) => h.chunkId)).toEqual([Math.min(a, c), Math.max(a, c), b, e]);
    expect(await index.query(vec([1, 0, 0]), { orgId: "org-x", collections: [], topK: 5 })).toEqual([]);
    expect(await new ExactVectorIndex(db, "another-model").query(vec([1, 0, 0]), { orgId: "org-x", collections: ["help"], topK: 5 })).toEqual([]);

    // Upserting again replaces; deleting removes.
    await index.upsert([{ ...records[4]!, vector: vec([1, 0.01, 0]) }]);
    expect((await index.query(vec([1, 0, 0]), { orgId: "org-x", collections: ["help"], topK: 1 }))[0]!.chunkId).toBe(a);
    expect((await index.query(vec([1, 0, 0]), { orgId: "org-x", collections: ["help"], topK: 2 }))[1]!.chunkId).toBe(e);
    await index.deleteChunks("org-x", [e, d]);
    expect((await index.query(vec([1, 0, 0]), { orgId: "org-x", collections: ["help"], topK: 5 })).map((h) => h.chunkId)).toEqual([a, b]);
    // Another org's delete cannot touch org-y's vectors.
    expect((await index.query(vec([1, 0, 0]), { orgId: "org-y", collections: ["help"], topK: 5 })).map((h) => h.chunkId)).toEqual([d]);

    await expect(index.query(vec([1, 0]), { orgId: "org-x", collections: ["help"], topK: 1 })).rejects.toMatchObject({ code: "dimension_mismatch" });
    const small = new ExactVectorIndex(db, "toy-3", 1);
    const tooLarge = await small.query(vec([1, 0, 0]), { orgId: "org-x", collections: ["help"], topK: 1 }).then(() => null, (e: unknown) => e);
    expect(tooLarge).toBeInstanceOf(VectorIndexError);
    expect((tooLarge as VectorIndexError).code).toBe("too_large");
  });

  it("pages through more vectors than one read holds", async () => {
    const index = new ExactVectorIndex(db, "paging");
    const { documentId, ids } = await chunksOf("org-p", "c", "big", 600);
    const records = ids.map((chunkId, i): VectorRecord => ({ chunkId, documentId, orgId: "org-p", collectionId: "c", vector: vec([Math.cos(i / 100), Math.sin(i / 100)]) }));
    await index.upsert(records);
    const hits = await index.query(vec([Math.cos(5.55), Math.sin(5.55)]), { orgId: "org-p", collections: ["c"], topK: 3 });
    expect(hits.map((h) => ids.indexOf(h.chunkId)).sort()).toEqual([554, 555, 556]);
  });
});

describe("Vectorize index", () => {
  it("keeps each org in its own namespace and filters collections by metadata", async () => {
    const calls: { op: string; args: unknown[] }[] = [];
    const standIn = {
      upsert: async (...args: unknown[]) => (calls.push({ op: "upsert", args }), { mutationId: "m1" }),
      deleteByIds: async (...args: unknown[]) => (calls.push({ op: "deleteByIds", args }), { mutationId: "m2" }),
      query: async (...args: unknown[]) => (calls.push({ op: "query", args }), { count: 2, matches: [{ id: "17", score: 0.9 }, { id: "not-a-chunk", score: 0.5 }, { id: "4", score: 0.4 }] }),
    } as unknown as Vectorize;
    const index = new VectorizeVectorIndex(standIn, "text-embedding-3-small");
    await index.upsert(Array.from({ length: 1001 }, (_, i) => ({ chunkId: i, documentId: "d", orgId: "org-z", collectionId: "help", vector: vec([3, 4]) })));
    expect(calls.map((c) => c.op)).toEqual(["upsert", "upsert"]);
    const first = (calls[0]!.args[0] as VectorizeVector[])[0]!;
    expect(first).toEqual({ id: "0", values: [0.6000000238418579, 0.800000011920929], namespace: "org-z", metadata: { collection_id: "help", document_id: "d" } });

    expect(await index.query(vec([1, 0]), { orgId: "org-z", collections: ["help", "faq"], topK: 500 })).toEqual([{ chunkId: 17, score: 0.9 }, { chunkId: 4, score: 0.4 }]);
    expect(calls[2]!.args[1]).toEqual({ topK: 100, namespace: "org-z", returnValues: false, returnMetadata: "none", filter: { collection_id: { $in: ["help", "faq"] } } });
    await index.query(vec([1, 0]), { orgId: "org-z", collections: ["help"], topK: 5 });
    expect((calls[3]!.args[1] as VectorizeQueryOptions).filter).toEqual({ collection_id: "help" });
    await index.deleteChunks("org-z", [1, 2, 3]);
    expect(calls[4]).toEqual({ op: "deleteByIds", args: [["1", "2", "3"]] });

    expect(selectVectorIndex({ DB: db }, "m").kind).toBe("exact");
    expect(selectVectorIndex({ DB: db, VECTORIZE: standIn }, "m").kind).toBe("vectorize");
  });
});

describe("reciprocal rank fusion", () => {
  it("sums 1/(k + rank) over lists, so agreement beats one list's first place", () => {
    const bm25 = ["a", "b", "c"];
    const vectors = ["d", "b", "a"];
    const fused = reciprocalRankFusion([bm25, vectors], (x) => x);
    expect(RRF_K).toBe(60);
    expect(fused.map((f) => f.key)).toEqual(["a", "b", "d", "c"]);
    expect(fused[0]!.score).toBeCloseTo(1 / 61 + 1 / 63, 10);
    expect(fused[0]!.ranks).toEqual([1, 3]);
    expect(fused.find((f) => f.key === "c")!.ranks).toEqual([3, null]);
    expect(reciprocalRankFusion([bm25, vectors], (x) => x, { weights: [0, 1] }).map((f) => f.key).slice(0, 3)).toEqual(["d", "b", "a"]);
    expect(reciprocalRankFusion([["x", "x", "y"]], (s) => s, { limit: 1 })).toEqual([{ key: "x", item: "x", score: 1 / 61, ranks: [1] }]);
    expect(reciprocalRankFusion([[], []], (s: string) => s)).toEqual([]);
  });
});

/** A dozen help articles and questions a visitor types — some with typos and other word forms. */
const ARTICLES: [string, string][] = [
  ["Resetting your password", "Use the Forgot password link on the sign-in page. The reset link is valid for one hour."],
  ["Exporting notes", "Export any notebook as Markdown or PDF from File, Export."],
  ["Refund policy", "Refunds are possible within 30 days of a charge, back to the original card."],
  ["Two-factor authentication", "Turn on 2FA with an authenticator app under Security settings."],
  ["Sharing a notebook", "Invite collaborators by email; they can view or edit."],
  ["Offline mode", "Notes are kept on the device and synchronised when the connection returns."],
  ["Deleting your account", "Account deletion is permanent after 14 days; data is erased."],
  ["Keyboard shortcuts", "Press Ctrl K to open the command palette and search everything."],
  ["Importing from Evernote", "Import ENEX files from Evernote with the importer wizard."],
  ["Changing your plan", "Upgrade or downgrade the subscription plan on the Billing page."],
  ["Dark mode", "Switch between light and dark appearance in Preferences."],
  ["Attachments limits", "Each attachment can be up to 25 MB on the free plan."],
];
const QUESTIONS: [string, string][] = [
  ["forgoten pasword", "Resetting your password"],
  ["exprot notebok", "Exporting notes"],
  ["refnds", "Refund policy"],
  ["two-factr autentication", "Two-factor authentication"],
  ["ofline synchronisation", "Offline mode"],
  ["acount deletion", "Deleting your account"],
  ["keybord shortcts", "Keyboard shortcuts"],
  ["evernot improt", "Importing from Evernote"],
  ["downgrde subscripton", "Changing your plan"],
  ["drak apperance", "Dark mode"],
];
const ftsQuery = (q: string) => (q.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => w.length > 2).map((w) => `"${w}"`).join(" OR ");

describe("retrieval with embeddings", () => {
  it("BM25 fused with vectors finds more of the right articles than BM25 alone", async () => {
    const { client: embedder } = client();
    const index = new ExactVectorIndex(db, embedder.model);
    const titleOfChunk = new Map<number, string>();
    for (const [title, text] of ARTICLES) {
      const r = await ingestSections(db, { orgId: "org-eval", collectionId: "help", source: title, title, sections: [{ text }] });
      const chunks = await documentChunks(db, "org-eval", r.id);
      const { vectors } = await embedder.embed(chunks.map((c) => embeddingInput(c, title)));
      await index.upsert(chunks.map((c, i) => ({ chunkId: c.id, documentId: r.id, orgId: "org-eval", collectionId: "help", vector: vectors[i]! })));
      for (const c of chunks) titleOfChunk.set(c.id, title);
    }
    const reciprocal = (ranked: number[], want: string) => {
      const at = ranked.findIndex((id) => titleOfChunk.get(id) === want);
      return at < 0 || at >= 3 ? 0 : 1 / (at + 1);
    };
    let bm25Score = 0;
    let fusedScore = 0;
    let vectorScore = 0;
    for (const [question, want] of QUESTIONS) {
      const bm25 = await db
        .prepare("SELECT f.chunk_id AS id FROM knowledge_fts f WHERE knowledge_fts MATCH ? AND f.org_id = ? AND f.collection_id = ? ORDER BY bm25(knowledge_fts, 2.0, 1.0) LIMIT 10")
        .bind(ftsQuery(question), "org-eval", "help")
        .all<{ id: number }>();
      const bm25Ids = bm25.results.map((r) => Number(r.id));
      const [q] = (await embedder.embed([question])).vectors;
      const vectorIds = (await index.query(q!, { orgId: "org-eval", collections: ["help"], topK: 10 })).map((m) => m.chunkId);
      const fused = reciprocalRankFusion([bm25Ids, vectorIds], String).map((f) => f.item);
      bm25Score += reciprocal(bm25Ids, want);
      vectorScore += reciprocal(vectorIds, want);
      fusedScore += reciprocal(fused, want);
    }
    const n = QUESTIONS.length;
    // MRR@3 over the questions (measured: BM25 0.40, vectors 0.93, fused 0.93): typos defeat
    // exact words but not letter trigrams, and fusion keeps what either list found.
    expect(bm25Score / n).toBeLessThan(0.6);
    expect(fusedScore / n).toBeGreaterThanOrEqual(0.85);
    expect(fusedScore / n - bm25Score / n).toBeGreaterThan(0.3);
    expect(fusedScore / n).toBeGreaterThanOrEqual(vectorScore / n - 0.1);
  });
});
