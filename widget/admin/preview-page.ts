/**
 * widget/admin-preview.js: runs in the console's preview frame (/admin/preview/:key), next to
 * the real widget.js. The console posts each unsaved config here; it goes to the widget as
 * `Switchboard("preview", config)`. Only the console's own origin is listened to.
 */
type Queue = ((...args: unknown[]) => void) & { q?: unknown[][] };
const w = window as unknown as { Switchboard?: Queue };
// The widget's command queue, in case this runs before widget.js has loaded.
w.Switchboard =
  w.Switchboard ??
  Object.assign(
    (...args: unknown[]) => {
      ((w.Switchboard as Queue).q ??= []).push(args);
    },
    { q: [] as unknown[][] },
  );

window.addEventListener("message", (event) => {
  if (event.origin !== location.origin || event.source !== window.parent) return;
  const data = event.data as { type?: string; config?: unknown };
  if (data?.type !== "switchboard:preview" || !data.config) return;
  w.Switchboard?.("preview", data.config);
  w.Switchboard?.("open");
});
window.parent.postMessage({ type: "switchboard:preview-ready" }, location.origin);
