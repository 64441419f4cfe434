/**
 * Embeddings from any OpenAI-compatible `POST {baseURL}/embeddings` endpoint (OpenAI, Azure
 * OpenAI's compatible route, Ollama, vLLM, LM Studio, Together, …). Inputs are sent in
 * batches, every answer is checked (one vector per input, in order, all of the expected
 * dimension, finite numbers), and vectors come back unit length so cosine similarity is a
 * dot product. The caller passes `fetch`: the outbound-fetch guard, since the endpoint is a
 * URL a tenant chose.
 */

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface EmbeddingsConfig {
  /** Up to and including the version: "https://api.openai.com/v1", "http://localhost:11434/v1". */
  baseURL: string;
  apiKey?: string;
  model: string;
  /** Expected vector length; every answer is checked against it (learned from the first answer if unset). */
  dimensions?: number;
  /** Ask the endpoint for shorter vectors (OpenAI's text-embedding-3 `dimensions` parameter). */
  requestDimensions?: boolean;
  /** Inputs per request (default 64). */
  batchSize?: number;
  /** Characters of one input; longer inputs are cut (default 8000, ~2000 tokens). */
  maxInputChars?: number;
  /** Per-request time limit in ms (default 30 000). */
  timeoutMs?: number;
  fetch: FetchLike;
}

export type EmbeddingsErrorCode = "auth" | "rate_limited" | "bad_request" | "upstream" | "bad_response" | "dimension_mismatch" | "timeout" | "network";

export class EmbeddingsError extends Error {
  constructor(
    readonly code: EmbeddingsErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "EmbeddingsError";
  }
  /** Worth trying again later (a queue retry), as opposed to a configuration to fix. */
  get retryable(): boolean {
    return this.code === "rate_limited" || this.code === "upstream" || this.code === "timeout" || this.code === "network";
  }
}

export interface EmbeddingsResult {
  vectors: Float32Array[];
  /** Tokens the endpoint reports having used (0 if it does not say). */
  tokens: number;
}

export interface EmbeddingsClient {
  readonly model: string;
  /** The vector length: configured, or learned from the first answer. */
  readonly dimensions: number | undefined;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<EmbeddingsResult>;
}

const DEFAULT_BATCH = 64;
const DEFAULT_MAX_CHARS = 8000;
const DEFAULT_TIMEOUT_MS = 30_000;
/** An error body is read for its message up to this many bytes, never more. */
const ERROR_BODY_BYTES = 4096;

export function createEmbeddingsClient(config: EmbeddingsConfig): EmbeddingsClient {
  const endpoint = `${config.baseURL.replace(/\/+$/, "")}/embeddings`;
  const batchSize = Math.max(1, Math.min(config.batchSize ?? DEFAULT_BATCH, 2048));
  const maxChars = config.maxInputChars ?? DEFAULT_MAX_CHARS;
  let dimensions = config.dimensions;

  async function request(inputs: string[], signal?: AbortSignal): Promise<EmbeddingsResult> {
    const body: Record<string, unknown> = { model: config.model, input: inputs, encoding_format: "float" };
    if (config.requestDimensions && config.dimensions) body.dimensions = config.dimensions;
    const timeout = AbortSignal.timeout(config.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    let response: Response;
    try {
      response = await config.fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (timeout.aborted) throw new EmbeddingsError("timeout", `the embeddings endpoint did not answer within ${config.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`);
      if (signal?.aborted) throw error;
      throw new EmbeddingsError("network", `could not reach the embeddings endpoint: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!response.ok) throw await httpError(response);
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      throw new EmbeddingsError("bad_response", "the embeddings endpoint answered with something that is not JSON");
    }
    return readAnswer(json, inputs.length);
  }

  function readAnswer(json: unknown, expected: number): EmbeddingsResult {
    const data = (json as { data?: unknown })?.data;
    if (!Array.isArray(data)) throw new EmbeddingsError("bad_response", "the embeddings answer has no data list");
    if (data.length !== expected) throw new EmbeddingsError("bad_response", `asked for ${expected} embeddings, got ${data.length}`);
    const vectors: (Float32Array | undefined)[] = new Array(expected);
    data.forEach((item: { index?: unknown; embedding?: unknown }, position) => {
      const index = typeof item?.index === "number" ? item.index : position;
      if (!Number.isInteger(index) || index < 0 || index >= expected || vectors[index]) throw new EmbeddingsError("bad_response", `the embeddings answer has a bad or repeated index ${String(item?.index)}`);
      const values = item?.embedding;
      if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === "number" && Number.isFinite(v))) {
        throw new EmbeddingsError("bad_response", "an embedding is not a list of numbers (is the endpoint returning base64?)");
      }
      dimensions ??= values.length;
      if (values.length !== dimensions) throw new EmbeddingsError("dimension_mismatch", `expected vectors of ${dimensions} dimensions, got ${values.length} (was the model changed?)`);
      vectors[index] = normalize(Float32Array.from(values));
    });
    const usage = (json as { usage?: { total_tokens?: unknown; prompt_tokens?: unknown } }).usage;
    const tokens = Number(usage?.total_tokens ?? usage?.prompt_tokens ?? 0);
    return { vectors: vectors as Float32Array[], tokens: Number.isFinite(tokens) ? tokens : 0 };
  }

  return {
    model: config.model,
    get dimensions() {
      return dimensions;
    },
    async embed(texts, signal) {
      // Endpoints refuse empty strings; a blank chunk still needs a vector to keep positions.
      const inputs = texts.map((t) => (t.length > maxChars ? t.slice(0, maxChars) : t).trim() || " ");
      const vectors: Float32Array[] = [];
      let tokens = 0;
      for (let i = 0; i < inputs.length; i += batchSize) {
        const result = await request(inputs.slice(i, i + batchSize), signal);
        vectors.push(...result.vectors);
        tokens += result.tokens;
      }
      return { vectors, tokens };
    },
  };
}

async function httpError(response: Response): Promise<EmbeddingsError> {
  let message = "";
  try {
    const reader = response.body?.getReader();
    let text = "";
    if (reader) {
      const decoder = new TextDecoder();
      while (text.length < ERROR_BODY_BYTES) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      await reader.cancel().catch(() => undefined);
    }
    const parsed = JSON.parse(text.slice(0, ERROR_BODY_BYTES)) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof m === "string") message = m.slice(0, 300);
  } catch {
    // An error page that is not JSON: the status says enough.
  }
  const s = response.status;
  const detail = message ? `: ${message}` : "";
  if (s === 401 || s === 403) return new EmbeddingsError("auth", `the embeddings endpoint refused the key (${s})${detail}`, s);
  if (s === 429) return new EmbeddingsError("rate_limited", `the embeddings endpoint is rate limiting (429)${detail}`, s);
  if (s >= 500) return new EmbeddingsError("upstream", `the embeddings endpoint failed (${s})${detail}`, s);
  return new EmbeddingsError("bad_request", `the embeddings endpoint refused the request (${s})${detail}`, s);
}

/** The vector scaled to length 1 (a zero vector stays zero). */
export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0 && Math.abs(norm - 1) > 1e-6) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

export function dot(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

/** Cosine similarity of any two vectors (for unit vectors, `dot` is the same and cheaper). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa && bb ? ab / Math.sqrt(aa * bb) : 0;
}

/** Little-endian float32 bytes, as stored in `knowledge_embeddings.vector`. */
export function vectorToBytes(v: Float32Array): Uint8Array {
  const out = new Uint8Array(v.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i]!, true);
  return out;
}

export function bytesToVector(bytes: ArrayBuffer | Uint8Array | number[]): Float32Array {
  const u8 = bytes instanceof Uint8Array ? bytes : bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : Uint8Array.from(bytes);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const out = new Float32Array(Math.floor(u8.byteLength / 4));
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** What is embedded for a chunk: its document title and heading give the text its subject. */
export function embeddingInput(chunk: { text: string; heading?: string | null }, title: string): string {
  const head = chunk.heading && chunk.heading !== title ? `${title} › ${chunk.heading}` : title;
  return `${head}\n\n${chunk.text}`;
}
