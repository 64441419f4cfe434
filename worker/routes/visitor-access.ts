/**
 * The checks every visitor request passes before it reaches a conversation: a well-formed
 * id, a token that opens it, a site that still exists, and an Origin the site allows.
 */
import type { Context } from "hono";
import type { SiteConfig } from "../../shared/config";
import { checkVisitorToken, tokenFromRequest } from "../auth/visitor-token";
import { getSite } from "../config/store";
import type { ConversationDO } from "../durable/ConversationDO";
import { ApiError, forbidden, notFound } from "../http/errors";
import type { AppEnv } from "../http/openapi";
import { originAllowed } from "../http/origins";
import { CONVERSATION_ID } from "../http/params";

export { CONVERSATION_ID } from "../http/params";

export interface OpenedConversation {
  id: string;
  site: SiteConfig;
  stub: DurableObjectStub<ConversationDO>;
}

/** The site for a request, with its Origin checked; `requireOrigin` for conversation starts. */
export async function siteForRequest(c: Context<AppEnv>, siteKey: string, requireOrigin: boolean): Promise<SiteConfig> {
  const site = await getSite(c.env, siteKey);
  if (!site) throw notFound("site");
  checkOrigin(c, site, requireOrigin);
  return site;
}

export function checkOrigin(c: Context<AppEnv>, site: SiteConfig, requireOrigin: boolean): void {
  const origin = c.req.header("origin");
  if (!origin) {
    if (requireOrigin) throw forbidden("an Origin header is required");
    return;
  }
  if (!originAllowed(site, origin, new URL(c.req.url).origin)) {
    throw forbidden(`the origin ${origin} is not allowed for this site`);
  }
  c.set("corsOrigin", origin);
}

export async function openConversation(c: Context<AppEnv>): Promise<OpenedConversation> {
  const id = c.req.param("id") ?? "";
  if (!CONVERSATION_ID.test(id)) throw notFound("conversation");
  const siteKey = await checkVisitorToken(c.env, id, tokenFromRequest(c.req.raw));
  const site = await getSite(c.env, siteKey);
  if (!site) throw new ApiError(404, "not_found", "the site of this conversation no longer exists");
  // Belt and braces (keys are never reused): the site must still be the conversation's org's.
  const row = await c.env.DB.prepare("SELECT org_id FROM conversations WHERE id = ?").bind(id).first<{ org_id: string }>();
  if (row && row.org_id !== site.orgId) throw new ApiError(404, "not_found", "the site of this conversation no longer exists");
  checkOrigin(c, site, false);
  return { id, site, stub: c.env.CONVERSATION.get(c.env.CONVERSATION.idFromName(id)) };
}
