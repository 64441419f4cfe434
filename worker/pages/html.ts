/**
 * Server-rendered HTML. Nothing inline: scripts and styles are files, so the pages run
 * under a strict Content-Security-Policy (the same one the README recommends to sites).
 */
import type { SiteConfig } from "../../shared/config";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function page(title: string, body: string, extraHead = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/demo/demo.css">
${extraHead}
</head>
<body>
${body}
</body>
</html>`;
}

export function demoPage(): string {
  return page(
    "Lumen Notes — notes that keep up with you",
    `<header class="site-header">
  <a class="brand" href="/">◐ Lumen Notes</a>
  <nav><a href="#features">Features</a><a href="#pricing">Pricing</a><a href="/help/getting-started">Help</a><a href="/chat/demo">Chat page</a></nav>
</header>
<main>
  <section class="hero">
    <h1>Notes that keep up with you.</h1>
    <p>Write, organise and share notes on every device. Lumen Notes syncs in seconds, works offline, and keeps a year of history.</p>
    <p class="demo-hint">This is the Switchboard demo. Open the chat at the bottom right and try:
      <em>“I was charged twice on invoice INV-1001”</em>,
      <em>“the app crashes when I log in”</em>,
      <em>“how do I export my notes?”</em> or
      <em>“can I talk to a person?”</em></p>
  </section>
  <section id="features" class="features">
    <article><h2>Everywhere</h2><p>Web, Windows, macOS, iOS and Android, always in sync.</p></article>
    <article><h2>Together</h2><p>Share a note, edit at the same time, comment and mention.</p></article>
    <article><h2>Private</h2><p>Encrypted at rest and in transit; end-to-end encrypted notebooks on Pro.</p></article>
  </section>
  <section id="pricing" class="pricing">
    <article><h2>Free</h2><p class="price">$0</p><p>3 devices · 60 MB uploads a month</p></article>
    <article><h2>Pro</h2><p class="price">$8<span>/month</span></p><p>Unlimited devices · 10 GB uploads · 1 year history</p></article>
    <article><h2>Team</h2><p class="price">$12<span>/member/month</span></p><p>Shared spaces · SSO · priority support</p></article>
  </section>
</main>
<footer class="site-footer">Lumen Notes is a fictional company. The chat is Switchboard.</footer>
<script src="/widget.js" data-site-key="demo" async></script>`,
  );
}

export function chatPage(site: SiteConfig): string {
  return page(
    `${site.theme.title} — ${site.name}`,
    `<main class="chat-page"><h1 class="visually-hidden">${escapeHtml(site.theme.title)}</h1><div id="switchboard-page"></div></main>
<script src="/widget.js" data-site-key="${escapeHtml(site.key)}" data-mode="page" async></script>`,
    `<meta name="description" content="${escapeHtml(site.theme.subtitle || site.theme.title)}">`,
  );
}

export function inboxPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Inbox — Switchboard</title>
<link rel="stylesheet" href="/inbox.css">
</head>
<body>
<div id="inbox"></div>
<script type="module" src="/widget/inbox.js"></script>
</body>
</html>`;
}

/** The site owner's console (widget/admin): one page; its own router draws the rest. */
export function adminPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Console — Switchboard</title>
<link rel="stylesheet" href="/admin.css">
</head>
<body>
<div id="admin"></div>
<script type="module" src="/widget/admin.js"></script>
</body>
</html>`;
}

/**
 * The console's live preview: the real widget.js for a site on a neutral page, framed by the
 * console, which sends it the unsaved config (admin-preview.js → `Switchboard("preview", …)`).
 */
export function adminPreviewPage(site: SiteConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview — ${escapeHtml(site.name)}</title>
<link rel="stylesheet" href="/admin-preview.css">
</head>
<body>
<main class="pv-page" aria-label="A sample page of your site">
  <div class="pv-bar"></div><div class="pv-line"></div><div class="pv-line pv-short"></div><div class="pv-line"></div>
</main>
<script type="module" src="/widget/admin-preview.js"></script>
<script src="/widget.js" data-site-key="${escapeHtml(site.key)}" async></script>
</body>
</html>`;
}

export function helpArticlePage(title: string, text: string): string {
  const paragraphs = text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
    .join("\n");
  return page(
    `${title} — Lumen Notes help`,
    `<header class="site-header"><a class="brand" href="/">◐ Lumen Notes</a><nav><a href="/">Home</a></nav></header>
<main class="article"><p class="crumbs">Help center</p><h1>${escapeHtml(title)}</h1>${paragraphs}</main>
<script src="/widget.js" data-site-key="demo" async></script>`,
  );
}

export function notFoundPage(message: string): string {
  return page("Not found", `<main class="article"><h1>Not found</h1><p>${escapeHtml(message)}</p></main>`);
}
