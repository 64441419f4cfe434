/**
 * Teams (D1): a name, the staff in it, and the sites whose conversations go to its queue
 * (a site goes to one team at most). Members are staff of the same org; a member whose
 * account is deleted simply drops out of the lists.
 */
import type { Team } from "../../shared/staff";

export async function listTeams(db: D1Database, orgId: string): Promise<Team[]> {
  const [teams, members, sites] = await db.batch([
    db.prepare("SELECT id, name FROM teams WHERE org_id = ? ORDER BY name, id").bind(orgId),
    db.prepare("SELECT m.team_id, m.staff_id FROM team_members m JOIN staff s ON s.id = m.staff_id AND s.org_id = m.org_id WHERE m.org_id = ? ORDER BY s.name").bind(orgId),
    db.prepare("SELECT team_id, site_key FROM team_sites WHERE org_id = ? ORDER BY site_key").bind(orgId),
  ]);
  const memberRows = (members?.results ?? []) as { team_id: string; staff_id: string }[];
  const siteRows = (sites?.results ?? []) as { team_id: string; site_key: string }[];
  return ((teams?.results ?? []) as { id: string; name: string }[]).map((t) => ({
    id: t.id,
    name: t.name,
    siteKeys: siteRows.filter((s) => s.team_id === t.id).map((s) => s.site_key),
    memberIds: memberRows.filter((m) => m.team_id === t.id).map((m) => m.staff_id),
  }));
}

export async function getTeam(db: D1Database, orgId: string, id: string): Promise<Team | null> {
  return (await listTeams(db, orgId)).find((t) => t.id === id) ?? null;
}

export interface TeamProblem {
  code: "unknown_staff" | "unknown_site" | "site_taken";
  message: string;
}

/** What makes a team's members or sites impossible (another org's staff, a site another team takes). */
export async function teamProblem(db: D1Database, orgId: string, team: Team): Promise<TeamProblem | null> {
  if (team.memberIds.length) {
    const found = await db
      .prepare(`SELECT id FROM staff WHERE org_id = ? AND id IN (${team.memberIds.map(() => "?").join(", ")})`)
      .bind(orgId, ...team.memberIds)
      .all<{ id: string }>();
    const known = new Set(found.results.map((r) => r.id));
    const missing = team.memberIds.find((id) => !known.has(id));
    if (missing) return { code: "unknown_staff", message: `no staff member ${missing} in this org` };
  }
  if (team.siteKeys.length) {
    const found = await db
      .prepare(`SELECT key FROM sites WHERE org_id = ? AND key IN (${team.siteKeys.map(() => "?").join(", ")})`)
      .bind(orgId, ...team.siteKeys)
      .all<{ key: string }>();
    const known = new Set(found.results.map((r) => r.key));
    const missing = team.siteKeys.find((k) => !known.has(k));
    if (missing) return { code: "unknown_site", message: `no site ${missing} in this org` };
    const taken = await db
      .prepare(`SELECT site_key, team_id FROM team_sites WHERE org_id = ? AND team_id <> ? AND site_key IN (${team.siteKeys.map(() => "?").join(", ")})`)
      .bind(orgId, team.id, ...team.siteKeys)
      .first<{ site_key: string; team_id: string }>();
    if (taken) return { code: "site_taken", message: `site ${taken.site_key} already goes to team ${taken.team_id}` };
  }
  return null;
}

/** Creates or replaces a team (its members and sites with it), in one batch. */
export async function putTeam(db: D1Database, orgId: string, team: Team): Promise<void> {
  await db.batch([
    db.prepare("INSERT INTO teams (org_id, id, name) VALUES (?, ?, ?) ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name").bind(orgId, team.id, team.name),
    db.prepare("DELETE FROM team_members WHERE org_id = ? AND team_id = ?").bind(orgId, team.id),
    db.prepare("DELETE FROM team_sites WHERE org_id = ? AND team_id = ?").bind(orgId, team.id),
    ...team.memberIds.map((s) => db.prepare("INSERT OR IGNORE INTO team_members (org_id, team_id, staff_id) VALUES (?, ?, ?)").bind(orgId, team.id, s)),
    ...team.siteKeys.map((k) => db.prepare("INSERT INTO team_sites (org_id, site_key, team_id) VALUES (?, ?, ?)").bind(orgId, k, team.id)),
  ]);
}

export async function deleteTeam(db: D1Database, orgId: string, id: string): Promise<boolean> {
  const [, , deleted] = await db.batch([
    db.prepare("DELETE FROM team_members WHERE org_id = ? AND team_id = ?").bind(orgId, id),
    db.prepare("DELETE FROM team_sites WHERE org_id = ? AND team_id = ?").bind(orgId, id),
    db.prepare("DELETE FROM teams WHERE org_id = ? AND id = ?").bind(orgId, id),
  ]);
  return (deleted?.meta.changes ?? 0) > 0;
}
