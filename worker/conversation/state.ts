/**
 * What every part of a conversation's object shares: its stores (meta, transcript, notes,
 * execution log, all in the object's SQLite), everyone connected, and the turn in flight.
 * The parts (delivery, status, turns, staff and visitor actions, transport) each hold this
 * and nothing of each other's internals.
 */
import type { Env } from "../env";
import { SpanLog, type SpanScope } from "../log/spans";
import { SpanStore } from "../log/span-store";
import { Clients } from "./clients";
import { type ConversationMeta, MetaStore } from "./meta";
import { Notes } from "./notes";
import { Transcript } from "./transcript";

/** The turn the bot is running now (in memory; `meta.turnAttempts` is its durable trace). */
export interface Turn {
  id: string;
  upTo: number;
  messageId: string;
  author: string;
  text: string;
  startedAt: number;
  firstDeltaAt: number | null;
  /** Who served the reply: a model family, or `offline` (set when the reply is stored). */
  family: string | null;
  /** Set when the conversation left the bot during this turn: that change's reason. */
  handoff: string | null;
  /** Aborted by a stop or a person taking over, from the turn's first moment on. */
  abort: AbortController;
  children: Set<() => Promise<void>>;
  /** Settles when the turn has stored its reply and said `done`. */
  settled: Promise<void>;
}

export class ConversationState {
  readonly transcript: Transcript;
  readonly notes: Notes;
  readonly meta: MetaStore;
  readonly clients: Clients;
  readonly spans: SpanStore;
  turn: Turn | null = null;

  constructor(
    readonly ctx: DurableObjectState,
    readonly env: Env,
  ) {
    this.transcript = new Transcript(ctx.storage.sql);
    this.notes = new Notes(ctx.storage.sql);
    this.meta = new MetaStore(ctx.storage.sql);
    this.clients = new Clients(ctx);
    this.spans = new SpanStore(ctx.storage.sql);
  }

  requireMeta(): ConversationMeta {
    const meta = this.meta.get();
    if (!meta) throw new Error("conversation is not initialised");
    return meta;
  }

  /** Whether this is `orgId`'s conversation (and exists at all). */
  owns(orgId: string | null | undefined): boolean {
    const meta = this.meta.get();
    return !!meta && !!orgId && meta.orgId === orgId;
  }

  /** A log whose spans land in this object's own store. */
  spanLog(turnId?: string): SpanLog {
    const meta = this.requireMeta();
    const scope: SpanScope = { conversationId: meta.conversationId, orgId: meta.orgId, ...(turnId ? { turnId } : {}) };
    return new SpanLog(async (records) => this.spans.insert(records), scope);
  }
}
