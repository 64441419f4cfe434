/**
 * The scripted embeddings endpoint over real HTTP on loopback, driven by the worker's own
 * embeddings client (here under Node's fetch): the wire format later suites point the worker
 * at, and a failure scripted on the server arriving as the client's typed error.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createEmbeddingsClient, dot, EmbeddingsError } from "../worker/knowledge/embeddings";
import { startEmbeddingsServer, type EmbeddingsServer } from "./helpers/embeddings-server";

let server: EmbeddingsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("scripted embeddings server", () => {
  it("answers POST /v1/embeddings with deterministic vectors, similar texts close", async () => {
    server = await startEmbeddingsServer({ apiKey: "sk-loop", dims: 128 });
    const client = createEmbeddingsClient({ baseURL: server.baseURL, apiKey: "sk-loop", model: "hashed", batchSize: 2, fetch: (url, init) => fetch(url, init) });
    const texts = ["How do I reset my password?", "Resetting your password", "Invoices are issued monthly"];
    const first = await client.embed(texts);
    const again = await client.embed(texts);
    expect(server.requests.map((r) => r.input.length)).toEqual([2, 1, 2, 1]);
    expect(server.requests[0]).toMatchObject({ model: "hashed", authorization: "Bearer sk-loop" });
    expect(first.vectors.map((v) => v.length)).toEqual([128, 128, 128]);
    expect(Array.from(again.vectors[2]!)).toEqual(Array.from(first.vectors[2]!));
    const [question, answer, other] = first.vectors as [Float32Array, Float32Array, Float32Array];
    expect(dot(question, answer)).toBeGreaterThan(dot(question, other) + 0.2);
  });

  it("a scripted failure reaches the client as a typed, retryable error", async () => {
    server = await startEmbeddingsServer({ failWith: { status: 429, message: "slow down" } });
    const client = createEmbeddingsClient({ baseURL: server.baseURL, model: "hashed", fetch: (url, init) => fetch(url, init) });
    const error = await client.embed(["x"]).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingsError);
    expect(error).toMatchObject({ code: "rate_limited", status: 429, retryable: true, message: expect.stringContaining("slow down") });
  });
});
