/** The chat panel's CSS, adopted into the shadow root as a constructable stylesheet (no <style>, so strict CSP holds). */
export const APP_CSS = `
*{box-sizing:border-box}
.sb-app{display:flex;flex-direction:column;height:100%;min-height:0;font:inherit;color:#111827;background:#fff}
.sb-app{text-align:start}
bdi,.sb-author{unicode-bidi:isolate}
.sb-header{display:flex;align-items:center;gap:4px;padding:8px 6px 8px 16px;min-height:60px;background:var(--sb-primary);color:#fff}
.sb-app[dir=rtl] .sb-header{padding:8px 16px 8px 6px}
.sb-header img{width:32px;height:32px;border-radius:50%;background:#fff;margin-inline-end:6px}
.sb-titles{flex:1;min-width:0}
.sb-title,.sb-subtitle{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.sb-title{margin:0;font-size:17px;font-weight:650;line-height:1.25}
.sb-subtitle{margin:2px 0 0;font-size:13px;opacity:.9}
.sb-iconbtn{flex:none;display:inline-flex;align-items:center;justify-content:center;width:44px;height:44px;border:0;background:transparent;color:inherit;cursor:pointer;border-radius:10px;padding:0}
.sb-iconbtn:hover{background:rgba(127,127,127,.18)}
.sb-app button:focus-visible,.sb-app a:focus-visible{outline:3px solid #111827;outline-offset:2px}
.sb-app textarea:focus,.sb-app input:focus{outline:2px solid var(--sb-primary);outline-offset:0;border-color:transparent}
.sb-header .sb-iconbtn:focus-visible{outline-color:#fff;outline-offset:-3px}
.sb-banner{padding:8px 16px;font-size:14px;background:#fef3c7;color:#78350f;border-bottom:1px solid #fde68a}
.sb-banner.sb-info{background:#eef2ff;color:#312e81;border-color:#e0e7ff}
.sb-log{flex:1;min-height:0;overflow-y:auto;overscroll-behavior:contain}
.sb-stack{padding:16px;display:flex;flex-direction:column;gap:10px}
.sb-msg{max-width:85%;padding:10px 13px;border-radius:16px;background:#f3f4f6;overflow-wrap:anywhere;white-space:normal}
.sb-msg p{margin:0 0 8px}.sb-msg p:last-child{margin-bottom:0}
.sb-msg ul,.sb-msg ol{margin:4px 0 8px;padding-inline-start:20px}
.sb-msg pre{margin:6px 0;padding:8px;background:#111827;color:#f9fafb;border-radius:8px;overflow-x:auto;font-size:13px;direction:ltr;text-align:left}
.sb-msg code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
.sb-msg a{color:inherit;text-decoration:underline}
.sb-user{align-self:flex-end;background:var(--sb-primary);color:#fff;border-end-end-radius:4px}
.sb-assistant,.sb-human{align-self:flex-start;border-end-start-radius:4px}
.sb-human{background:#ecfdf5;border:1px solid #a7f3d0}
.sb-system{align-self:center;max-width:95%;background:transparent;color:#4b5563;font-size:13px;text-align:center;padding:2px 8px}
.sb-author{display:block;font-size:12px;font-weight:600;color:#4b5563;margin-bottom:2px}
.sb-sending{opacity:.65}
.sb-meta{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:6px;font-size:12px;color:#4b5563}
.sb-source-block{margin-top:8px}
.sb-msg .sb-sources{margin:6px 0 0;padding:0;list-style:none;font-size:13px}
.sb-sources li{margin-top:2px}
.sb-sources a{color:#3730a3}
.sb-rate{display:inline-flex;align-items:center;border:1px solid #d1d5db;background:#fff;border-radius:999px;padding:4px 9px;cursor:pointer;color:#374151}
.sb-down svg{transform:scaleY(-1)}
.sb-rate[aria-pressed=true]{background:#111827;color:#fff;border-color:#111827}
.sb-activity{align-self:flex-start;margin:0;font-size:13px;color:#4b5563;font-style:italic}
.sb-badge-auto{font-size:11px;background:#f3f4f6;border:1px solid #d1d5db;border-radius:999px;padding:1px 7px}
.sb-team{display:flex;align-items:center;gap:10px;font-size:14px;color:#374151}
.sb-team p{margin:0}
.sb-faces{display:flex;margin:0;padding:0;list-style:none}
.sb-faces li{width:36px;height:36px;margin-inline-end:-8px;border-radius:50%;border:2px solid #fff;background:var(--sb-primary);color:#fff;display:flex;align-items:center;justify-content:center;font-weight:650;overflow:hidden}
.sb-faces img{width:100%;height:100%;object-fit:cover}
.sb-faces+p{margin-inline-start:8px}
.sb-chips{display:flex;flex-wrap:wrap;gap:8px}
.sb-chip{border:1px solid var(--sb-primary);background:#fff;color:#1f2937;border-radius:999px;padding:8px 14px;font:inherit;font-size:14px;cursor:pointer;text-align:start}
.sb-composer{display:flex;gap:6px;align-items:flex-end;padding:10px 12px;border-top:1px solid #e5e7eb;background:#fff}
.sb-composer .sb-iconbtn{color:#4b5563}
.sb-app textarea{flex:1;resize:none;min-height:44px;max-height:140px;padding:10px 12px;border:1px solid #d1d5db;border-radius:12px;font:inherit;font-size:16px;line-height:1.4;color:inherit;background:#fff}
.sb-send{min-width:44px;min-height:44px;border:0;border-radius:12px;background:var(--sb-primary);color:#fff;font:inherit;font-weight:600;padding:0 14px;cursor:pointer}
.sb-send.sb-stop{background:#374151}
.sb-send:disabled{opacity:.5;cursor:default}
.sb-composer[hidden]{display:none}
.sb-error{margin:0;padding:6px 16px;font-size:13px;color:#991b1b}
.sb-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.sb-dots{display:inline-flex;gap:3px}.sb-dots i{width:6px;height:6px;border-radius:50%;background:#9ca3af;animation:sb-b 1s infinite}.sb-dots i:nth-child(2){animation-delay:.15s}.sb-dots i:nth-child(3){animation-delay:.3s}
@keyframes sb-b{0%,80%,100%{opacity:.3}40%{opacity:1}}
@media (prefers-reduced-motion:reduce){.sb-dots i{animation:none}}
`;

let root: ShadowRoot | null = null;

/** Adds a stylesheet to the widget's shadow root (the app's at mount, the extras' when they load). */
export function adopt(css: string, shadow: ShadowRoot | null = root): void {
  root = shadow;
  if (!shadow) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet];
}
