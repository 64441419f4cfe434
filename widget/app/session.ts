/**
 * What the widget keeps in localStorage, per site: the conversation in view (id and token),
 * so a reload or a navigation resumes it; the visitor's past conversations (with their
 * tokens and last words), for the home view; the outbox of messages not yet acknowledged,
 * so a message typed offline (or just before a reload) is sent once when the widget is back;
 * the conversations whose satisfaction question was answered or dismissed; and an anonymous
 * visitor id.
 */
export interface StoredSession {
  conversationId: string;
  token: string;
}

export interface PastConversation extends StoredSession {
  /** The last message's words and time, as this browser last saw them. */
  text: string;
  at: string;
}

export interface OutboxItem {
  clientMessageId: string;
  text: string;
  createdAt: string;
}

/** Conversations remembered per site on one browser. */
const KEEP = 20;

const read = <T>(key: string): T | null => {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
};
const write = (key: string, value: unknown) => {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Private mode or full storage: the widget still works for this page view.
  }
};

export const newId = () =>
  typeof crypto.randomUUID === "function"
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

export class Session {
  readonly key: string;

  constructor(siteKey: string) {
    this.key = `switchboard:${siteKey}`;
  }

  get conversation(): StoredSession | null {
    return read<StoredSession>(this.key);
  }

  set conversation(value: StoredSession | null) {
    write(this.key, value);
    if (value) this.remember(value, "", new Date().toISOString());
  }

  /** Newest first. */
  get past(): PastConversation[] {
    return read<PastConversation[]>(`${this.key}:past`) ?? [];
  }

  /** Notes the conversation's latest words (a new one goes first; the oldest drop off). */
  remember(session: StoredSession, text: string, at: string): void {
    const old = this.past.find((p) => p.conversationId === session.conversationId);
    const entry = { conversationId: session.conversationId, token: session.token, text: text || old?.text || "", at: text ? at : old?.at || at };
    write(`${this.key}:past`, [entry, ...this.past.filter((p) => p.conversationId !== session.conversationId)].slice(0, KEEP));
  }

  get outbox(): OutboxItem[] {
    return read<OutboxItem[]>(`${this.key}:outbox`) ?? [];
  }

  set outbox(items: OutboxItem[]) {
    write(`${this.key}:outbox`, items.length ? items : null);
  }

  /** The highest seq the visitor has seen with the panel open (unread counts start above it). */
  get seen(): number {
    return read<number>(`${this.key}:seen`) ?? 0;
  }

  set seen(seq: number) {
    write(`${this.key}:seen`, seq);
  }

  /** Conversations whose "how was it?" was answered or dismissed. */
  get rated(): string[] {
    return read<string[]>(`${this.key}:rated`) ?? [];
  }

  set rated(ids: string[]) {
    write(`${this.key}:rated`, ids.slice(-KEEP));
  }

  get visitorId(): string {
    let id = read<string>(`${this.key}:visitor`);
    if (!id) {
      id = newId().replace(/[^A-Za-z0-9_-]/g, "");
      write(`${this.key}:visitor`, id);
    }
    return id;
  }

  clear(): void {
    for (const suffix of ["", ":outbox", ":visitor", ":seen", ":past", ":rated"]) write(`${this.key}${suffix}`, null);
  }
}
