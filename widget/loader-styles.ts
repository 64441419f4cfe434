/**
 * The launcher's CSS and the panel's frame (position, size, mobile full screen). The chat
 * app adds its own sheet for everything inside the panel. The page's selectors cannot reach
 * into the shadow root, but inherited properties (font, colour…) flow through the host
 * element, even `!important` ones, so the panel and launcher set their own.
 */
export const LAUNCHER_CSS = `
:host{all:initial;--sb-primary:#4f46e5;--sb-z:2147483000;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:16px;line-height:1.45;color:#111827}
.sb-panel,.sb-launcher{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:16px;font-weight:400;font-style:normal;line-height:1.45;color:#111827;letter-spacing:normal;word-spacing:normal;text-transform:none;text-indent:0;text-shadow:none;visibility:visible}
.sb-launcher{position:fixed;bottom:20px;right:20px;z-index:var(--sb-z);width:60px;height:60px;border-radius:50%;border:0;cursor:pointer;background:var(--sb-primary);color:#fff;display:flex;align-items:center;justify-content:center;box-shadow:0 6px 24px rgba(0,0,0,.22);transition:transform .15s}
.sb-launcher:hover{transform:scale(1.05)}
.sb-launcher:focus-visible{outline:3px solid #111827;outline-offset:3px}
:host([data-position=left]) .sb-launcher{right:auto;left:20px}
.sb-badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;box-sizing:border-box;border-radius:11px;background:#dc2626;color:#fff;font:700 12px/22px system-ui,sans-serif;text-align:center}
.sb-badge[hidden],.sb-panel[hidden]{display:none}
.sb-panel{position:fixed;bottom:92px;right:20px;z-index:var(--sb-z);width:380px;height:min(640px,calc(100vh - 120px));display:flex;flex-direction:column;background:#fff;border-radius:16px;box-shadow:0 12px 48px rgba(0,0,0,.25);overflow:hidden}
:host([data-position=left]) .sb-panel{right:auto;left:20px}
.sb-panel.sb-page{position:static;width:auto;height:100%;max-width:820px;margin:0 auto;border-radius:0;box-shadow:none}
@media (max-width:640px){.sb-panel:not(.sb-page){inset:0;width:auto;height:auto;border-radius:0;bottom:0;right:0}.sb-launcher.sb-open{display:none}}
`;
