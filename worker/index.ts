/**
 * Worker entry: the HTTP app and the Durable Object classes it binds.
 */
import { app } from "./app";

export { AgentRunDO } from "./durable/AgentRunDO";
export { ConversationDO } from "./durable/ConversationDO";
export { InboxDO } from "./durable/InboxDO";
export { RateLimiterDO } from "./durable/RateLimiterDO";
export { WebhookDO } from "./durable/WebhookDO";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<import("./env").Env>;
