/**
 * The checks every visitor request passes before it reaches a conversation: a well-formed
 * id, a token that opens it, a site that still exists, and an Origin the site allows. The
 * last check — that the conversation is the site's org's — is made by the conversation's
 * own object, which knows its org: no shared database is read on a visitor's path.
 */
import type { Context } from "hono";
import type { SiteConfig } from "../../shared/config";
import { checkVisitorToken, tokenFromRequest } from "../auth/visitor-token";
import { cachedSite } from "../config/store";
import type { CheckedIdentity } from "../auth/identity";
import { IP_HEADER, ORG_HEADER } from "../durable/rpc";
import type { AppEnv } from "../env";
import { ApiError, forbidden, notFound } from "../http/errors";
import { originAllowed } from "../http/origins";
import { clientIp } from "../http/rate-limit";
import { CONVERSATION_ID } from "../http/params";

export { CONVERSATION_ID } from "../http/params";

export interface OpenedConversation {
  id: string;
  site: SiteConfig;
  /** The conversation's object, asked on behalf of the site's org (it answers 404 for any other). */
  stub: {
    fetch(request: Request): Promise<Response>;
    identify(identity: CheckedIdentity): Promise<void>;
  };
}

/** The site for a request, with its Origin checked; `requireOrigin` for conversation starts. */
export async function siteForRequest(c: Context<AppEnv>, siteKey: string, requireOrigin: boolean): Promise<SiteConfig> {
  // Every visitor request reads its site: kept per isolate for a few seconds (config/store.ts).
  const site = await cachedSite(c.env, siteKey);
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
  const site = await cachedSite(c.env, siteKey);
  if (!site) throw new ApiError(404, "not_found", "the site of this conversation no longer exists");
  checkOrigin(c, site, false);
  // Belt and braces (keys are never reused): the site must still be the conversation's org's.
  // The object compares the org it is asked for with its own.
  const stub = c.env.CONVERSATION.get(c.env.CONVERSATION.idFromName(id));
  return {
    id,
    site,
    stub: {
      fetch: (request) => stub.fetch(asOrg(request, site.orgId, clientIp(c.req.raw))),
      identify: async (identity) => {
        if (!(await stub.identify(site.orgId, identity))) throw notFound("conversation");
      },
    },
  };
}

/** The request as the worker forwards it to a conversation: for this org, from this IP (never the client's say). */
export function asOrg(request: Request, orgId: string, ip?: string): Request {
  const forwarded = new Request(request);
  forwarded.headers.set(ORG_HEADER, orgId);
  if (ip) forwarded.headers.set(IP_HEADER, ip);
  else forwarded.headers.delete(IP_HEADER);
  return forwarded;
}
