/**
 * What the widget may know about a site (GET /api/sites/:key/config): its looks and texts,
 * who answers (the entry agent's model family, or offline — see providers/serving.ts), and
 * for the home view the team's first names, whether they are at work now and how soon a
 * person usually replies. No secrets, no agent internals, no staff emails.
 */
import type { PublicSiteConfig, SiteConfig } from "../../shared/config";
import { staffedNow } from "../conversation/business-hours";
import type { Env } from "../env";
import { publicProvider, servingFamily } from "../providers/serving";

/** Faces shown on the home view. */
const TEAM_SHOWN = 3;
/** The team changes rarely; every page view reading D1 for it would not do. */
const TEAM_TTL_MS = 60_000;
const teams = new Map<string, { at: number; team: Promise<{ name: string }[]> }>();

function teamOf(env: Env, orgId: string): Promise<{ name: string }[]> {
  const cached = teams.get(orgId);
  if (cached && Date.now() - cached.at < TEAM_TTL_MS) return cached.team;
  const team = env.DB.prepare("SELECT name FROM staff WHERE org_id = ? ORDER BY created_at LIMIT ?")
    .bind(orgId, TEAM_SHOWN)
    .all<{ name: string }>()
    // First names only: what a visitor needs to recognise a person, and no more.
    .then((rows) => rows.results.map((r) => ({ name: r.name.trim().split(/\s+/)[0] ?? "" })).filter((m) => m.name))
    .catch(() => []);
  if (teams.size > 1000) teams.clear();
  teams.set(orgId, { at: Date.now(), team });
  return team;
}

export async function publicConfig(env: Env, site: SiteConfig): Promise<PublicSiteConfig> {
  const [family, team] = await Promise.all([servingFamily(env, site.orgId, site.entryAgent), teamOf(env, site.orgId)]);
  return {
    key: site.key,
    name: site.name,
    theme: site.theme,
    texts: site.texts,
    locale: site.locale,
    leadForm: site.leadForm,
    provider: publicProvider(family),
    family,
    identityRequired: !!site.identitySecret,
    team,
    staffed: staffedNow(site.businessHours),
    replyWithinSec: site.handoffTimeoutSec,
  };
}
