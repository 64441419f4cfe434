/**
 * The FACTS queue's consumer: writes each batch of fact records to D1 in one transaction.
 * Writes are idempotent (a turn's row is replaced, a vote only by a later vote), so a batch
 * the queue delivers again after a failure changes nothing twice. A record that does not
 * parse is logged and dropped rather than retried forever.
 */
import type { Env } from "../env";
import { Fact, type FeedbackFact, type TurnFact } from "./schema";

export async function consumeFacts(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  for (const message of batch.messages) {
    const parsed = Fact.safeParse(message.body);
    if (!parsed.success) {
      console.error("dropping a malformed fact", parsed.error.issues[0]?.message);
      message.ack();
      continue;
    }
    statements.push(...(parsed.data.type === "turn" ? turnStatements(env.DB, parsed.data) : [feedbackStatement(env.DB, parsed.data)]));
  }
  // One transaction per batch; if it fails, the queue delivers the batch again.
  if (statements.length) await env.DB.batch(statements);
}

function turnStatements(db: D1Database, f: TurnFact): D1PreparedStatement[] {
  const cited = new Set(f.retrieval.cited);
  const documents = [
    ...f.retrieval.documents.map((d) => ({ id: d.id, score: d.score, cited: cited.has(d.id) ? 1 : 0 })),
    // A cited source that no retrieval of this turn returned (named by a specialist's reply).
    ...f.retrieval.cited.filter((id) => !f.retrieval.documents.some((d) => d.id === id)).map((id) => ({ id, score: null, cited: 1 })),
  ];
  return [
    db
      .prepare(
        `INSERT OR REPLACE INTO turn_facts (turn_id, org_id, site_key, conversation_id, day, ended_at, question, agents, answered_by,
           outcome, reason, tokens_in, tokens_out, first_delta_ms, turn_ms, model, family, queries, retrieved, cited, reply_message_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        f.turnId,
        f.orgId,
        f.siteKey,
        f.conversationId,
        f.day,
        f.endedAt,
        f.question,
        JSON.stringify(f.agents),
        f.answeredBy,
        f.outcome,
        f.reason,
        f.tokensIn,
        f.tokensOut,
        f.firstDeltaMs,
        f.turnMs,
        f.model,
        f.family,
        JSON.stringify(f.retrieval.queries),
        f.retrieval.documents.length,
        f.retrieval.cited.length,
        f.replyMessageId,
      ),
    // A batch delivered again carries the same documents: they replace themselves.
    db
      .prepare(
        `INSERT OR REPLACE INTO turn_documents (turn_id, document_id, org_id, site_key, day, score, cited)
         SELECT ?1, json_extract(value, '$.id'), ?2, ?3, ?4, json_extract(value, '$.score'), json_extract(value, '$.cited') FROM json_each(?5)`,
      )
      .bind(f.turnId, f.orgId, f.siteKey, f.day, JSON.stringify(documents)),
  ];
}

function feedbackStatement(db: D1Database, f: FeedbackFact): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO feedback (conversation_id, message_id, org_id, site_key, rating, day, voted_at, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, strftime('%Y-%m-%dT%H:%M:%fZ', ?7 / 1000.0, 'unixepoch'))
       ON CONFLICT (conversation_id, message_id) DO UPDATE SET
         rating = excluded.rating, day = excluded.day, voted_at = excluded.voted_at, created_at = excluded.created_at
       WHERE excluded.voted_at >= COALESCE(feedback.voted_at, 0)`,
    )
    .bind(f.conversationId, f.messageId, f.orgId, f.siteKey, f.rating, f.day, f.at);
}
