/**
 * The conversation's row in D1's `conversations` table: the index that admin and inbox
 * lists read, kept in step by the conversation's Durable Object.
 */
import type { ConversationStatus, StoredMessage } from "../../shared/protocol";

export async function insertIndexRow(
  db: D1Database,
  row: { id: string; orgId: string; siteKey: string; visitorId?: string; createdAt: string },
): Promise<void> {
  await db
    .prepare(
      "INSERT OR IGNORE INTO conversations (id, org_id, site_key, visitor_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'bot', ?, ?)",
    )
    .bind(row.id, row.orgId, row.siteKey, row.visitorId ?? null, row.createdAt, row.createdAt)
    .run();
}

export async function indexIdentity(
  db: D1Database,
  conversationId: string,
  identity: { userId: string; name?: string; email?: string; verified: boolean },
): Promise<void> {
  await db
    .prepare("UPDATE conversations SET user_id = ?, visitor_name = ?, visitor_email = ?, identity_verified = ? WHERE id = ?")
    .bind(identity.userId, identity.name ?? null, identity.email ?? null, identity.verified ? 1 : 0, conversationId)
    .run();
}

export async function indexMessage(db: D1Database, conversationId: string, message: StoredMessage): Promise<void> {
  await db
    .prepare("UPDATE conversations SET last_message = ?, message_count = message_count + 1, updated_at = ? WHERE id = ?")
    .bind(message.text.slice(0, 280), message.createdAt, conversationId)
    .run();
}

export async function indexStatus(
  db: D1Database,
  conversationId: string,
  status: ConversationStatus,
  extra: { summary?: string | null; assigneeId?: string | null; assigneeName?: string | null; waitingSince?: string | null },
): Promise<void> {
  await db
    .prepare(
      `UPDATE conversations SET status = ?, updated_at = ?,
         summary = COALESCE(?, summary),
         assignee_id = ?,
         assignee_name = ?,
         waiting_since = ?
       WHERE id = ?`,
    )
    .bind(status, new Date().toISOString(), extra.summary ?? null, extra.assigneeId ?? null, extra.assigneeName ?? null, extra.waitingSince ?? null, conversationId)
    .run();
}
