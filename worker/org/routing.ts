/**
 * Where an org's conversations go, as its inbox object sees it: the assignment settings and
 * the teams (read from D1 when first needed and kept until an admin write says they
 * changed). A conversation's team is the one it names (a handoff or a reassignment chose
 * it), else the team its site goes to, else none (everyone's queue).
 */
import type { Team } from "../../shared/staff";
import type { IndexEntry } from "../durable/rpc";
import { capacityOf, type InboxSettings, readSettings } from "../inbox/settings";
import { listTeams } from "../inbox/teams";

export class Routing {
  private constructor(
    readonly settings: InboxSettings,
    readonly teams: Team[],
  ) {}

  static async load(db: D1Database, orgId: string): Promise<Routing> {
    const [settings, teams] = await Promise.all([readSettings(db, orgId), listTeams(db, orgId)]);
    return new Routing(settings, teams);
  }

  teamOf(entry: Pick<IndexEntry, "teamId" | "siteKey">): Team | null {
    return (entry.teamId ? this.teams.find((t) => t.id === entry.teamId) : null) ?? this.teams.find((t) => t.siteKeys.includes(entry.siteKey)) ?? null;
  }

  /** A team with no members takes nobody in particular: anyone may be assigned. */
  mayTake(team: Team | null, staffId: string): boolean {
    return !team || team.memberIds.length === 0 || team.memberIds.includes(staffId);
  }

  sitesOf(teamId: string): string[] {
    return this.teams.find((t) => t.id === teamId)?.siteKeys ?? [];
  }

  capacity(staffId: string): number {
    return capacityOf(this.settings, staffId);
  }
}
