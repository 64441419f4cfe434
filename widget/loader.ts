/**
 * widget.js: the only script a site loads up front, so it stays tiny (budget: 4 KB gzip).
 * It installs the `window.Switchboard(command, …)` queue, draws the launcher in a shadow
 * root (the page's CSS cannot reach it, ours cannot leak out), and loads the chat app on
 * first open or when the browser is idle.
 */
import type { PublicSiteConfig } from "../shared/config";
import type { AppController, Identity, MountOptions, WidgetEvent } from "./types";
import { LAUNCHER_CSS } from "./loader-styles";

type Command = [string, ...unknown[]];
type Api = ((...command: Command) => void) & { q?: ArrayLike<unknown>[]; loaded?: boolean };

(() => {
  const w = window as unknown as { Switchboard?: Api };
  if (w.Switchboard?.loaded) return;
  const script = document.currentScript as HTMLScriptElement | null;
  const siteKey = script?.dataset.siteKey;
  if (!script || !siteKey) return console.error("Switchboard: the script tag needs data-site-key");
  const base = new URL(script.src).origin;
  const mode = script.dataset.mode === "page" ? "page" : "widget";
  const handlers: Partial<Record<WidgetEvent, ((payload: unknown) => void)[]>> = {};
  const waiting: Command[] = [];
  let app: AppController | null = null;
  let loading: Promise<void> | null = null;
  let isOpen = false;
  let ready = false;
  let config: PublicSiteConfig | null = null;

  const emit = (event: WidgetEvent, payload?: unknown) => {
    for (const fn of handlers[event] ?? []) {
      try {
        fn(payload);
      } catch (e) {
        console.error(e);
      }
    }
  };

  // ---- DOM: a host element with an open shadow root ----
  const pageRoot = mode === "page" ? document.getElementById("switchboard-page") : null;
  const host = pageRoot ?? document.createElement("div");
  if (!pageRoot) {
    host.id = "switchboard-widget";
    document.body.appendChild(host);
  }
  const shadow = host.attachShadow({ mode: "open" });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(LAUNCHER_CSS);
  shadow.adoptedStyleSheets = [sheet];
  const panel = document.createElement("div");
  panel.className = mode === "page" ? "sb-panel sb-page" : "sb-panel";
  panel.hidden = mode !== "page";
  const launcher = document.createElement("button");
  launcher.className = "sb-launcher";
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  // Built node by node (no innerHTML), so pages that enforce Trusted Types accept it.
  const svgNs = "http://www.w3.org/2000/svg";
  const icon = document.createElementNS(svgNs, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("width", "26");
  icon.setAttribute("height", "26");
  icon.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(svgNs, "path");
  path.setAttribute("fill", "currentColor");
  icon.append(path);
  const badge = document.createElement("span");
  badge.className = "sb-badge";
  badge.hidden = true;
  launcher.append(icon, badge);
  shadow.append(panel);

  // The launcher is a chat bubble, and the close control while the panel is open. Its labels
  // come in the visitor's language once the app has loaded.
  let labels = { open: "Open chat", close: "Close chat", unread: "{n} unread" };
  let unread = 0;
  const drawLauncher = () => {
    path.setAttribute("d", isOpen ? "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z" : "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z");
    launcher.setAttribute("aria-label", isOpen ? labels.close : unread ? `${labels.open} (${labels.unread.replace("{n}", String(unread))})` : labels.open);
    badge.hidden = unread === 0;
    badge.textContent = unread > 9 ? "9+" : String(unread);
  };
  const setUnread = (n: number) => {
    unread = n;
    drawLauncher();
  };
  drawLauncher();

  const theme = (c: PublicSiteConfig) => {
    host.style.setProperty("--sb-primary", c.theme.primaryColor);
    host.style.setProperty("--sb-z", String(c.theme.zIndex));
    host.dataset.position = c.theme.position;
  };

  // Nothing is shown until the site's settings are here (its colours, its side). A site that
  // refuses this page shows visitors nothing, and tells the owner why in the console.
  const configReady = fetch(`${base}/api/sites/${encodeURIComponent(siteKey)}/config`)
    .then(async (r) => {
      if (r.ok) return (await r.json()) as PublicSiteConfig;
      throw new Error(r.status === 403 ? `add ${location.origin} to the allowed origins of the site "${siteKey}": this page's origin is not allowed` : `site "${siteKey}": ${r.status}`);
    })
    .then(
      (c) => {
        config = c;
        theme(c);
        if (mode === "widget") shadow.append(launcher);
        return c;
      },
      (e: Error) => {
        console.error(`Switchboard: ${e.message}`);
        if (!pageRoot) host.remove();
        return null;
      },
    );

  const load = () =>
    (loading ??= configReady
      .then((c) => (c ? (import(/* @vite-ignore */ `${base}/widget/app.js`) as Promise<{ mount(o: MountOptions): AppController }>) : null))
      .then((mod) => {
        if (!mod) return;
        app = mod.mount({
          container: panel,
          shadow,
          base,
          siteKey,
          config: config as PublicSiteConfig,
          mode,
          emit,
          setUnread,
          requestClose: () => setOpen(false),
          setLabels: (l) => {
            labels = l;
            drawLauncher();
          },
        });
        if (mode === "page") app.setOpen(true);
        for (const command of waiting.splice(0)) run(command);
        ready = true;
        emit("ready");
      })
      .catch((e) => console.error("Switchboard failed to load", e)));

  const setOpen = (open: boolean) => {
    if (mode === "page") return;
    if (!app) {
      if (open) waiting.push(["open"]);
      void load();
      return;
    }
    if (open === isOpen) return;
    isOpen = open;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.classList.toggle("sb-open", open);
    drawLauncher();
    app.setOpen(open);
    emit(open ? "open" : "close");
    if (!open) launcher.focus();
  };

  const run = ([name, ...args]: Command) => {
    switch (name) {
      case "open":
      case "close":
      case "toggle":
        return setOpen(name === "toggle" ? !isOpen : name === "open");
      case "on": {
        const fn = args[1] as (p: unknown) => void;
        (handlers[args[0] as WidgetEvent] ??= []).push(fn);
        // A `ready` handler added after the fact still runs, like a DOM-ready callback.
        if (args[0] === "ready" && ready) setTimeout(() => fn(undefined));
        return;
      }
      case "preview":
        // The console's live preview (widget/admin): draw an unsaved config.
        config = args[0] as PublicSiteConfig;
        theme(config);
        if (app) return app.preview?.(config);
        waiting.push([name, ...args]);
        return void load();
      case "sendMessage":
      case "identify":
      case "reset":
        if (!app) {
          waiting.push([name, ...args]);
          void load();
          return;
        }
        if (name === "sendMessage") app.send(String(args[0] ?? ""));
        else if (name === "identify") app.identify(args[0] as Identity);
        else app.reset();
        return;
      default:
        console.warn(`Switchboard: unknown command "${name}"`);
    }
  };

  const earlier = Array.from(w.Switchboard?.q ?? []) as ArrayLike<unknown>[];
  const api: Api = (...command: Command) => run(command);
  api.loaded = true;
  w.Switchboard = api;
  for (const args of earlier) run(Array.from(args) as Command);

  launcher.addEventListener("click", () => setOpen(!isOpen));
  if (mode === "page") void load();
  else {
    // Load the app ahead of the first click when the browser has nothing better to do.
    const idle = (window as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => void }).requestIdleCallback;
    if (idle) idle(() => void load(), { timeout: 5000 });
    else setTimeout(() => void load(), 3000);
  }
})();
