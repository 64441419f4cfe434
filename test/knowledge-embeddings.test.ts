/**
 * An org's embedding index through the admin API, against the scripted embeddings server on
 * loopback: turned on only for an endpoint the outbound guard allows and that answers with
 * the org's key (from its secrets); every chunk embedded in the background, new documents
 * as they arrive, vectors replaced and deleted with their documents; a misspelt question
 * BM25 alone cannot find is answered once it is on; a failing endpoint at question time
 * leaves BM25's answer; turned off, the vectors are gone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestJob } from "../shared/knowledge";
import { startEmbeddingsServer, type EmbeddingsServer } from "./helpers/embeddings-server";
import { finished, knowledgeOrg } from "./helpers/knowledge";
import { send, startConversation, startSwitchboard, type Switchboard } from "./helpers/switchboard";

let sb: Switchboard;
let endpoint: EmbeddingsServer;
let closed: EmbeddingsServer;
const ORG = "vectors";

const ARTICLES = [
  { title: "Payment methods", content: "We accept Visa, Mastercard, American Express and PayPal. Team plans can also pay by bank transfer on yearly billing." },
  { title: "Exporting notes", content: "Open Settings, then Account, then Export. Choose Markdown, HTML or PDF; large exports are emailed as a download link." },
  { title: "Two-factor sign-in", content: "Turn on two-factor authentication with an authenticator app or a security key under Settings, then Security." },
  { title: "Crash reports", content: "If the app crashes, send diagnostics from Help, then Send diagnostics, and say what you were doing." },
];

beforeAll(async () => {
  endpoint = await startEmbeddingsServer({ apiKey: "emb-key-123" });
  // A second server, opened too, that is shut before the suite uses it: an endpoint that does not answer.
  closed = await startEmbeddingsServer();
  sb = await startSwitchboard({ allowPrivate: [endpoint.baseURL, closed.baseURL] });
  await knowledgeOrg(sb, ORG, ["kb"]);
  for (const a of ARTICLES) {
    const res = await sb.admin(`/api/admin/orgs/${ORG}/collections/kb/documents`, { method: "POST", body: JSON.stringify({ format: "text", ...a }) });
    if (res.status !== 201) throw new Error(`ingest: ${res.status} ${await res.text()}`);
  }
});
afterAll(async () => {
  await sb?.close();
  await endpoint?.close();
});

const api = (method: string, path: string, body?: unknown) => sb.admin(`/api/admin/orgs/${ORG}${path}`, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
const errorOf = async (res: Response) => ({ status: res.status, ...((await res.json()) as { error: { code: string; message: string } }).error });
const vectorCount = async (where = "1 = 1", ...binds: unknown[]) =>
  ((await sb.db.prepare(`SELECT COUNT(*) AS n FROM knowledge_embeddings WHERE org_id = ? AND ${where}`).bind(ORG, ...binds).first<{ n: number }>())?.n ?? 0);

async function ask(question: string) {
  const conv = await startConversation(sb, ORG);
  return (await send(sb, conv, question)).reply!;
}

describe("the embedding index", () => {
  it("is refused for a URL the guard refuses, a secret not set, or an endpoint that refuses the key", async () => {
    expect(await errorOf(await api("PUT", "/embeddings", { baseURL: "http://127.0.0.1:9/v1", model: "m" }))).toMatchObject({ status: 400, code: "url_refused" });
    expect(await errorOf(await api("PUT", "/embeddings", { baseURL: endpoint.baseURL, model: "m", apiKeySecret: "EMBEDDINGS_KEY" }))).toMatchObject({ status: 422, code: "secret_missing" });
    await sb.putSecret(ORG, "EMBEDDINGS_KEY", "not-the-key");
    const refused = await errorOf(await api("PUT", "/embeddings", { baseURL: endpoint.baseURL, model: "m", apiKeySecret: "EMBEDDINGS_KEY" }));
    expect(refused).toMatchObject({ status: 422, code: "embeddings_failed" });
    expect(refused.message).toContain("refused the key (401)");
    // Naming a secret sends it to the endpoint: a token that may not manage secrets may not name one.
    const issued = (await (await sb.admin("/api/admin/tokens", { method: "POST", body: JSON.stringify({ name: "kb", orgId: ORG, scopes: ["knowledge:write"] }) })).json()) as { token: string };
    const named = await sb.fetch(`/api/admin/orgs/${ORG}/embeddings`, {
      method: "PUT",
      headers: { authorization: `Bearer ${issued.token}`, "content-type": "application/json" },
      body: JSON.stringify({ baseURL: "https://attacker.example/v1", model: "m", apiKeySecret: "EMBEDDINGS_KEY" }),
    });
    expect(await errorOf(named)).toMatchObject({ status: 403, code: "forbidden" });
    expect(await (await api("GET", "/embeddings")).json()).toMatchObject({ embeddings: null, index: "exact", chunks: { embedded: 0 } });
    expect(await vectorCount()).toBe(0);
  });

  it("turned on: every chunk embedded in the background with the org's key, and a misspelt question answered that BM25 alone could not", async () => {
    const before = await ask("amercan exprss?");
    expect(before.sources ?? []).toEqual([]);

    await sb.putSecret(ORG, "EMBEDDINGS_KEY", "emb-key-123");
    const mark = endpoint.requests.length;
    const res = await api("PUT", "/embeddings", { baseURL: endpoint.baseURL, model: "hashed-trigrams", apiKeySecret: "EMBEDDINGS_KEY" });
    expect(res.status).toBe(200);
    const { job } = (await res.json()) as { job: IngestJob };
    expect(job).toMatchObject({ kind: "embed", collection: null });
    expect(await finished(sb, ORG, job.id)).toMatchObject({ status: "done", progress: { done: 4, total: 4 } });
    expect(await (await api("GET", "/embeddings")).json()).toMatchObject({
      embeddings: { baseURL: endpoint.baseURL, model: "hashed-trigrams", apiKeySecret: "EMBEDDINGS_KEY" },
      chunks: { total: 4, embedded: 4 },
    });
    expect(endpoint.requests.slice(mark).every((r) => r.authorization === "Bearer emb-key-123" && r.model === "hashed-trigrams")).toBe(true);
    // What is embedded is each chunk under its document's title.
    expect(endpoint.requests.flatMap((r) => r.input)).toContain(`Payment methods\n\n${ARTICLES[0]!.content}`);

    const after = await ask("amercan exprss?");
    expect(after.sources?.[0]?.title).toBe("Payment methods");
    expect(after.text).toContain("American Express");
    // The question itself went to the endpoint (a search embeds it).
    expect(endpoint.requests.some((r) => r.input.some((i) => i.includes("amercan exprss")))).toBe(true);
  });

  it("embeds new documents as they arrive, replaces a changed one's vectors, and deletes them with it", async () => {
    const res = await api("POST", "/collections/kb/documents", { format: "text", title: "Offline notebooks", content: "Mark a notebook as available offline from its menu; changes sync when you are back online.", source: "offline" });
    const { documents } = (await res.json()) as { documents: { id: string; chunks: number }[] };
    const id = documents[0]!.id;
    expect(await vectorCount("document_id = ?", id)).toBe(documents[0]!.chunks);
    const oldChunks = await sb.db.prepare("SELECT id FROM knowledge_chunks WHERE document_id = ?").bind(id).all<{ id: number }>();

    await api("POST", "/collections/kb/documents", { format: "text", title: "Offline notebooks", content: "Offline notebooks are for Pro and Team. Mark one from its menu.", source: "offline" });
    const stale = await sb.db.prepare(`SELECT COUNT(*) AS n FROM knowledge_embeddings WHERE chunk_id IN (${oldChunks.results.map((c) => c.id).join(",")})`).first<{ n: number }>();
    expect(stale?.n).toBe(0);
    expect(await vectorCount("document_id = ?", id)).toBe(1);

    expect((await api("DELETE", `/collections/kb/documents/${id}`)).status).toBe(200);
    expect(await vectorCount("document_id = ?", id)).toBe(0);
    expect(await vectorCount()).toBe(4);
  });

  it("an endpoint that stops answering leaves BM25's answers; turned off, the vectors are gone", async () => {
    // Point the org at the second endpoint (it answers now), then shut it: questions still get BM25's answer.
    await closed.close().catch(() => {});
    const shut = await errorOf(await api("PUT", "/embeddings", { baseURL: closed.baseURL, model: "hashed-trigrams" }));
    expect(shut).toMatchObject({ status: 422, code: "embeddings_failed" });
    // Settings unchanged by a refused PUT: still the working endpoint.
    expect(((await (await api("GET", "/embeddings")).json()) as { embeddings: { baseURL: string } }).embeddings.baseURL).toBe(endpoint.baseURL);
    await endpoint.close();
    const answer = await ask("How do I send diagnostics after a crash?");
    expect(answer.sources?.[0]?.title).toBe("Crash reports");

    expect(await (await api("DELETE", "/embeddings")).json()).toEqual({ deleted: true });
    expect(await vectorCount()).toBe(0);
    expect(await (await api("GET", "/embeddings")).json()).toMatchObject({ embeddings: null });
    expect((await ask("amercan exprss?")).sources ?? []).toEqual([]);
  });
});
