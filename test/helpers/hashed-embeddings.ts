/**
 * The scripted embeddings "model" behind `embeddings-server.ts`: an OpenAI-compatible
 * `POST /v1/embeddings` answered with deterministic vectors — hashed bags of words and
 * character trigrams — so texts that share words (or most of their letters, as a typo does)
 * are close, and unrelated texts are not. No network and no Node built-ins here, so the same
 * handler serves workerd tests as a `fetch` function and Node tests through a loopback server.
 */

export const HASHED_DIMS = 256;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const STOP = new Set("a an and are as at be by can do does for from how i in is it my of on or the to what when where which who why with you your".split(" "));

/** Words count 1 each, their letter trigrams ⅓ each; signed hashing into `dims` buckets, unit length. */
export function hashedEmbedding(text: string, dims = HASHED_DIMS): number[] {
  const v = new Float64Array(dims);
  const add = (feature: string, weight: number) => {
    const h = fnv1a(feature);
    v[h % dims]! += (h & 0x80000000 ? -1 : 1) * weight;
  };
  for (const word of text.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (STOP.has(word)) continue;
    add(`w:${word}`, 1);
    const padded = `^${word}$`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, 1 / 3);
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return Array.from(v, (x) => x / norm);
}

export interface EmbeddingsScript {
  dims?: number;
  /** Require `Authorization: Bearer <apiKey>` (401 otherwise). */
  apiKey?: string;
  /** Refuse requests with more inputs than this (400), as real endpoints do. */
  maxBatch?: number;
  /** Answer every request with this status and an OpenAI-style error body. */
  failWith?: { status: number; message?: string };
  /** Answer the n-th request (0-based) with this status instead. */
  failRequest?: { index: number; status: number; message?: string };
  /** Break the answer: one vector too few, or vectors of another length, or out of order. */
  corrupt?: "drop-one" | "wrong-dims" | "shuffled" | "not-json";
}

export interface RecordedEmbeddingsRequest {
  model: string;
  input: string[];
  dimensions?: number;
  authorization: string | null;
}

export interface EmbeddingsHandler {
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  requests: RecordedEmbeddingsRequest[];
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export function embeddingsHandler(script: EmbeddingsScript = {}): EmbeddingsHandler {
  const requests: RecordedEmbeddingsRequest[] = [];
  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (request.method !== "POST" || !url.pathname.endsWith("/embeddings")) return json(404, { error: { message: "not found" } });
    const authorization = request.headers.get("authorization");
    let body: { model?: unknown; input?: unknown; dimensions?: unknown };
    try {
      body = (await request.json()) as typeof body;
    } catch {
      return json(400, { error: { message: "body is not JSON" } });
    }
    const input = typeof body.input === "string" ? [body.input] : body.input;
    if (!Array.isArray(input) || !input.every((s) => typeof s === "string" && s.length > 0)) return json(400, { error: { message: "input must be a non-empty string or a list of them" } });
    const index = requests.length;
    requests.push({ model: String(body.model), input, ...(typeof body.dimensions === "number" ? { dimensions: body.dimensions } : {}), authorization });
    if (script.apiKey && authorization !== `Bearer ${script.apiKey}`) return json(401, { error: { message: "Incorrect API key provided" } });
    if (script.failWith) return json(script.failWith.status, { error: { message: script.failWith.message ?? "scripted failure" } });
    if (script.failRequest?.index === index) return json(script.failRequest.status, { error: { message: script.failRequest.message ?? "scripted failure" } });
    if (script.maxBatch && input.length > script.maxBatch) return json(400, { error: { message: `at most ${script.maxBatch} inputs per request` } });
    if (script.corrupt === "not-json") return new Response("<html>oops</html>", { status: 200, headers: { "content-type": "text/html" } });
    const dims = typeof body.dimensions === "number" ? body.dimensions : (script.dims ?? HASHED_DIMS);
    let data = input.map((text, i) => ({ object: "embedding", index: i, embedding: hashedEmbedding(text, script.corrupt === "wrong-dims" && i === input.length - 1 ? dims + 1 : dims) }));
    if (script.corrupt === "drop-one") data = data.slice(1);
    if (script.corrupt === "shuffled") data = [...data].reverse();
    const tokens = input.reduce((n, s) => n + (s.match(/\S+/g)?.length ?? 0), 0);
    return json(200, { object: "list", model: body.model, data, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  };
  return {
    requests,
    fetch: (input, init) => handle(input instanceof Request && !init ? input : new Request(input, init)),
  };
}
