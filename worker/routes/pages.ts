/**
 * HTML pages: the demo company page at `/`, the full-page assistant at `/chat/:siteKey`,
 * help articles of the demo at `/help/:slug`, and the static files the widget is built
 * into (served from the ASSETS binding with CORS, so any site can load them).
 */
import type { Context, Hono } from "hono";
import { getSite, siteKeyForDomain } from "../config/store";
import type { AppEnv } from "../http/openapi";
import { Ids } from "../http/params";
import { adminPage, adminPreviewPage, chatPage, demoPage, helpArticlePage, inboxPage, notFoundPage } from "../pages/html";

/** Our own pages run with a strict CSP: no inline script or style anywhere. */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The console's widget preview is framed by the console itself, and by nothing else. */
const PREVIEW_CSP = PAGE_CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'");

function html(c: Context<AppEnv>, body: string, status = 200, csp = PAGE_CSP) {
  return c.body(body, status as 200, {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
  });
}

export function pages(app: Hono<AppEnv>): void {
  app.get("/", async (c) => {
    // A site's custom domain shows its full-page assistant.
    const host = new URL(c.req.url).hostname;
    const customSite = await siteKeyForDomain(c.env, host);
    if (customSite) {
      const site = await getSite(c.env, customSite);
      if (site) return html(c, chatPage(site));
    }
    return html(c, demoPage());
  });

  app.get("/chat/:siteKey", async (c) => {
    const key = c.req.param("siteKey");
    const site = Ids.siteKey.safeParse(key).success ? await getSite(c.env, key) : null;
    if (!site) return html(c, notFoundPage("This assistant does not exist."), 404);
    return html(c, chatPage(site));
  });

  app.get("/inbox", (c) => html(c, inboxPage()));

  app.get("/admin/preview/:siteKey", async (c) => {
    const key = c.req.param("siteKey");
    const site = Ids.siteKey.safeParse(key).success ? await getSite(c.env, key) : null;
    if (!site) return html(c, notFoundPage("This site does not exist."), 404);
    return html(c, adminPreviewPage(site), 200, PREVIEW_CSP);
  });
  // The console is one page; its own router reads the rest of the path.
  app.get("/admin", (c) => html(c, adminPage()));
  app.get("/admin/*", (c) => html(c, adminPage()));

  app.get("/help/:slug", async (c) => {
    const slug = c.req.param("slug").slice(0, 200);
    const doc = await c.env.DB.prepare(
      "SELECT title, text FROM knowledge_documents WHERE url = ? AND org_id = 'demo' ORDER BY created_at LIMIT 1",
    )
      .bind(`/help/${slug}`)
      .first<{ title: string; text: string }>();
    if (!doc) return html(c, notFoundPage("No such article."), 404);
    return html(c, helpArticlePage(doc.title, doc.text));
  });
}

/** Static files: the widget may be loaded by any site, so its files carry CORS headers. */
export async function serveAsset(c: Context<AppEnv>): Promise<Response> {
  const response = await c.env.ASSETS.fetch(c.req.raw);
  const path = new URL(c.req.url).pathname;
  if (response.status === 404) return c.html(notFoundPage("Page not found."), 404);
  const out = new Response(response.body, response);
  if (path === "/widget.js" || path.startsWith("/widget/")) {
    out.headers.set("access-control-allow-origin", "*");
    out.headers.set("cross-origin-resource-policy", "cross-origin");
    // The loader's URL never changes, so it must be revalidated; the rest is cached briefly.
    out.headers.set("cache-control", path === "/widget.js" ? "public, max-age=300, must-revalidate" : "public, max-age=3600");
  }
  return out;
}
