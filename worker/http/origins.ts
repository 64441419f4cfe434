/**
 * Which web origins may talk to a site's conversations. Patterns are exact origins or an
 * origin with `:*` for any port (`http://localhost:*` is how the demo allows every local
 * port). The deployment's own origin (the full-page assistant) and the site's custom
 * domains are always allowed.
 */
import type { SiteConfig } from "../../shared/config";

export function originAllowed(site: SiteConfig, origin: string, ownOrigin: string): boolean {
  if (origin === ownOrigin) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin.toLowerCase() && url.origin !== origin) return false;
  if (site.customDomains.includes(url.hostname) && url.protocol === "https:") return true;
  return site.allowedOrigins.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p.endsWith(":*")) {
      const base = p.slice(0, -2);
      return `${url.protocol}//${url.hostname}` === base;
    }
    return p === url.origin;
  });
}

export function corsHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-credentials": "false",
    vary: "Origin",
  };
}

export const PREFLIGHT_HEADERS = {
  "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
  "access-control-allow-headers": "authorization, content-type, last-event-id, x-switchboard-visitor",
  "access-control-max-age": "86400",
};
