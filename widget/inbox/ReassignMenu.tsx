/**
 * Hand the conversation on: to a colleague (with whether they are there and how many they
 * hold against their capacity) or to a team's queue.
 */
import { useEffect, useRef } from "preact/hooks";
import type { Directory } from "./directory";
import { PRESENCE_TEXT } from "./directory";

interface Props {
  dir: Directory;
  assigneeId: string | null;
  onPick(target: { staffId: string } | { teamId: string }): void;
  onClose(): void;
}

export function ReassignMenu({ dir, assigneeId, onPick, onClose }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.querySelector<HTMLElement>("button")?.focus();
  }, []);
  const people = dir.colleagues.filter((c) => c.id !== assigneeId);
  return (
    <div
      class="ib-popover ib-reassign"
      role="dialog"
      aria-label="Reassign"
      ref={box}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <h3>To a colleague</h3>
      <ul>
        {people.map((c) => (
          <li key={c.id}>
            <button type="button" onClick={() => onPick({ staffId: c.id })}>
              <span class={`ib-dot ib-dot-${c.presence}`} aria-hidden="true" />
              <span class="ib-grow">{c.name}</span>
              <span class="ib-muted">
                {PRESENCE_TEXT[c.presence]} · {c.open}/{c.capacity}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {dir.teams.length ? (
        <>
          <h3>To a team's queue</h3>
          <ul>
            {dir.teams.map((t) => (
              <li key={t.id}>
                <button type="button" onClick={() => onPick({ teamId: t.id })}>
                  <span class="ib-grow">{t.name}</span>
                  <span class="ib-muted">{t.memberIds.length} people</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <button type="button" class="ib-link" onClick={onClose}>
        Cancel
      </button>
    </div>
  );
}
