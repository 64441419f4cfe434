/**
 * Worker entry: the HTTP app, the queues' consumers (FACTS, INGEST), the hourly scheduled
 * jobs, and the Durable Object classes it binds.
 */
import { app } from "./app";
import type { Env } from "./env";
import { consumeFacts } from "./facts/consumer";
import { consumeIngest } from "./knowledge/consumer";
import { serveLocally } from "./local-app";
import { runScheduled } from "./scheduled";

export { AgentRunDO } from "./durable/AgentRunDO";
export { ConversationDO } from "./durable/ConversationDO";
export { InboxDO } from "./durable/InboxDO";
export { OrgDO } from "./durable/OrgDO";
export { RateLimiterDO } from "./durable/RateLimiterDO";
export { WebhookDO } from "./durable/WebhookDO";

// HTTP tools with a relative URL reach the app in-process (see local-app.ts).
serveLocally(app.fetch);

export default {
  fetch: app.fetch,
  // One handler for every queue this worker consumes, told apart by the queue's name.
  queue: (batch, env) => (/ingest/.test(batch.queue) ? consumeIngest(batch, env) : consumeFacts(batch, env)),
  scheduled: (controller, env, ctx) => ctx.waitUntil(runScheduled(env, new Date(controller.scheduledTime))),
} satisfies ExportedHandler<Env, unknown>;
