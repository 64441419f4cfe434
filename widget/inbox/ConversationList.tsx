/**
 * The queue: one row per conversation — who (named, or "Visitor #a3f9 · anonymous"), the
 * status, unread count, the last message (or, when searching, the passage that matched),
 * how long it has waited, who has it, its team and labels.
 */
import { useEffect, useState } from "preact/hooks";
import type { ConversationHit, Team } from "../../shared/staff";
import { MARKS } from "./marks";
import { IDENTITY_TEXT, identityKind, visitorLabel } from "./visitor";

interface Props {
  rows: ConversationHit[];
  selected: string | null;
  onSelect(id: string): void;
  searching: boolean;
  teams: Team[];
}

export function ConversationList({ rows, selected, onSelect, searching, teams }: Props) {
  return (
    <ul class="ib-list" aria-label="Conversations">
      {rows.length === 0 ? <li class="ib-empty">{searching ? "No conversation matches." : "Nothing here."}</li> : null}
      {rows.map((c) => {
        const kind = identityKind(c);
        const team = c.teamId ? (teams.find((t) => t.id === c.teamId)?.name ?? c.teamId) : null;
        return (
          <li key={c.id}>
            <button type="button" class={c.id === selected ? "ib-row ib-selected" : "ib-row"} data-id={c.id} aria-current={c.id === selected ? "true" : undefined} onClick={() => onSelect(c.id)}>
              <span class="ib-row-top">
                <span class="ib-who">{visitorLabel(c)}</span>
                {kind !== "verified" ? <span class={`ib-id ib-id-${kind}`}>{IDENTITY_TEXT[kind]}</span> : null}
                <span class={`ib-status ib-${c.status}`}>{c.status}</span>
                {c.unread ? (
                  <span class="ib-unread" aria-label={`${c.unread} unread`}>
                    {c.unread}
                  </span>
                ) : null}
              </span>
              <span class="ib-last">{searching && c.snippet ? <MARKS text={plain(c.snippet)} /> : plain(c.lastMessage ?? "")}</span>
              <span class="ib-meta">
                {c.status === "waiting" && c.waitingSince ? <Waiting since={c.waitingSince} /> : null}
                {c.assigneeName ? <span>with {c.assigneeName}</span> : null}
                {team ? <span class="ib-team">{team}</span> : null}
                {c.labels.map((l) => (
                  <span key={l} class="ib-label">
                    {l}
                  </span>
                ))}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

export function Waiting({ since }: { since: string }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 15_000);
    return () => clearInterval(t);
  }, []);
  const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 60_000));
  return <span class="ib-wait">waiting {minutes < 1 ? "< 1 min" : `${minutes} min`}</span>;
}

/** A preview line: Markdown's marks dropped (links keep their text). */
export function plain(text: string): string {
  return text
    .replace(/\[([^\]]+)\]\([^)\s]+\)/g, "$1")
    .replace(/(\*\*|__|`)/g, "")
    .replace(/(^|\s)\*(\S)/g, "$1$2")
    .replace(/\s+/g, " ");
}
