/**
 * What the console's agent pages try before anything is published:
 * - a playground conversation: an ordinary conversation of a site (the visitor API takes its
 *   token, its trace is the usual one) whose turns read agent drafts first (meta `drafts`),
 *   and which records no facts, so insights count visitors only;
 * - one HTTP tool call with given arguments, through the engine's own code path (the
 *   outbound guard, org secrets, scrubbing), answering what the model would read.
 */
import { PlaygroundBody, PlaygroundConversation, TryHttpToolBody, TryHttpToolResult } from "../../../shared/admin";
import { issueVisitorToken } from "../../auth/visitor-token";
import { getSite } from "../../config/store";
import { callHttpTool } from "../../engine/tools/http";
import { notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { randomId } from "../../ids";
import { ORG, ORG_PARAMS, orgAccess } from "./common";

export function playgroundAdmin(api: ApiRoutes): void {
  api.add(
    {
      method: "post",
      path: `${ORG}/playground/conversations`,
      operationId: "startPlaygroundConversation",
      summary: "Start a conversation with a site's agents that runs their drafts (talk to it with the returned visitor token)",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      body: PlaygroundBody,
      status: 201,
      response: PlaygroundConversation,
    },
    async (c, { body, reply }) => {
      const { orgId } = await orgAccess(c, "agents", "write");
      const site = await getSite(c.env, body.siteKey);
      if (!site || site.orgId !== orgId) throw notFound("site");
      const conversationId = randomId("c_");
      await c.env.CONVERSATION.get(c.env.CONVERSATION.idFromName(conversationId)).init({
        conversationId,
        siteKey: site.key,
        orgId,
        entryAgent: site.entryAgent,
        pageUrl: "playground",
        drafts: true,
      });
      return reply({ conversationId, token: await issueVisitorToken(c.env, conversationId, site.key), siteKey: site.key, entryAgent: site.entryAgent });
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/http-tools/try`,
      operationId: "tryHttpTool",
      summary: "Call an HTTP tool once with the given arguments, as an agent would (outbound guard, org secrets, scrubbed answer)",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      body: TryHttpToolBody,
      maxBytes: 64 * 1024,
      response: TryHttpToolResult,
    },
    async (c, { body, reply }) => {
      const { orgId } = await orgAccess(c, "agents", "write");
      const started = Date.now();
      const outcome = await callHttpTool(
        { env: c.env, orgId, conversationId: "console-try", deadline: started + body.tool.timeoutMs + 1_000, signal: c.req.raw.signal },
        body.tool,
        body.arguments,
      );
      let result: unknown = outcome.content;
      try {
        result = JSON.parse(outcome.content);
      } catch {
        // not JSON: shown as text
      }
      return reply({ status: outcome.status, result, durationMs: Date.now() - started });
    },
  );
}
