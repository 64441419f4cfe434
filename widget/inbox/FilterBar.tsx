/**
 * Search and the filters beside the status tabs: assignee, team, label, site. On a phone
 * the filters fold behind one button so the queue keeps the screen.
 */
import { useState } from "preact/hooks";
import type { Directory } from "./directory";
import type { Filter } from "./filters";

interface Props {
  filter: Filter;
  onChange(f: Filter): void;
  dir: Directory;
  me: string;
}

export function FilterBar({ filter, onChange, dir, me }: Props) {
  const [open, setOpen] = useState(false);
  const active = [filter.assignee, filter.team, filter.label, filter.site].filter(Boolean).length;
  const select = (label: string, key: "assignee" | "team" | "label" | "site", options: [string, string][]) => (
    <div class="ib-filter">
      <label for={`ib-filter-${key}`}>{label}</label>
      <select id={`ib-filter-${key}`} value={filter[key]} onChange={(e) => onChange({ ...filter, [key]: (e.target as HTMLSelectElement).value })}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <div class="ib-filterbar">
      <div class="ib-searchrow">
        <label class="ib-sr" for="ib-search">
          Search conversations
        </label>
        <input
          id="ib-search"
          type="search"
          placeholder="Search messages, names, emails  /"
          autocomplete="off"
          value={filter.text}
          onInput={(e) => onChange({ ...filter, text: (e.target as HTMLInputElement).value })}
          onKeyDown={(e) => {
            if (e.key === "Escape" && filter.text) {
              e.stopPropagation();
              onChange({ ...filter, text: "" });
            }
          }}
        />
        <button type="button" class="ib-filters-toggle" aria-expanded={open} aria-controls="ib-filters" onClick={() => setOpen(!open)}>
          Filters{active ? ` (${active})` : ""}
        </button>
      </div>
      <div id="ib-filters" class={open ? "ib-filters ib-open" : "ib-filters"}>
        {select("Assignee", "assignee", [
          ["", "Anyone"],
          ["me", "Me"],
          ["none", "Unassigned"],
          ...dir.colleagues.filter((c) => c.id !== me).map((c): [string, string] => [c.id, c.name]),
        ])}
        {dir.teams.length ? select("Team", "team", [["", "Any team"], ...dir.teams.map((t): [string, string] => [t.id, t.name])]) : null}
        {dir.labels.length ? select("Label", "label", [["", "Any label"], ...dir.labels.map((l): [string, string] => [l.name, l.name])]) : null}
        {dir.sites.length > 1 ? select("Site", "site", [["", "Any site"], ...dir.sites.map((s): [string, string] => [s.key, s.name])]) : null}
        {active ? (
          <button type="button" class="ib-link ib-clear" onClick={() => onChange({ ...filter, assignee: "", team: "", label: "", site: "" })}>
            Clear
          </button>
        ) : null}
      </div>
    </div>
  );
}
