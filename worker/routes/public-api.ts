/**
 * The visitor-facing API: start a conversation, send and read messages (JSON, SSE,
 * WebSocket), stop a turn, ask for a person. Input is validated here; the conversation's
 * Durable Object does the rest.
 */
import { z } from "zod";
import { PublicSiteConfig } from "../../shared/config";
import { FeedbackBody, Identity, LeadBody, SendMessageBody, StartConversationBody, StartConversationResponse, TranscriptResponse } from "../../shared/protocol";
import { checkIdentity } from "../auth/identity";
import { clientIp, limitIp } from "../http/rate-limit";
import { issueVisitorToken } from "../auth/visitor-token";
import { getSite } from "../config/store";
import { publicConfig } from "../config/public-config";
import { ApiError, notFound } from "../http/errors";
import type { ApiRoutes } from "../http/openapi";
import { Ids } from "../http/params";
import { randomId } from "../ids";
import { defaultProviderKind } from "../providers/select";
import { checkOrigin, openConversation, siteForRequest } from "./visitor-access";

const TranscriptQuery = z.object({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

const CONVERSATION = { id: Ids.conversation };

type Stub = { fetch(request: Request): Promise<Response> };

/** Forwards a visitor request as it is (method, headers, query) to the conversation's object. */
function forward(stub: Stub, request: Request, path: string) {
  return stub.fetch(new Request(`https://conversation${path}${new URL(request.url).search}`, { method: request.method, headers: request.headers }));
}

/** Posts to the conversation's object: the body already validated here, as JSON. */
function post(stub: Stub, path: string, body: unknown = {}) {
  return stub.fetch(new Request(`https://conversation${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
}

export function publicApi(api: ApiRoutes): void {
  api.add(
    {
      method: "get",
      path: "/api/health",
      operationId: "getHealth",
      summary: "Liveness, version and which model provider serves",
      tag: "public",
      auth: "none",
      response: z.object({ ok: z.boolean(), version: z.string(), provider: z.enum(["offline", "openai"]) }),
    },
    (c, { reply }) => reply({ ok: true, version: c.env.APP_VERSION ?? "dev", provider: defaultProviderKind(c.env) }),
  );

  api.add(
    {
      method: "get",
      path: "/api/sites/{siteKey}/config",
      operationId: "getSiteConfig",
      params: { siteKey: Ids.siteKey },
      errors: [403],
      summary: "The widget's view of a site: theme, texts, locale",
      tag: "visitor",
      auth: "none",
      response: PublicSiteConfig,
    },
    async (c) => {
      const site = await getSite(c.env, c.req.param("siteKey") ?? "");
      if (!site) throw notFound("site");
      // The page that asked may read the answer even when it is a 403: the widget tells the
      // site's owner, in the console, which origin to allow (a CORS error would hide why).
      const origin = c.req.header("origin");
      if (origin) c.set("corsOrigin", origin);
      checkOrigin(c, site, false);
      const config: PublicSiteConfig = await publicConfig(c.env, site);
      return c.json(config, 200, { "cache-control": "public, max-age=60" });
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/sites/{siteKey}/conversations",
      operationId: "startConversation",
      params: { siteKey: Ids.siteKey },
      rateLimited: true,
      errors: [403],
      summary: "Start a conversation; the request's Origin must be allowed for the site",
      tag: "visitor",
      auth: "none",
      body: StartConversationBody,
      response: StartConversationResponse,
      status: 201,
    },
    async (c, { body }) => {
      const site = await siteForRequest(c, c.req.param("siteKey") ?? "", true);
      await limitIp(c.env, clientIp(c.req.raw), "startsPerIp", "new conversations");
      const identity = body.identity ? await checkIdentity(site, body.identity) : undefined;
      const conversationId = randomId("c_");
      const stub = c.env.CONVERSATION.get(c.env.CONVERSATION.idFromName(conversationId));
      await stub.init({
        conversationId,
        siteKey: site.key,
        orgId: site.orgId,
        entryAgent: site.entryAgent,
        ...(body.visitorId ? { visitorId: body.visitorId } : {}),
        ...(body.locale ? { locale: body.locale } : {}),
        ...(body.pageUrl ? { pageUrl: body.pageUrl } : {}),
        ...(identity ? { identity } : {}),
      });
      return c.json({ conversationId, token: await issueVisitorToken(c.env, conversationId, site.key) }, 201);
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/conversations/{id}/messages",
      operationId: "sendMessage",
      params: CONVERSATION,
      rateLimited: true,
      errors: [403, 409],
      summary: "Send a visitor message (idempotent on clientMessageId); answers an SSE stream of the turn",
      tag: "visitor",
      auth: "visitor",
      body: SendMessageBody,
      response: { contentType: "text/event-stream", description: "message, delta, activity, status, error and done events" },
    },
    async (c, { body }) => {
      const conversation = await openConversation(c);
      await limitIp(c.env, clientIp(c.req.raw), "sendsPerIp", "messages");
      return post(conversation.stub, "/messages", body);
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/conversations/{id}/messages",
      operationId: "getMessages",
      params: CONVERSATION,
      // 429: a live stream over the connection caps.
      errors: [403, 429],
      summary: "The transcript after a sequence number (JSON), or a live event stream with Accept: text/event-stream",
      tag: "visitor",
      auth: "visitor",
      query: TranscriptQuery,
      response: TranscriptResponse,
    },
    async (c) => {
      const conversation = await openConversation(c);
      return forward(conversation.stub, c.req.raw, "/messages");
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/conversations/{id}/ws",
      operationId: "conversationSocket",
      params: CONVERSATION,
      errors: [403, 426],
      summary: "WebSocket with the same events, both directions (token in the query string)",
      tag: "visitor",
      auth: "visitor",
      query: z.object({ token: z.string().optional(), after: z.coerce.number().int().nonnegative().optional() }),
      response: { contentType: "application/websocket", description: "101 Switching Protocols" },
      status: 101,
    },
    async (c) => {
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
        throw new ApiError(426, "upgrade_required", "this endpoint speaks WebSocket");
      }
      const conversation = await openConversation(c);
      // The conversation counts this socket against the client's IP (its sends and the connection cap).
      return conversation.stub.fetch(new Request(`https://conversation/ws${new URL(c.req.url).search}`, { headers: c.req.raw.headers }));
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/conversations/{id}/handoff",
      operationId: "requestHandoff",
      params: CONVERSATION,
      rateLimited: true,
      errors: [403, 409],
      summary: "The visitor asks for a person: the status becomes waiting and the bot stops",
      tag: "visitor",
      auth: "visitor",
      response: z.object({ status: z.string() }),
    },
    async (c) => {
      const conversation = await openConversation(c);
      await limitIp(c.env, clientIp(c.req.raw), "actionsPerIp", "requests");
      return post(conversation.stub, "/handoff");
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/conversations/{id}/identify",
      operationId: "identifyVisitor",
      params: CONVERSATION,
      rateLimited: true,
      errors: [403],
      summary: "Tell who the visitor is (signed with the site's identity secret when it has one)",
      tag: "visitor",
      auth: "visitor",
      body: Identity,
      response: z.object({ verified: z.boolean() }),
    },
    async (c, { body }) => {
      const conversation = await openConversation(c);
      await limitIp(c.env, clientIp(c.req.raw), "actionsPerIp", "requests");
      const identity = await checkIdentity(conversation.site, body);
      await conversation.stub.identify(identity);
      return c.json({ verified: identity.verified });
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/conversations/{id}/feedback",
      operationId: "sendFeedback",
      params: CONVERSATION,
      rateLimited: true,
      errors: [403],
      summary: "Thumbs up (1) or down (-1) on a reply",
      tag: "visitor",
      auth: "visitor",
      body: FeedbackBody,
      response: z.object({ messageId: z.string(), rating: z.number() }),
    },
    async (c, { body }) => {
      const conversation = await openConversation(c);
      await limitIp(c.env, clientIp(c.req.raw), "actionsPerIp", "requests");
      return post(conversation.stub, "/feedback", body);
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/conversations/{id}/lead",
      operationId: "leaveLead",
      params: CONVERSATION,
      rateLimited: true,
      errors: [403, 409],
      summary: "Leave an email for a follow-up (when nobody can answer now)",
      tag: "visitor",
      auth: "visitor",
      body: LeadBody,
      response: z.object({ leadId: z.string() }),
      status: 201,
    },
    async (c, { body }) => {
      const conversation = await openConversation(c);
      await limitIp(c.env, clientIp(c.req.raw), "actionsPerIp", "requests");
      return post(conversation.stub, "/lead", body);
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/conversations/{id}/stop",
      operationId: "stopTurn",
      params: CONVERSATION,
      errors: [403],
      summary: "Cancel the turn in flight, with every delegated run under it",
      tag: "visitor",
      auth: "visitor",
      response: z.object({ stopped: z.boolean() }),
    },
    async (c) => {
      const conversation = await openConversation(c);
      return post(conversation.stub, "/stop");
    },
  );
}
