/**
 * `PATCH …/sites/:key`: a JSON merge patch (RFC 7396) applied to the stored site. What the
 * patch leaves out is kept; objects merge field by field; `null` removes a field. Two
 * exceptions, so a form that sends back what it read cannot break anything: a write-only
 * secret sent as `••••` (how the API shows one that is set) is kept as it is, and business
 * hours are replaced whole (merging days would keep a day the owner took out).
 */
import type { SiteConfig } from "../../shared/config";
import { type SitePatch, WRITE_ONLY } from "../../shared/admin";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** RFC 7396: the target with the patch merged in. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** The site as it will be stored (still to be validated as a whole by SiteConfig). */
export function applySitePatch(site: SiteConfig, patch: SitePatch): Json {
  const p: Json = structuredClone(patch) as Json;
  if (p.identitySecret === WRITE_ONLY) delete p.identitySecret;
  if (isObject(p.webhook) && p.webhook.secret === WRITE_ONLY) delete p.webhook.secret;
  const merged = mergePatch(site, p) as Json;
  if (p.businessHours !== undefined && p.businessHours !== null) merged.businessHours = p.businessHours;
  return merged;
}
