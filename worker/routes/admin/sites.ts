/**
 * Sites: key, allowed origins, theme and texts, entry agent, business hours, handoff
 * timeout, identity secret, custom domains, lead form, webhook. The config lives in KV; the
 * `sites` row ties the key to its org (keys are unique across orgs).
 *
 * Custom domains serve a site's assistant on another host, so they are the platform's to
 * give: only platform credentials (ADMIN_TOKEN or a token for every org) set them, and never
 * to the deployment's own host names.
 */
import { z } from "zod";
import { SiteOut, SitePatch as SiteMergePatch, WebhookDelivery } from "../../../shared/admin";
import { SiteConfig } from "../../../shared/config";
import type { AdminPrincipal } from "../../auth/admin";
import { applySitePatch } from "../../config/site-patch";
import { deleteSite, getAgent, getSite, putSite, siteKeyForDomain } from "../../config/store";
import type { Env } from "../../env";
import { describeIssues } from "../../http/body";
import { ApiError, forbidden, notFound } from "../../http/errors";
import type { ApiRoutes } from "../../http/openapi";
import { Ids } from "../../http/params";
import { randomId } from "../../ids";
import { hostRule, outboundUrlProblem } from "../../net/outbound";
import { ORG, ORG_PARAMS, orgAccess } from "./common";

const SiteBody = SiteConfig.omit({ orgId: true });
/** PUT replaces the config; custom domains are kept when the body leaves them out. */
const SitePatch = SiteConfig.omit({ orgId: true, key: true }).extend({ customDomains: SiteConfig.shape.customDomains.unwrap().optional() });

function redact(site: SiteConfig): z.input<typeof SiteOut> {
  return {
    ...site,
    identitySecret: site.identitySecret ? "••••" : undefined,
    webhook: site.webhook ? { url: site.webhook.url, secret: "••••" } : undefined,
  };
}

const SITE_PARAMS = { ...ORG_PARAMS, key: Ids.siteKey };

export function sitesAdmin(api: ApiRoutes): void {
  api.add(
    { method: "get", path: `${ORG}/sites`, operationId: "listSites", summary: "List an org's sites", tag: "admin", auth: "admin", params: ORG_PARAMS, response: z.object({ sites: z.array(SiteOut) }) },
    async (c, { reply }) => {
      const { orgId } = await orgAccess(c, "sites", "read");
      const keys = await c.env.DB.prepare("SELECT key FROM sites WHERE org_id = ? AND deleted_at IS NULL ORDER BY created_at").bind(orgId).all<{ key: string }>();
      const sites = await Promise.all(keys.results.map((k) => getSite(c.env, k.key)));
      return reply({ sites: sites.filter((s): s is SiteConfig => s !== null).map(redact) });
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/sites`,
      operationId: "createSite",
      summary: "Create a site (custom domains: platform credentials only)",
      tag: "admin",
      auth: "admin",
      params: ORG_PARAMS,
      body: SiteBody,
      status: 201,
      response: SiteOut,
      errors: [409],
    },
    async (c, { body, reply }) => {
      const { orgId, admin } = await orgAccess(c, "sites", "write");
      // Deleted keys stay taken: their conversations and tokens must not pass to a new owner.
      const taken = await c.env.DB.prepare("SELECT org_id FROM sites WHERE key = ?").bind(body.key).first();
      if (taken) throw new ApiError(409, "exists", `the site key ${body.key} is taken (keys are never reused)`);
      await checkSite(c.env, orgId, admin, body, [], new URL(c.req.url).hostname);
      const site = await putSite(c.env, { ...body, orgId });
      await c.env.DB.prepare("INSERT INTO sites (key, org_id, name) VALUES (?, ?, ?)").bind(site.key, orgId, site.name).run();
      return reply(redact(site));
    },
  );

  api.add(
    { method: "get", path: `${ORG}/sites/{key}`, operationId: "getSite", summary: "Read a site", tag: "admin", auth: "admin", params: SITE_PARAMS, response: SiteOut },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "sites", "read");
      const site = await getSite(c.env, params.key);
      if (!site || site.orgId !== orgId) throw notFound("site");
      return reply(redact(site));
    },
  );

  api.add(
    {
      method: "put",
      path: `${ORG}/sites/{key}`,
      operationId: "replaceSite",
      summary: "Replace a site's config (custom domains are kept when left out; platform credentials change them)",
      tag: "admin",
      auth: "admin",
      params: SITE_PARAMS,
      body: SitePatch,
      response: SiteOut,
      errors: [409],
    },
    async (c, { params, body, reply }) => {
      const { orgId, admin } = await orgAccess(c, "sites", "write");
      const current = await getSite(c.env, params.key);
      if (!current || current.orgId !== orgId) throw notFound("site");
      const next = { ...body, key: params.key, customDomains: body.customDomains ?? current.customDomains };
      await checkSite(c.env, orgId, admin, next, current.customDomains, new URL(c.req.url).hostname);
      const site = await putSite(c.env, { ...next, orgId });
      await c.env.DB.prepare("UPDATE sites SET name = ? WHERE key = ?").bind(site.name, params.key).run();
      return reply(redact(site));
    },
  );

  api.add(
    {
      method: "patch",
      path: `${ORG}/sites/{key}`,
      operationId: "updateSite",
      summary:
        "Change only the fields given (a JSON merge patch: objects merge, null removes; write-only secrets sent back as •••• are kept; business hours are replaced whole)",
      tag: "admin",
      auth: "admin",
      params: SITE_PARAMS,
      body: SiteMergePatch,
      response: SiteOut,
      errors: [409],
    },
    async (c, { params, body, reply }) => {
      const { orgId, admin } = await orgAccess(c, "sites", "write");
      const current = await getSite(c.env, params.key);
      if (!current || current.orgId !== orgId) throw notFound("site");
      const next = SiteConfig.safeParse(applySitePatch(current, body));
      if (!next.success) throw new ApiError(400, "invalid_request", describeIssues(next.error));
      await checkSite(c.env, orgId, admin, next.data, current.customDomains, new URL(c.req.url).hostname);
      const site = await putSite(c.env, next.data);
      if (site.name !== current.name) await c.env.DB.prepare("UPDATE sites SET name = ? WHERE key = ?").bind(site.name, params.key).run();
      return reply(redact(site));
    },
  );

  api.add(
    {
      method: "post",
      path: `${ORG}/sites/{key}/webhook/test`,
      operationId: "sendTestWebhook",
      summary: "Queue a `webhook.test` event to the site's webhook (see its deliveries for how it went)",
      tag: "admin",
      auth: "admin",
      params: SITE_PARAMS,
      status: 202,
      response: z.object({ id: z.string() }),
      errors: [409],
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "sites", "write");
      const site = await getSite(c.env, params.key);
      if (!site || site.orgId !== orgId) throw notFound("site");
      if (!site.webhook) throw new ApiError(409, "no_webhook", "this site has no webhook: set webhook.url and webhook.secret first");
      const id = randomId("evt_test_", 12);
      await c.env.WEBHOOKS.get(c.env.WEBHOOKS.idFromName(site.key)).enqueue({
        id,
        type: "webhook.test",
        url: site.webhook.url,
        secret: site.webhook.secret,
        payload: { siteKey: site.key, message: "A test event from the Switchboard console." },
      });
      return reply({ id });
    },
  );

  api.add(
    {
      method: "get",
      path: `${ORG}/sites/{key}/webhook/deliveries`,
      operationId: "listWebhookDeliveries",
      summary: "The site's latest webhook deliveries (newest first) with their status, attempts and last error",
      tag: "admin",
      auth: "admin",
      params: SITE_PARAMS,
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
      response: z.object({ deliveries: z.array(WebhookDelivery) }),
    },
    async (c, { params, query, reply }) => {
      const { orgId } = await orgAccess(c, "sites", "read");
      const site = await getSite(c.env, params.key);
      if (!site || site.orgId !== orgId) throw notFound("site");
      return reply({ deliveries: await c.env.WEBHOOKS.get(c.env.WEBHOOKS.idFromName(site.key)).deliveries(query.limit) });
    },
  );

  api.add(
    {
      method: "delete",
      path: `${ORG}/sites/{key}`,
      operationId: "deleteSite",
      summary: "Delete a site (its conversations stay readable)",
      tag: "admin",
      auth: "admin",
      params: SITE_PARAMS,
      response: z.object({ deleted: z.boolean() }),
    },
    async (c, { params, reply }) => {
      const { orgId } = await orgAccess(c, "sites", "write");
      const current = await getSite(c.env, params.key);
      if (!current || current.orgId !== orgId) throw notFound("site");
      await deleteSite(c.env, params.key);
      await c.env.DB.prepare("UPDATE sites SET deleted_at = ? WHERE key = ?").bind(new Date().toISOString(), params.key).run();
      return reply({ deleted: true });
    },
  );
}

async function checkSite(
  env: Env,
  orgId: string,
  admin: AdminPrincipal,
  site: { key: string; entryAgent: string; customDomains?: string[]; webhook?: { url: string } },
  currentDomains: string[],
  requestHost: string,
) {
  if (!(await getAgent(env, orgId, site.entryAgent))) {
    throw new ApiError(400, "invalid_request", `entryAgent: no agent "${site.entryAgent}" in this org`);
  }
  const webhookProblem = site.webhook ? outboundUrlProblem(env, site.webhook.url) : null;
  if (webhookProblem) throw new ApiError(400, "url_refused", `webhook.url: ${webhookProblem}`);

  const domains = site.customDomains ?? [];
  const same = domains.length === currentDomains.length && domains.every((d) => currentDomains.includes(d));
  if (!same && admin.orgId !== null) throw forbidden("custom domains are set by the platform's administrators (ADMIN_TOKEN or a token for every org)");
  for (const host of domains) {
    const problem = domainProblem(env, host, requestHost);
    if (problem) throw new ApiError(400, "invalid_request", `customDomains: ${host.slice(0, 80)} ${problem}`);
    const owner = await siteKeyForDomain(env, host);
    if (owner && owner !== site.key) throw new ApiError(409, "exists", `the domain ${host} belongs to another site`);
  }
}

/** Why `host` cannot be a site's custom domain, or null. */
function domainProblem(env: Env, host: string, requestHost: string): string | null {
  if (host.length > 253 || host.split(".").some((label) => label.length === 0 || label.length > 63)) return "is not a valid host name";
  const own = [requestHost, "localhost", ...(typeof env.PLATFORM_HOSTS === "string" ? env.PLATFORM_HOSTS.split(/[\s,]+/) : [])]
    .map((h) => h.trim().toLowerCase().replace(/\.$/, ""))
    .filter(Boolean);
  if (own.some((h) => host === h || host.endsWith(`.${h}`))) return "is one of Switchboard's own host names";
  if (/^[0-9.]+$/.test(host) || /^0x/i.test(host)) return "is an address, not a domain name";
  const rule = hostRule(host);
  if (rule) return `is ${rule}`;
  return null;
}
