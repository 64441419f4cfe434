/**
 * Real Chromium (Debian's, at /usr/bin/chromium or CHROMIUM_PATH) driven by playwright-core,
 * and a host page server on another loopback port, so the widget runs cross-origin the way
 * it does on a customer's site.
 */
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p)) ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

export interface HostPages {
  origin: string;
  /** Serves `html` at `path` with optional extra headers (a CSP, say). */
  page(path: string, html: string, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

export async function hostPages(): Promise<HostPages> {
  const pages = new Map<string, { html: string; headers: Record<string, string> }>();
  const server: Server = createServer((req, res) => {
    const page = pages.get((req.url ?? "/").split("?")[0] ?? "/");
    if (!page) return void res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", ...page.headers }).end(page.html);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    page: (path, html, headers = {}) => void pages.set(path, { html, headers }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function embedPage(backend: string, body = "", head = "", siteKey = "demo"): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Host page</title>${head}</head><body><main>${body}<h1>A customer's site</h1></main><script src="${backend}/widget.js" data-site-key="${siteKey}" async></script></body></html>`;
}

/** The widget's shadow root, for `page.evaluate` callbacks. */
export const SHADOW = "#switchboard-widget";

/** axe-core's serious and critical violations on the page (works under a strict CSP too). */
export async function axeViolations(page: import("playwright-core").Page, include?: string): Promise<string[]> {
  const { readFileSync } = await import("node:fs");
  const { createRequire } = await import("node:module");
  const source = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(source);
  return page.evaluate(async (selector) => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: unknown }[] }[] }> } }).axe;
    const result = await axe.run(selector ? { include: [[selector]] } : document, { resultTypes: ["violations"] });
    return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.impact} ${v.id} ${JSON.stringify(v.nodes[0]?.target)}`);
  }, include ?? null);
}
