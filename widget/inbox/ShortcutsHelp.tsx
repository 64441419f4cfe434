/** The `?` overlay: every keyboard shortcut, from the same table the keys are read with. */
import { useEffect, useRef } from "preact/hooks";
import { COMPOSER_HINTS, SHORTCUTS } from "./shortcuts";

export function ShortcutsHelp({ onClose }: { onClose(): void }) {
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    dialog.current?.focus();
    return () => before?.focus();
  }, []);
  const keys = (k: string[]) => k.flatMap((key, i) => (i ? [" + ", <kbd key={key}>{key}</kbd>] : [<kbd key={key}>{key}</kbd>]));
  return (
    <div class="ib-overlay" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="ib-dialog" role="dialog" aria-modal="true" aria-labelledby="ib-help-title" tabIndex={-1} ref={dialog}>
        <h2 id="ib-help-title">Keyboard shortcuts</h2>
        <table>
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.command}>
                <th scope="row">{keys(s.keys)}</th>
                <td>{s.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>In the reply box</h3>
        <table>
          <tbody>
            {COMPOSER_HINTS.map((s) => (
              <tr key={s.what}>
                <th scope="row">{keys(s.keys)}</th>
                <td>{s.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
