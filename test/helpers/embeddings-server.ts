/**
 * The scripted embeddings endpoint on loopback (for tests that run the worker in workerd
 * and point it at a real URL): `hashed-embeddings.ts` behind a Node HTTP server, speaking
 * OpenAI's `POST /v1/embeddings`.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { embeddingsHandler, type EmbeddingsScript, type RecordedEmbeddingsRequest } from "./hashed-embeddings";

export { hashedEmbedding, HASHED_DIMS, type EmbeddingsScript } from "./hashed-embeddings";

export interface EmbeddingsServer {
  /** Base URL including `/v1`, as `OPENAI_BASE_URL`-style settings expect. */
  baseURL: string;
  requests: RecordedEmbeddingsRequest[];
  close(): Promise<void>;
}

export async function startEmbeddingsServer(script: EmbeddingsScript = {}): Promise<EmbeddingsServer> {
  const handler = embeddingsHandler(script);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const response = await handler.fetch(`http://127.0.0.1${req.url ?? "/"}`, {
      method: req.method ?? "GET",
      headers,
      ...(req.method === "POST" ? { body: Buffer.concat(chunks) } : {}),
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests: handler.requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
