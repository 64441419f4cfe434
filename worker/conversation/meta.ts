/**
 * A conversation's own facts (site, org, status, who answers) in its Durable Object's SQLite
 * storage. Reads are synchronous, so every handler sees the current state without awaiting.
 */
import type { ConversationStatus } from "../../shared/protocol";

export interface TurnEnding {
  turnId: string;
  upTo: number;
  reason: "complete" | "stopped" | "error" | "deadline" | "budget";
}

/** Turn endings kept for replays (a resend comes within moments of the original). */
export const KEPT_TURN_ENDS = 8;

export interface ConversationMeta {
  conversationId: string;
  siteKey: string;
  orgId: string;
  visitorId?: string;
  /** The widget's language (what the conversation's own notices are written in). */
  locale?: string;
  status: ConversationStatus;
  /** The agent that answers: the site's entry agent until a transfer changes it. */
  activeAgent: string;
  /** The highest user-message seq the bot has finished a turn for. */
  answeredSeq: number;
  createdAt: string;
  pageUrl?: string;
  summary?: string;
  assigneeId?: string;
  assigneeName?: string;
  /** The team whose queue it is in (a handoff or a reassignment chose it; else its site's team). */
  teamId?: string;
  /** Staff's labels on it. */
  labels?: string[];
  /** Started from the console's playground: agents are read draft first, and no facts are recorded. */
  drafts?: boolean;
  /** Who the visitor is, when the site identified them. */
  identity?: { userId: string; name?: string; email?: string; verified: boolean };
  /** Visitor messages staff have not read (while waiting or human). */
  unread: number;
  waitingSince?: string;
  /** When an unclaimed wait turns into asking the visitor for an email. */
  handoffDeadline?: number;
  leadRequested?: boolean;
  leadCaptured?: boolean;
  /** Files the visitor has attached (capped per conversation). */
  attachmentCount?: number;
  /** The pre-chat form was filled in (once per conversation). */
  preChatLead?: boolean;
  /**
   * A turn in progress: how many times it was started (a crash-looping turn gives up) and
   * the id its reply is stored under, so a turn resumed after a restart replaces the reply
   * the visitor saw streaming instead of adding a second one.
   */
  turnAttempts?: { upTo: number; count: number; messageId?: string };
  /** Consecutive turns that ended in a model or delegation failure (a handoff policy reads it). */
  failures: number;
  /** How the last few turns ended (newest last), so a resent message's replay can say
   * truthfully how its turn ended instead of guessing `complete`. */
  turnEnds?: TurnEnding[];
  /**
   * 2 for conversations created since the execution log moved into this object; older ones
   * (absent) still have spans in D1, moved here when the trace is first read.
   */
  version?: number;
  /** Number of the last row sent to the org's conversation index (a late row never wins). */
  indexRev?: number;
}

/** Conversations created by this version keep their execution log in their own object. */
export const STORAGE_VERSION = 2;

export class MetaStore {
  private cache: ConversationMeta | null = null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL)");
  }

  get(): ConversationMeta | null {
    // Only a row is remembered: "none yet" is asked again (it is the rare, cheap case).
    if (!this.cache) {
      const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE id = 1").toArray()[0];
      this.cache = row ? (JSON.parse(row.value) as ConversationMeta) : null;
    }
    return this.cache;
  }

  put(meta: ConversationMeta): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (id, value) VALUES (1, ?)", JSON.stringify(meta));
    this.cache = meta;
  }

  update(patch: Partial<ConversationMeta>): ConversationMeta {
    const current = this.get();
    if (!current) throw new Error("conversation is not initialised");
    const next = { ...current, ...patch };
    this.put(next);
    return next;
  }
}
