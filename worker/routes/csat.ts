/**
 * `POST /api/conversations/:id/csat`: the visitor rates the conversation (1–5, an optional
 * comment). The widget asks when a conversation resolves. The conversation's object decides
 * whether it may be rated now (resolved, or the bot has answered) and keeps the one rating,
 * replaceable for a while (worker/conversation/csat.ts); insights read it from its fact.
 */
import { CsatBody, CsatResponse } from "../../shared/protocol";
import { clientIp, limitIp } from "../http/rate-limit";
import type { ApiRoutes } from "../http/openapi";
import { Ids } from "../http/params";
import { openConversation } from "./visitor-access";

export function csatApi(api: ApiRoutes): void {
  api.add(
    {
      method: "post",
      path: "/api/conversations/{id}/csat",
      operationId: "rateConversation",
      params: { id: Ids.conversation },
      rateLimited: true,
      errors: [403, 409],
      summary: "Rate the conversation 1–5 with an optional comment (once it is resolved or the bot has answered; a new rating replaces it for a while)",
      tag: "visitor",
      auth: "visitor",
      body: CsatBody,
      response: CsatResponse,
    },
    async (c, { body }) => {
      const conversation = await openConversation(c);
      await limitIp(c.env, clientIp(c.req.raw), "actionsPerIp", "requests");
      return conversation.stub.fetch(
        new Request("https://conversation/csat", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      );
    },
  );
}
