/**
 * Sites: key, allowed origins, theme and texts, entry agent, business hours, handoff
 * timeout, identity secret, custom domains, lead form, webhook. The config lives in KV; the
 * `sites` row ties the key to its org (keys are unique across orgs).
 */
import { SiteConfig } from "../../../shared/config";
import { requireAdmin } from "../../auth/admin";
import { deleteSite, getAgent, getSite, putSite, siteKeyForDomain } from "../../config/store";
import type { Env } from "../../env";
import { ApiError, notFound } from "../../http/errors";
import { outboundUrlProblem } from "../../net/outbound";
import type { ApiRoutes } from "../../http/openapi";
import { ORG, orgFromPath } from "./common";

const SiteBody = SiteConfig.omit({ orgId: true });
const SitePatch = SiteConfig.omit({ orgId: true, key: true });

/** Hide secrets in answers: an owner sets them, nobody reads them back. */
function redact(site: SiteConfig) {
  return {
    ...site,
    identitySecret: site.identitySecret ? "••••" : undefined,
    webhook: site.webhook ? { url: site.webhook.url, secret: "••••" } : undefined,
  };
}

export function sitesAdmin(api: ApiRoutes): void {
  api.add({ method: "get", path: `${ORG}/sites`, summary: "List an org's sites", tag: "admin", auth: "admin" }, async (c) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "sites", action: "read", orgId });
    const keys = await c.env.DB.prepare("SELECT key FROM sites WHERE org_id = ? AND deleted_at IS NULL ORDER BY created_at").bind(orgId).all<{ key: string }>();
    const sites = await Promise.all(keys.results.map((k) => getSite(c.env, k.key)));
    return c.json({ sites: sites.filter((s): s is SiteConfig => s !== null).map(redact) });
  });

  api.add({ method: "post", path: `${ORG}/sites`, summary: "Create a site", tag: "admin", auth: "admin", body: SiteBody, status: 201 }, async (c, { body }) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "sites", action: "write", orgId });
    // Deleted keys stay taken: their conversations and tokens must not pass to a new owner.
    const taken = await c.env.DB.prepare("SELECT org_id FROM sites WHERE key = ?").bind(body.key).first();
    if (taken) throw new ApiError(409, "exists", `the site key ${body.key} is taken (keys are never reused)`);
    await checkSite(c.env, orgId, body, new URL(c.req.url).hostname);
    const site = await putSite(c.env, { ...body, orgId });
    await c.env.DB.prepare("INSERT INTO sites (key, org_id, name) VALUES (?, ?, ?)").bind(site.key, orgId, site.name).run();
    return c.json(redact(site), 201);
  });

  api.add({ method: "get", path: `${ORG}/sites/{key}`, summary: "Read a site", tag: "admin", auth: "admin" }, async (c) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "sites", action: "read", orgId });
    const site = await getSite(c.env, c.req.param("key") ?? "");
    if (!site || site.orgId !== orgId) throw notFound("site");
    return c.json(redact(site));
  });

  api.add({ method: "put", path: `${ORG}/sites/{key}`, summary: "Replace a site's config", tag: "admin", auth: "admin", body: SitePatch }, async (c, { body }) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "sites", action: "write", orgId });
    const key = c.req.param("key") ?? "";
    const current = await getSite(c.env, key);
    if (!current || current.orgId !== orgId) throw notFound("site");
    await checkSite(c.env, orgId, { ...body, key }, new URL(c.req.url).hostname);
    const site = await putSite(c.env, { ...body, key, orgId });
    await c.env.DB.prepare("UPDATE sites SET name = ? WHERE key = ?").bind(site.name, key).run();
    return c.json(redact(site));
  });

  api.add({ method: "delete", path: `${ORG}/sites/{key}`, summary: "Delete a site (its conversations stay readable)", tag: "admin", auth: "admin" }, async (c) => {
    const orgId = await orgFromPath(c);
    await requireAdmin(c, { resource: "sites", action: "write", orgId });
    const key = c.req.param("key") ?? "";
    const current = await getSite(c.env, key);
    if (!current || current.orgId !== orgId) throw notFound("site");
    await deleteSite(c.env, key);
    await c.env.DB.prepare("UPDATE sites SET deleted_at = ? WHERE key = ?").bind(new Date().toISOString(), key).run();
    return c.json({ deleted: true });
  });
}

async function checkSite(env: Env, orgId: string, site: { key: string; entryAgent: string; customDomains?: string[]; webhook?: { url: string } }, ownHost: string) {
  if (!(await getAgent(env, orgId, site.entryAgent))) {
    throw new ApiError(400, "invalid_request", `entryAgent: no agent "${site.entryAgent}" in this org`);
  }
  const webhookProblem = site.webhook ? outboundUrlProblem(env, site.webhook.url) : null;
  if (webhookProblem) throw new ApiError(400, "url_refused", `webhook.url: ${webhookProblem}`);
  for (const host of site.customDomains ?? []) {
    // The deployment's own host serves the demo and the inbox; no site may take it over.
    if (host === ownHost.toLowerCase()) throw new ApiError(400, "invalid_request", `customDomains: ${host} is Switchboard's own host`);
    const owner = await siteKeyForDomain(env, host);
    if (owner && owner !== site.key) throw new ApiError(409, "exists", `the domain ${host} belongs to another site`);
  }
}
