/**
 * What the inbox knows about the org around a conversation: colleagues (and who is
 * available), teams, labels, sites and canned replies — loaded once, kept current by the
 * inbox socket's presence events.
 */
import { useEffect, useState } from "preact/hooks";
import type { CannedReply, Colleague, Label, Presence, Team } from "../../shared/staff";
import { get } from "./api";

export interface Directory {
  colleagues: Colleague[];
  teams: Team[];
  labels: Label[];
  sites: { key: string; name: string }[];
  canned: CannedReply[];
  autoAssign: boolean;
}

const EMPTY: Directory = { colleagues: [], teams: [], labels: [], sites: [], canned: [], autoAssign: false };

export function useDirectory(): [Directory, { reload(): void; presence(staffId: string, presence: Presence): void }] {
  const [dir, setDir] = useState<Directory>(EMPTY);
  const reload = () => {
    void Promise.all([
      get<{ colleagues: Colleague[]; sites: Directory["sites"]; autoAssign: boolean }>("/api/staff/directory"),
      get<{ teams: Team[] }>("/api/staff/teams"),
      get<{ labels: Label[] }>("/api/staff/labels"),
      get<{ cannedReplies: CannedReply[] }>("/api/staff/canned-replies"),
    ]).then(
      ([d, t, l, c]) => setDir({ colleagues: d.colleagues, sites: d.sites, autoAssign: d.autoAssign, teams: t.teams, labels: l.labels, canned: c.cannedReplies }),
      () => {},
    );
  };
  useEffect(reload, []);
  const presence = (staffId: string, p: Presence) => setDir((d) => ({ ...d, colleagues: d.colleagues.map((c) => (c.id === staffId ? { ...c, presence: p } : c)) }));
  return [dir, { reload, presence }];
}

export const PRESENCE_TEXT: Record<Presence, string> = { available: "available", away: "away", offline: "offline" };
