/**
 * What the widget keeps in localStorage, per site: the conversation (id and token), so a
 * reload or a navigation resumes it; the outbox of messages not yet acknowledged, so a
 * message typed offline (or just before a reload) is sent once when the widget is back;
 * and an anonymous visitor id.
 */
export interface StoredSession {
  conversationId: string;
  token: string;
}

export interface OutboxItem {
  clientMessageId: string;
  text: string;
  createdAt: string;
}

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

  get visitorId(): string {
    let id = read<string>(`${this.key}:visitor`);
    if (!id) {
      id = newId().replace(/[^A-Za-z0-9_-]/g, "");
      write(`${this.key}:visitor`, id);
    }
    return id;
  }

  clear(): void {
    write(this.key, null);
    write(`${this.key}:outbox`, null);
    write(`${this.key}:visitor`, null);
    write(`${this.key}:seen`, null);
  }
}
