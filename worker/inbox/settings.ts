/**
 * How an org's inbox assigns conversations (D1 `inbox_settings`; no row means the defaults).
 */
import { z } from "zod";

export const InboxSettings = z.object({
  /** Round robin: a conversation that starts waiting goes to the next available agent with room. */
  autoAssign: z.boolean(),
  /** How many `human` conversations an agent holds at once before auto-assignment passes them by. */
  defaultCapacity: z.number().int().min(1).max(100),
  /** An agent may take over a colleague's conversation once the visitor has waited this long for an answer. */
  takeoverAfterSec: z.number().int().min(0).max(86_400),
  /** An agent whose inbox has been closed this long counts as away. */
  offlineGraceSec: z.number().int().min(0).max(3_600),
  /** Agents whose capacity is not the default. */
  capacities: z.record(z.string().regex(/^st_[A-Za-z0-9_-]{1,64}$/), z.number().int().min(0).max(100)),
});
export type InboxSettings = z.infer<typeof InboxSettings>;

export const DEFAULT_SETTINGS: InboxSettings = { autoAssign: false, defaultCapacity: 5, takeoverAfterSec: 300, offlineGraceSec: 60, capacities: {} };

interface Row {
  auto_assign: number;
  default_capacity: number;
  takeover_after_sec: number;
  offline_grace_sec: number;
  capacities: string;
}

export async function readSettings(db: D1Database, orgId: string): Promise<InboxSettings> {
  const row = await db.prepare("SELECT auto_assign, default_capacity, takeover_after_sec, offline_grace_sec, capacities FROM inbox_settings WHERE org_id = ?").bind(orgId).first<Row>();
  if (!row) return { ...DEFAULT_SETTINGS, capacities: {} };
  return {
    autoAssign: row.auto_assign === 1,
    defaultCapacity: row.default_capacity,
    takeoverAfterSec: row.takeover_after_sec,
    offlineGraceSec: row.offline_grace_sec,
    capacities: JSON.parse(row.capacities) as Record<string, number>,
  };
}

export async function writeSettings(db: D1Database, orgId: string, s: InboxSettings): Promise<void> {
  await db
    .prepare(
      `INSERT INTO inbox_settings (org_id, auto_assign, default_capacity, takeover_after_sec, offline_grace_sec, capacities, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (org_id) DO UPDATE SET auto_assign = excluded.auto_assign, default_capacity = excluded.default_capacity, takeover_after_sec = excluded.takeover_after_sec,
       offline_grace_sec = excluded.offline_grace_sec, capacities = excluded.capacities, updated_at = excluded.updated_at`,
    )
    .bind(orgId, s.autoAssign ? 1 : 0, s.defaultCapacity, s.takeoverAfterSec, s.offlineGraceSec, JSON.stringify(s.capacities), new Date().toISOString())
    .run();
}

export const capacityOf = (s: InboxSettings, staffId: string) => s.capacities[staffId] ?? s.defaultCapacity;
