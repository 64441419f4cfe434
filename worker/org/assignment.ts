/**
 * Round-robin assignment with a capacity per agent: of the agents who may take a
 * conversation (available, in its team, holding fewer than their capacity), the one whose
 * last assignment is the oldest gets it — so a team takes turns, and nobody is given more
 * than they can hold. The turns are kept in the org's inbox object.
 */
export interface Candidate {
  id: string;
  name: string;
  /** Conversations they hold now. */
  open: number;
  capacity: number;
}

export class RoundRobin {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS assignment_turns (staff_id TEXT PRIMARY KEY, last_at INTEGER NOT NULL)");
  }

  pick(candidates: Candidate[]): Candidate | null {
    const last = new Map(this.sql.exec<{ staff_id: string; last_at: number }>("SELECT staff_id, last_at FROM assignment_turns").toArray().map((r) => [r.staff_id, r.last_at]));
    return pickNext(candidates, last);
  }

  record(staffId: string, at = Date.now()): void {
    this.sql.exec("INSERT INTO assignment_turns (staff_id, last_at) VALUES (?, ?) ON CONFLICT (staff_id) DO UPDATE SET last_at = excluded.last_at", staffId, at);
  }
}

/** Who is next: room left, then the longest since their last assignment, then the fewest held. */
export function pickNext(candidates: Candidate[], lastAssigned: Map<string, number>): Candidate | null {
  const withRoom = candidates.filter((c) => c.open < c.capacity);
  withRoom.sort((a, b) => (lastAssigned.get(a.id) ?? 0) - (lastAssigned.get(b.id) ?? 0) || a.open - b.open || a.id.localeCompare(b.id));
  return withRoom[0] ?? null;
}
