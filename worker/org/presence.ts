/**
 * Who of an org's staff can take a conversation now, in its inbox object: `available` with
 * an inbox open (a live socket to this object) and not away; `away` when they said so;
 * `offline` with no inbox open. Away is remembered across sign-ins. When someone's last
 * inbox closes, the time is written down: once it has stayed closed for the org's grace
 * period, they count as gone and their conversations are released (once).
 */
import type { Presence } from "../../shared/staff";

interface Row extends Record<string, SqlStorageValue> {
  staff_id: string;
  name: string;
  away: number;
  offline_since: number | null;
  released: number;
}

export interface SocketTag {
  staffId: string;
  name: string;
}

export class PresenceBook {
  constructor(private readonly ctx: DurableObjectState) {
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS presence (
      staff_id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      away INTEGER NOT NULL DEFAULT 0,
      offline_since INTEGER,
      released INTEGER NOT NULL DEFAULT 0
    )`);
  }

  private get sql(): SqlStorage {
    return this.ctx.storage.sql;
  }

  /** Open inbox sockets of a staff member (`except`: one that is closing). */
  sockets(staffId: string, except?: WebSocket): number {
    return this.ctx.getWebSockets(`staff:${staffId}`).filter((ws) => ws !== except && ws.readyState === WebSocket.OPEN).length;
  }

  connected(staff: SocketTag): void {
    this.sql.exec(
      `INSERT INTO presence (staff_id, name) VALUES (?, ?)
       ON CONFLICT (staff_id) DO UPDATE SET name = excluded.name, offline_since = NULL, released = 0`,
      staff.staffId,
      staff.name,
    );
  }

  /** True when that was their last inbox. */
  disconnected(staffId: string, closing: WebSocket): boolean {
    if (this.sockets(staffId, closing) > 0) return false;
    this.sql.exec("UPDATE presence SET offline_since = ?, released = 0 WHERE staff_id = ?", Date.now(), staffId);
    return true;
  }

  setAway(staffId: string, away: boolean): void {
    this.sql.exec("UPDATE presence SET away = ? WHERE staff_id = ?", away ? 1 : 0, staffId);
  }

  of(staffId: string): Presence {
    if (this.sockets(staffId) === 0) return "offline";
    const row = this.sql.exec<Row>("SELECT * FROM presence WHERE staff_id = ?", staffId).toArray()[0];
    return row?.away ? "away" : "available";
  }

  all(): { staffId: string; name: string; presence: Presence }[] {
    return this.sql
      .exec<Row>("SELECT * FROM presence")
      .toArray()
      .map((r) => ({ staffId: r.staff_id, name: r.name, presence: this.of(r.staff_id) }));
  }

  available(): SocketTag[] {
    return this.all()
      .filter((p) => p.presence === "available")
      .map((p) => ({ staffId: p.staffId, name: p.name }));
  }

  /** Staff whose inbox has been closed for `graceMs` and whose conversations are not released yet. */
  gone(graceMs: number, now = Date.now()): string[] {
    return this.sql
      .exec<Row>("SELECT * FROM presence WHERE offline_since IS NOT NULL AND released = 0 AND offline_since <= ?", now - graceMs)
      .toArray()
      .filter((r) => this.sockets(r.staff_id) === 0)
      .map((r) => r.staff_id);
  }

  markReleased(staffId: string): void {
    this.sql.exec("UPDATE presence SET released = 1 WHERE staff_id = ?", staffId);
  }

  /** When the next one counts as gone (null: nobody is on the way out). */
  nextGone(graceMs: number): number | null {
    const row = this.sql.exec<{ t: number | null }>("SELECT MIN(offline_since) AS t FROM presence WHERE offline_since IS NOT NULL AND released = 0").one();
    return row.t === null ? null : row.t + graceMs;
  }
}
