/**
 * Caps on open connections (WebSockets and SSE streams, visitors only): per conversation,
 * counted by the conversation's object from what it holds; per IP, counted by the IP's
 * RateLimiterDO as leases, one per connection. A conversation takes a lease before it
 * accepts a connection and gives it back when the connection closes (a WebSocket's lease id
 * rides in its attachment, so it survives hibernation). A lease whose connection vanished
 * without a close — the conversation's process died — is found when the IP is at its cap:
 * the limiter asks each conversation holding its leases which are still open (at most once
 * per RECONCILE_MS), so a crash never locks an address out for good.
 *
 * Over a cap: a WebSocket is accepted and closed at once with 1013 "try again later" (after
 * an `error` event `too_many_connections`), since a browser cannot read the status of a
 * refused upgrade; an SSE request is a 429 `too_many_connections` with Retry-After.
 */
import type { Env } from "../env";
import { ApiError } from "./errors";

/** WebSocket close code: the server is over a limit, try again later (RFC 6455 registry). */
export const TRY_AGAIN_LATER = 1013;
export const TOO_MANY_CONNECTIONS = "too_many_connections";
/** What a refused SSE request is told to wait before trying again. */
export const RETRY_AFTER_S = 10;
/** A limiter asks its conversations which leases are live at most this often. */
export const RECONCILE_MS = 10_000;

const count = (value: unknown, fallback: number) => {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

export function connectionCaps(env: Env) {
  return {
    /** A visitor's tabs of one conversation, WebSocket or SSE (a POST's answer stream counts while it is open). */
    perConversation: count(env.MAX_CONNECTIONS_PER_CONVERSATION, 10),
    /** Every visitor connection from one address, across conversations (an office behind one NAT shares it). */
    perIp: count(env.MAX_CONNECTIONS_PER_IP, 100),
  };
}

/** The 429 an SSE request over a cap gets (`message` says which cap). */
export function tooManyConnections(message: string): ApiError {
  return new ApiError(429, TOO_MANY_CONNECTIONS, message, { "retry-after": String(RETRY_AFTER_S) });
}

export interface Lease {
  id: string;
  conversationId: string;
}

/** The leases of one IP's open connections, in its limiter's SQLite. */
export class ConnectionLeases {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS connection_leases (id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, opened_at INTEGER NOT NULL)");
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM connection_leases").one().n;
  }

  add(lease: Lease): void {
    this.sql.exec("INSERT OR IGNORE INTO connection_leases (id, conversation_id, opened_at) VALUES (?, ?, ?)", lease.id, lease.conversationId, Date.now());
  }

  remove(id: string): void {
    this.sql.exec("DELETE FROM connection_leases WHERE id = ?", id);
  }

  /** Lease ids by conversation. */
  byConversation(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const row of this.sql.exec<{ id: string; conversation_id: string }>("SELECT id, conversation_id FROM connection_leases").toArray()) {
      out.set(row.conversation_id, [...(out.get(row.conversation_id) ?? []), row.id]);
    }
    return out;
  }
}
