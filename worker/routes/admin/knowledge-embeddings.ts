/**
 * An org's optional embedding index: an OpenAI-compatible `/embeddings` endpoint, its model,
 * and the org secret holding its key. Turning it on (or changing the model) tries the
 * endpoint once, then embeds every chunk the org has in a background job; from then on every
 * document is embedded as it is ingested, and knowledge search fuses the nearest chunks with
 * BM25. Turning it off deletes the vectors; search is BM25 alone again.
 */
import { z } from "zod";
import { EmbeddingsSettings, EmbeddingsStatus, IngestJob } from "../../../shared/knowledge";
import { orgSecret } from "../../config/secrets";
import { ApiError } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { EmbeddingsError } from "../../knowledge/embeddings";
import { deleteEmbeddingSettings, embeddingSettings, embeddingsClient, putEmbeddingSettings } from "../../knowledge/embedding-settings";
import { createJob } from "../../knowledge/jobs";
import { countChunksWithoutVectors, removeOrgVectors } from "../../knowledge/vectors";
import { checkOutboundUrl, UrlRefused } from "../../net/outbound";
import { ORG, ORG_PARAMS, orgAccess } from "./common";
import { requireSecretsWrite } from "./secret-scope";

const Status = EmbeddingsStatus;

export function knowledgeEmbeddingsAdmin(api: ApiRoutes): void {
  api.add(
    {
      method: "get",
      path: `${ORG}/embeddings`,
      operationId: "getEmbeddings",
      summary: "The org's embedding index settings (null: BM25 only) and how many chunks have vectors",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      response: Status,
    },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "read");
      const settings = await embeddingSettings(c.env.DB, orgId);
      const counts = settings ? await countChunksWithoutVectors(c.env.DB, orgId, settings.model) : null;
      const total = counts?.total ?? ((await c.env.DB.prepare("SELECT COUNT(*) AS n FROM knowledge_chunks WHERE org_id = ?").bind(orgId).first<{ n: number }>())?.n ?? 0);
      return reply({
        embeddings: settings,
        index: c.env.VECTORIZE ? "vectorize" : "exact",
        chunks: { total, embedded: counts ? counts.total - counts.missing : 0 },
      });
    },
  );

  api.add(
    {
      method: "put",
      path: `${ORG}/embeddings`,
      operationId: "putEmbeddings",
      summary: "Turn the embedding index on or change it: the endpoint is tried once, then every chunk is embedded in the background",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      body: EmbeddingsSettings.strict(),
      response: z.object({ embeddings: EmbeddingsSettings, job: IngestJob }),
      errors: [422],
    },
    async (c, { body, reply }) => {
      const { orgId, admin } = await orgAccess(c, "knowledge", "write");
      // Naming a secret sends it to the URL given: only for who may manage the org's secrets.
      if (body.apiKeySecret) requireSecretsWrite(admin, "naming an org secret as the embeddings key");
      try {
        checkOutboundUrl(c.env, body.baseURL);
      } catch (error) {
        if (error instanceof UrlRefused) throw new ApiError(400, "url_refused", `baseURL: ${error.message}`);
        throw error;
      }
      if (body.apiKeySecret && !(await orgSecret(c.env, orgId, body.apiKeySecret))) {
        throw new ApiError(422, "secret_missing", `the org secret ${body.apiKeySecret} is not set; store the key first (PUT …/secrets/${body.apiKeySecret})`);
      }
      // One call now, so a wrong URL, key or model is a clear answer here and not a failed job later.
      try {
        const client = await embeddingsClient(c.env, orgId, body, 15_000);
        await client.embed(["Switchboard embeddings check"]);
      } catch (error) {
        if (error instanceof EmbeddingsError) throw new ApiError(422, "embeddings_failed", error.message);
        throw error;
      }
      const before = await embeddingSettings(c.env.DB, orgId);
      await putEmbeddingSettings(c.env.DB, orgId, body);
      if (before && before.model !== body.model) await removeOrgVectors(c.env, orgId, body.model);
      const job = await createJob(c.env, { orgId, collectionId: null, kind: "embed", input: {} });
      return reply({ embeddings: body, job });
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/embeddings`,
      operationId: "deleteEmbeddings",
      summary: "Turn the embedding index off and delete the org's vectors (search is BM25 alone)",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      response: z.object({ deleted: z.boolean() }),
    },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "knowledge", "write");
      const deleted = await deleteEmbeddingSettings(c.env.DB, orgId);
      await removeOrgVectors(c.env, orgId);
      return reply({ deleted });
    },
  );
}
