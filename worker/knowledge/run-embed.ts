/**
 * Embed jobs: every chunk of the org that has no vector under its current model, embedded
 * in batches — after embeddings are turned on or the model changes, and to catch up after
 * an endpoint failure. A failure worth retrying (rate limit, 5xx, timeout) is retried by
 * the queue; one that needs the owner (a refused key, a wrong model) fails the job with the
 * endpoint's message.
 */
import { ApiError } from "../http/errors";
import { EmbeddingsError } from "./embeddings";
import { MissingEmbeddingsKey } from "./embedding-settings";
import { VectorIndexError } from "./vector-index";
import { stateOf, type SliceContext, type SliceResult } from "./slice";
import { chunksWithoutVectors, countChunksWithoutVectors, embedChunks } from "./vectors";
import type { EmbeddingsSettings } from "../../shared/knowledge";

const BATCH = 64;

export async function runEmbed(ctx: SliceContext): Promise<SliceResult> {
  const { env, job } = ctx;
  const orgId = job.org_id;
  // Read fresh (not the search cache): the settings may have just changed.
  const row = await env.DB.prepare("SELECT base_url, model, api_key_secret, dimensions FROM org_embeddings WHERE org_id = ?")
    .bind(orgId)
    .first<{ base_url: string; model: string; api_key_secret: string | null; dimensions: number | null }>();
  if (!row) throw new ApiError(422, "embeddings_off", "embeddings were turned off");
  const settings: EmbeddingsSettings = {
    baseURL: row.base_url,
    model: row.model,
    ...(row.api_key_secret ? { apiKeySecret: row.api_key_secret } : {}),
    ...(row.dimensions ? { dimensions: row.dimensions } : {}),
  };
  const state = stateOf(job, { after: -1, counted: false });
  let done = job.done;
  if (!state.counted) {
    const { missing } = await countChunksWithoutVectors(env.DB, orgId, settings.model);
    state.counted = true;
    await ctx.step({ state, total: missing });
  }
  while (Date.now() < ctx.deadline) {
    const chunks = await chunksWithoutVectors(env.DB, orgId, settings.model, state.after, BATCH);
    if (chunks.length === 0) return { done: true };
    try {
      await embedChunks(env, orgId, settings, chunks);
    } catch (error) {
      if (error instanceof MissingEmbeddingsKey) throw new ApiError(422, "embeddings_key_missing", error.message);
      if (error instanceof EmbeddingsError && !error.retryable) throw new ApiError(422, "embeddings_failed", error.message);
      if (error instanceof VectorIndexError) throw new ApiError(422, "embeddings_failed", error.message);
      throw error;
    }
    state.after = chunks[chunks.length - 1]!.id;
    done += chunks.length;
    await ctx.step({ state, done });
  }
  return { done: false };
}
