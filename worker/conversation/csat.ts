/**
 * The visitor's satisfaction rating of a conversation (CSAT). The widget asks once the
 * conversation is resolved, or after the bot has answered; one rating per conversation,
 * which the visitor may change for CSAT_WINDOW_MS after the first. The rating is kept here
 * (the object's SQLite: the rule is the conversation's) and goes to insights as a fact.
 */
import { CSAT_WINDOW_MS, type CsatBody, type CsatResponse } from "../../shared/protocol";
import { type CsatFact, dayOf } from "../facts/schema";
import { errorResponse } from "../http/errors";
import { sendFact } from "./facts-out";
import type { ConversationState } from "./state";

interface Row extends Record<string, SqlStorageValue> {
  rating: number;
  comment: string | null;
  first_at: number;
  at: number;
}

export class Csat {
  constructor(private readonly c: ConversationState) {
    c.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS csat (id INTEGER PRIMARY KEY CHECK (id = 1), rating INTEGER NOT NULL, comment TEXT, first_at INTEGER NOT NULL, at INTEGER NOT NULL)");
  }

  async submit(body: CsatBody): Promise<Response> {
    const meta = this.c.requireMeta();
    const answered = this.c.transcript.lastSeqOf("assistant") > 0;
    if (meta.status !== "resolved" && !answered) {
      return errorResponse(409, "not_ready", "a conversation can be rated once it is resolved or the assistant has answered");
    }
    const now = Date.now();
    const previous = this.c.ctx.storage.sql.exec<Row>("SELECT * FROM csat WHERE id = 1").toArray()[0];
    if (previous && now > previous.first_at + CSAT_WINDOW_MS) {
      return errorResponse(409, "already_rated", "this conversation has been rated; the rating can no longer be changed");
    }
    const firstAt = previous?.first_at ?? now;
    const comment = body.comment ? body.comment : null;
    this.c.ctx.storage.sql.exec("INSERT OR REPLACE INTO csat (id, rating, comment, first_at, at) VALUES (1, ?, ?, ?, ?)", body.rating, comment, firstAt, now);
    const fact: CsatFact = {
      type: "csat",
      v: 1,
      conversationId: meta.conversationId,
      orgId: meta.orgId,
      siteKey: meta.siteKey,
      rating: body.rating,
      comment,
      at: now,
      day: dayOf(now),
    };
    sendFact(this.c, fact);
    const answer: CsatResponse = {
      conversationId: meta.conversationId,
      rating: body.rating,
      comment,
      replaced: !!previous,
      replaceableUntil: new Date(firstAt + CSAT_WINDOW_MS).toISOString(),
    };
    return Response.json(answer);
  }
}
