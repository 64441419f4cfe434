/**
 * robots.txt, read the way RFC 9309 says: the group for our user agent (matched by product
 * token, case-insensitively) or else the `*` group; within it the longest matching Allow or
 * Disallow rule wins, Allow on a tie; `*` matches any run of characters and `$` anchors the
 * end. Crawl-delay (not in the RFC, widely used) is read from the same group. A robots.txt
 * that is missing (4xx) allows everything; one that cannot be read (5xx, no answer) is
 * treated as disallowing everything — the RFC's rule, so an outage never opens a site.
 */

/** The product token our crawler sends in User-Agent and looks for in robots.txt. */
export const CRAWLER_TOKEN = "SwitchboardBot";
export const CRAWLER_USER_AGENT = `${CRAWLER_TOKEN}/1.0 (+https://github.com/switchboard; knowledge crawler)`;

/** robots.txt is read up to this many bytes (RFC 9309 asks crawlers to read at least 500 KiB). */
export const ROBOTS_MAX_BYTES = 512 * 1024;

interface Rule {
  allow: boolean;
  pattern: string;
}

export interface RobotsRules {
  rules: Rule[];
  /** Seconds between requests the site asks for, if it does. */
  crawlDelay: number | null;
  /** Sitemaps the file names (any group). */
  sitemaps: string[];
}

export const ALLOW_ALL: RobotsRules = { rules: [], crawlDelay: null, sitemaps: [] };
export const DISALLOW_ALL: RobotsRules = { rules: [{ allow: false, pattern: "/" }], crawlDelay: null, sitemaps: [] };

interface Group {
  agents: string[];
  rules: Rule[];
  crawlDelay: number | null;
}

export function parseRobots(text: string, token = CRAWLER_TOKEN): RobotsRules {
  const groups: Group[] = [];
  const sitemaps: string[] = [];
  let current: Group | null = null;
  // Consecutive user-agent lines open one group; the first rule line closes its agent list.
  let collectingAgents = false;
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/)) {
    const line = raw.replace(/#.*$/, "").trim();
    const m = line.match(/^([A-Za-z-]+)\s*:\s*(.*)$/);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (key === "user-agent") {
      if (!collectingAgents || !current) {
        current = { agents: [], rules: [], crawlDelay: null };
        groups.push(current);
      }
      current.agents.push(value.toLowerCase());
      collectingAgents = true;
    } else if (key === "sitemap") {
      if (value) sitemaps.push(value);
    } else if (current) {
      collectingAgents = false;
      if (key === "allow" || key === "disallow") {
        // An empty Disallow allows everything: it is no rule at all.
        if (value) current.rules.push({ allow: key === "allow", pattern: value });
      } else if (key === "crawl-delay") {
        const n = Number(value);
        if (Number.isFinite(n) && n >= 0) current.crawlDelay = n;
      }
    }
  }
  const ours = token.toLowerCase();
  // Every group naming us is merged (the RFC: "combine"), else every `*` group.
  let chosen = groups.filter((g) => g.agents.some((a) => a.replace(/\/.*$/, "").trim() === ours));
  if (chosen.length === 0) chosen = groups.filter((g) => g.agents.includes("*"));
  const delays = chosen.map((g) => g.crawlDelay).filter((d): d is number => d !== null);
  return { rules: chosen.flatMap((g) => g.rules), crawlDelay: delays.length ? Math.max(...delays) : null, sitemaps };
}

/** `*` any run, `$` the end; everything else literal. Percent-encodings compare case-insensitively. */
function patternRegex(pattern: string): RegExp {
  const anchored = pattern.endsWith("$");
  const body = (anchored ? pattern.slice(0, -1) : pattern)
    .split("*")
    .map((part) => normalizeEncoding(part).replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}${anchored ? "$" : ""}`);
}

const normalizeEncoding = (s: string) => s.replace(/%[0-9a-fA-F]{2}/g, (e) => e.toUpperCase());

/** May our crawler fetch this URL (path and query) under these rules? */
export function robotsAllow(rules: RobotsRules, url: URL): boolean {
  const target = normalizeEncoding(url.pathname + url.search);
  if (target === "/robots.txt") return true;
  let best: Rule | null = null;
  for (const rule of rules.rules) {
    if (!patternRegex(rule.pattern).test(target)) continue;
    if (!best || rule.pattern.length > best.pattern.length || (rule.pattern.length === best.pattern.length && rule.allow && !best.allow)) best = rule;
  }
  return best ? best.allow : true;
}
