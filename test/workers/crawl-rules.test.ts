/**
 * The crawler's rules inside workerd: robots.txt read as RFC 9309 says (our group or `*`,
 * longest match, Allow on a tie, `*` and `$`, Crawl-delay), a page's links and robots meta
 * read with HTMLRewriter, and a crawl's scope (origin, include and exclude patterns).
 */
import { describe, expect, it } from "vitest";
import { crawlScope, inScope, normalizeUrl, pageLinks } from "../../worker/knowledge/pages";
import { parseRobots, robotsAllow } from "../../worker/knowledge/robots";

const allowed = (robots: string, path: string) => robotsAllow(parseRobots(robots), new URL(`https://docs.example${path}`));

describe("robots.txt", () => {
  it("uses our group when there is one, else the * group, else allows all", () => {
    const text = "User-agent: *\nDisallow: /\n\nUser-agent: OtherBot\nUser-agent: switchboardbot\nDisallow: /private/\nCrawl-delay: 2\n";
    expect(allowed(text, "/docs/a")).toBe(true);
    expect(allowed(text, "/private/x")).toBe(false);
    expect(parseRobots(text).crawlDelay).toBe(2);
    expect(allowed("User-agent: *\nDisallow: /\n", "/docs/a")).toBe(false);
    expect(allowed("User-agent: SwitchboardBotExtra\nDisallow: /\n", "/docs/a")).toBe(true);
    expect(allowed("", "/anything")).toBe(true);
    expect(allowed("User-agent: *\nDisallow:\n", "/anything")).toBe(true);
  });

  it("takes the longest matching rule, Allow on a tie, with * and $ wildcards", () => {
    const text = "User-agent: *\nDisallow: /docs/\nAllow: /docs/public\nDisallow: /*.pdf$\nAllow: /page\nDisallow: /page\n";
    expect(allowed(text, "/docs/secret")).toBe(false);
    expect(allowed(text, "/docs/public/a")).toBe(true);
    expect(allowed(text, "/files/manual.pdf")).toBe(false);
    expect(allowed(text, "/files/manual.pdf?download=1")).toBe(true);
    expect(allowed(text, "/page")).toBe(true);
    expect(allowed(text, "/robots.txt")).toBe(true);
  });

  it("reads sitemaps, comments and odd spacing, and ignores rules before any group", () => {
    const r = parseRobots("\uFEFFDisallow: /early\n# comment\nUser-Agent :  *  # us too\nDISALLOW: /tmp/ # scratch\nSitemap: https://docs.example/sitemap.xml\n");
    expect(r.rules).toEqual([{ allow: false, pattern: "/tmp/" }]);
    expect(r.sitemaps).toEqual(["https://docs.example/sitemap.xml"]);
  });
});

describe("pages and scope", () => {
  it("reads a page's links (resolved, without fragments, nofollow left out) and its robots meta", async () => {
    const html = `<html><head><base href="https://docs.example/guide/"><meta name="robots" content="NOINDEX, follow"></head><body>
      <a href="intro.html#top">Intro</a> <a href="/about">About</a> <a href="intro.html">Again</a>
      <a href="mailto:x@y.z">Mail</a> <a href="javascript:void(0)">JS</a> <a href="#local">Here</a> <a rel="nofollow" href="/ads">Ad</a></body></html>`;
    const page = await pageLinks(html, "https://docs.example/start");
    expect(page).toEqual({ links: ["https://docs.example/guide/intro.html", "https://docs.example/about"], noindex: true, nofollow: false });
    expect((await pageLinks('<meta name="robots" content="none"><a href="/x">x</a>', "https://docs.example/")).nofollow).toBe(true);
    expect(normalizeUrl("ftp://files.example/x", "https://docs.example/")).toBeNull();
  });

  it("keeps a crawl on its origin, in the start page's folder by default, inside include and outside exclude patterns", () => {
    const folder = crawlScope("https://docs.example/help/start.html");
    expect(inScope(folder, "https://docs.example/help/billing")).toBe(true);
    expect(inScope(folder, "https://docs.example/blog/post")).toBe(false);
    expect(inScope(folder, "http://docs.example/help/billing")).toBe(false);
    expect(inScope(folder, "https://evil.example/help/billing")).toBe(false);
    const patterns = crawlScope("https://docs.example/", ["/help/*", "/faq*"], ["*.zip", "*/internal/*"]);
    expect(inScope(patterns, "https://docs.example/help/a")).toBe(true);
    expect(inScope(patterns, "https://docs.example/faq?page=2")).toBe(true);
    expect(inScope(patterns, "https://docs.example/help/files/export.zip")).toBe(false);
    expect(inScope(patterns, "https://docs.example/help/internal/x")).toBe(false);
    expect(inScope(patterns, "https://docs.example/pricing")).toBe(false);
  });
});
