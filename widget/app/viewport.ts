/**
 * On phones the panel is full screen; when the on-screen keyboard opens, the visual
 * viewport shrinks but the layout viewport does not (iOS), so the input would hide behind
 * the keyboard. The panel follows the visual viewport instead.
 */
export function followKeyboard(panel: HTMLElement): void {
  const vv = window.visualViewport;
  if (!vv) return;
  const update = () => {
    if (window.innerWidth > 640) {
      panel.style.removeProperty("height");
      panel.style.removeProperty("top");
      return;
    }
    panel.style.height = `${vv.height}px`;
    panel.style.top = `${vv.offsetTop}px`;
  };
  vv.addEventListener("resize", update);
  vv.addEventListener("scroll", update);
  update();
}
