/**
 * The inbox's filter bar: a status tab plus assignee, team, label, site and words. The
 * server answers the list for a filter; live updates are checked against it here, so a
 * conversation that stops matching leaves the list and one that starts matching joins it.
 */
import type { ConversationSummary } from "../../shared/staff";

export type Tab = "waiting" | "mine" | "open" | "resolved" | "all";
export const TABS: [Tab, string][] = [
  ["waiting", "Waiting"],
  ["mine", "Mine"],
  ["open", "Open"],
  ["resolved", "Resolved"],
  ["all", "All"],
];

export interface Filter {
  tab: Tab;
  /** "" anyone, "me", "none" (unassigned) or a staff id. */
  assignee: string;
  team: string;
  label: string;
  site: string;
  text: string;
}

export const NO_FILTER: Filter = { tab: "open", assignee: "", team: "", label: "", site: "", text: "" };

export function queryOf(f: Filter): string {
  const q = new URLSearchParams({ status: f.tab, limit: "200" });
  if (f.assignee) q.set("assignee", f.assignee);
  if (f.team) q.set("team", f.team);
  if (f.label) q.set("label", f.label);
  if (f.site) q.set("site", f.site);
  if (f.text.trim()) q.set("q", f.text.trim());
  return q.toString();
}

export function inTab(c: ConversationSummary, tab: Tab, myId: string): boolean {
  if (tab === "all") return true;
  if (tab === "open") return c.status === "waiting" || c.status === "human";
  if (tab === "mine") return c.status === "human" && c.assigneeId === myId;
  return c.status === tab;
}

/**
 * Whether a row belongs in the list (words aside: the server matched them). A team filter
 * counts a conversation the team's site routes there.
 */
export function matches(c: ConversationSummary, f: Filter, myId: string, teamSites: (team: string) => string[]): boolean {
  if (!inTab(c, f.tab, myId)) return false;
  if (f.assignee === "me" && c.assigneeId !== myId) return false;
  if (f.assignee === "none" && c.assigneeId !== null) return false;
  if (f.assignee && f.assignee !== "me" && f.assignee !== "none" && c.assigneeId !== f.assignee) return false;
  if (f.team && c.teamId !== f.team && !(c.teamId === null && teamSites(f.team).includes(c.siteKey))) return false;
  if (f.label && !c.labels.includes(f.label)) return false;
  if (f.site && c.siteKey !== f.site) return false;
  return true;
}

/** The queue's order: waiting first (longest wait first), then held, then the rest; resolved and all newest first. */
export function sortRows<T extends ConversationSummary>(rows: T[], tab: Tab, byRelevance: boolean): T[] {
  if (byRelevance) return rows;
  const rank = (c: ConversationSummary) => (c.status === "waiting" ? 0 : c.status === "human" ? 1 : 2);
  const newestFirst = tab === "resolved" || tab === "all";
  return [...rows].sort((a, b) => rank(a) - rank(b) || (a.waitingSince ?? a.updatedAt).localeCompare(b.waitingSince ?? b.updatedAt) * (newestFirst ? -1 : 1));
}
