/**
 * /inbox: the staff support inbox. Sign in, see the queue live (waiting, mine, open,
 * resolved), open a conversation to read the transcript, the handoff summary and the
 * agents' trace, then claim, reply, add internal notes, resolve or return it to the bot.
 */
import { type ComponentChildren, render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ServerEvent, StoredMessage } from "../../shared/protocol";
import type { ConversationDetail, ConversationSummary, InboxEvent, Note } from "../../shared/staff";
import type { TraceNode } from "../../shared/trace";
import { MIN_PASSWORD_LENGTH } from "../../shared/limits";
import { markdown } from "../app/markdown";
import { AttachButton, MessageFiles } from "./Attachments";
import { type ApiFailure, changePassword, get, login, logout, type Me, me, post } from "./api";
import { liveSocket } from "./live";

type Tab = "waiting" | "mine" | "open" | "resolved" | "all";
const TABS: [Tab, string][] = [
  ["waiting", "Waiting"],
  ["mine", "Mine"],
  ["open", "Open"],
  ["resolved", "Resolved"],
  ["all", "All"],
];


function App() {
  const [session, setSession] = useState<Me | null | undefined>(undefined);
  useEffect(() => {
    me().then(setSession, () => setSession(null));
  }, []);
  if (session === undefined) return <p class="ib-loading">Loading…</p>;
  if (!session) return <Login onIn={setSession} />;
  return (
    <Inbox
      session={session}
      onOut={() => {
        void logout().finally(() => setSession(null));
      }}
    />
  );
}

function Login({ onIn }: { onIn(m: Me): void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <main class="ib-login">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          login(email, password).then(onIn, (err: Error) => setError(err.message));
        }}
      >
        <h1>Support inbox</h1>
        <label>
          Email
          <input type="email" autocomplete="username" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Password
          <input type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        {error ? (
          <p class="ib-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

function Inbox({ session, onOut }: { session: Me; onOut(): void }) {
  const [tab, setTab] = useState<Tab>("open");
  const [rows, setRows] = useState<Map<string, ConversationSummary>>(new Map());
  const [selected, setSelected] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [changing, setChanging] = useState(false);
  const me = session.staff;
  const selectedRef = useRef(selected);
  selectedRef.current = selected;

  const load = () =>
    get<{ conversations: ConversationSummary[] }>("/api/staff/conversations?status=all&limit=200").then((r) =>
      setRows(new Map(r.conversations.map((c) => [c.id, c]))),
    );

  useEffect(() => {
    void load();
    const socket = liveSocket(
      "/api/staff/inbox/ws",
      (data) => {
        const event = data as InboxEvent;
        if (event.type === "conversation") {
          setRows((prev) => {
            const before = prev.get(event.data.id);
            // Updates can overtake each other on the way: keep the newest.
            if (before && before.updatedAt > event.data.updatedAt) return prev;
            const next = new Map(prev);
            next.set(event.data.id, event.data);
            notifyIfNew(before, event.data, me.id);
            return next;
          });
        } else if (event.type === "message") {
          setRows((prev) => {
            const row = prev.get(event.data.conversationId);
            if (!row) {
              void load();
              return prev;
            }
            const next = new Map(prev);
            next.set(row.id, { ...row, lastMessage: event.data.message.text.slice(0, 280), updatedAt: event.data.message.createdAt });
            return next;
          });
        }
      },
      (up) => {
        setLive(up);
        if (up) void load();
      },
    );
    return () => socket.close();
  }, []);

  const list = useMemo(() => {
    const all = [...rows.values()];
    const keep = (c: ConversationSummary) =>
      tab === "all" ? true : tab === "open" ? c.status === "waiting" || c.status === "human" : tab === "mine" ? c.status === "human" && c.assigneeId === me.id : c.status === tab;
    return all.filter(keep).sort((a, b) => (a.waitingSince ?? a.updatedAt).localeCompare(b.waitingSince ?? b.updatedAt) * (tab === "resolved" || tab === "all" ? -1 : 1));
  }, [rows, tab]);

  const unread = [...rows.values()].reduce((n, c) => n + (c.status === "waiting" || c.assigneeId === me.id ? c.unread : 0), 0);
  useEffect(() => {
    document.title = unread ? `(${unread}) Inbox — Switchboard` : "Inbox — Switchboard";
  }, [unread]);
  const counts = (t: Tab) =>
    [...rows.values()].filter((c) => (t === "open" ? c.status === "waiting" || c.status === "human" : t === "mine" ? c.status === "human" && c.assigneeId === me.id : t === "all" ? true : c.status === t)).length;

  return (
    <div class="ib-shell">
      <header class="ib-top">
        <h1>Switchboard inbox</h1>
        <span class={live ? "ib-live" : "ib-live ib-down"}>{live ? "Live" : "Reconnecting…"}</span>
        <span class="ib-spacer" />
        {"Notification" in window && Notification.permission === "default" ? (
          <button type="button" class="ib-link" onClick={() => void Notification.requestPermission()}>
            Enable notifications
          </button>
        ) : null}
        <span>
          {me.name} · {me.email}
        </span>
        <button type="button" class="ib-link" aria-expanded={changing} onClick={() => setChanging(!changing)}>
          Password
        </button>
        <button type="button" class="ib-link" onClick={onOut}>
          Sign out
        </button>
      </header>
      {changing ? <PasswordForm onDone={() => setChanging(false)} /> : null}
      <nav class="ib-tabs" aria-label="Queues">
        {TABS.map(([t, label]) => (
          <button type="button" key={t} aria-pressed={tab === t} onClick={() => setTab(t)}>
            {label} <span class="ib-count">{counts(t)}</span>
          </button>
        ))}
      </nav>
      <main class="ib-main">
        <ul class="ib-list" aria-label="Conversations">
          {list.length === 0 ? <li class="ib-empty">Nothing here.</li> : null}
          {list.map((c) => (
            <li key={c.id}>
              <button type="button" class={c.id === selected ? "ib-row ib-selected" : "ib-row"} data-id={c.id} onClick={() => setSelected(c.id)}>
                <span class="ib-row-top">
                  <span class="ib-who">{c.visitorName ?? c.visitorEmail ?? "Visitor"}</span>
                  <span class={`ib-status ib-${c.status}`}>{c.status}</span>
                  {c.unread ? <span class="ib-unread">{c.unread}</span> : null}
                </span>
                <span class="ib-last">{c.lastMessage ?? ""}</span>
                <span class="ib-meta">
                  {c.status === "waiting" && c.waitingSince ? <Waiting since={c.waitingSince} /> : null}
                  {c.assigneeName ? <span>with {c.assigneeName}</span> : null}
                </span>
              </button>
            </li>
          ))}
        </ul>
        <section class="ib-view">
          {selected ? <Conversation key={selected} id={selected} me={session} summary={rows.get(selected)} /> : <p class="ib-empty">Pick a conversation.</p>}
        </section>
      </main>
    </div>
  );
}

/** Change your own password: the current one, then a new one twice. Other sessions end. */
function PasswordForm({ onDone }: { onDone(): void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const field = (label: string, value: string, set: (v: string) => void, autocomplete: string) => (
    <label>
      {label}
      <input type="password" autocomplete={autocomplete} required minLength={autocomplete === "new-password" ? MIN_PASSWORD_LENGTH : 1} value={value} onInput={(e) => set((e.target as HTMLInputElement).value)} />
    </label>
  );
  return (
    <form
      class="ib-password"
      aria-label="Change password"
      onSubmit={(e) => {
        e.preventDefault();
        if (next !== again) return setMessage({ ok: false, text: "The new passwords do not match." });
        changePassword(current, next).then(
          () => {
            setCurrent("");
            setNext("");
            setAgain("");
            setMessage({ ok: true, text: "Password changed. Your other sessions were signed out." });
          },
          (err: Error) => setMessage({ ok: false, text: err.message }),
        );
      }}
    >
      {field("Current password", current, setCurrent, "current-password")}
      {field(`New password (${MIN_PASSWORD_LENGTH}+ characters)`, next, setNext, "new-password")}
      {field("New password again", again, setAgain, "new-password")}
      <button type="submit">Change password</button>
      <button type="button" class="ib-link" onClick={onDone}>
        Close
      </button>
      {message ? (
        <p class={message.ok ? "ib-ok" : "ib-error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      ) : null}
    </form>
  );
}

function notifyIfNew(before: ConversationSummary | undefined, after: ConversationSummary, myId: string) {
  if (!("Notification" in window) || Notification.permission !== "granted" || document.visibilityState === "visible") return;
  if (after.status === "waiting" && before?.status !== "waiting") new Notification("A visitor is waiting", { body: after.summary ?? after.lastMessage ?? "" });
  else if (after.assigneeId === myId && after.unread > (before?.unread ?? 0)) new Notification("New message", { body: after.lastMessage ?? "" });
}

function Waiting({ since }: { since: string }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 15_000);
    return () => clearInterval(t);
  }, []);
  const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 60_000));
  return <span class="ib-wait">waiting {minutes < 1 ? "< 1 min" : `${minutes} min`}</span>;
}

type Item = { kind: "message"; at: string; m: StoredMessage } | { kind: "note"; at: string; n: Note };

function Conversation({ id, me, summary }: { id: string; me: Me; summary?: ConversationSummary }) {
  const [detail, setDetail] = useState<(ConversationDetail & { trace: TraceNode[] }) | null>(null);
  const [messages, setMessages] = useState<Map<string, StoredMessage>>(new Map());
  const [notes, setNotes] = useState<Note[]>([]);
  const [streaming, setStreaming] = useState<{ id: string; text: string } | null>(null);
  const [visitorTyping, setVisitorTyping] = useState(false);
  const [mode, setMode] = useState<"reply" | "note">("reply");
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | null>(null);
  const socket = useRef<ReturnType<typeof liveSocket> | null>(null);
  const lastTyping = useRef(0);
  const log = useRef<HTMLDivElement>(null);

  const refresh = () =>
    get<ConversationDetail & { trace: TraceNode[] }>(`/api/staff/conversations/${id}`).then((d) => {
      setDetail(d);
      setMessages(new Map(d.messages.map((m) => [m.id, m])));
      setNotes(d.notes);
    });

  useEffect(() => {
    void refresh();
    void post(`/api/staff/conversations/${id}/read`).catch(() => {});
    let typingTimer: ReturnType<typeof setTimeout> | undefined;
    socket.current = liveSocket(
      `/api/staff/conversations/${id}/ws?after=0`,
      (data) => {
        const event = data as ServerEvent;
        if (event.type === "message") {
          setMessages((prev) => new Map(prev).set(event.data.id, event.data));
          setStreaming((s) => (s?.id === event.data.id ? null : s));
          if (event.data.role === "user") setVisitorTyping(false);
        } else if (event.type === "delta") {
          setStreaming((s) => ({ id: event.data.messageId, text: (s?.id === event.data.messageId ? s.text : "").slice(0, event.data.offset) + event.data.text }));
        } else if (event.type === "note") {
          setNotes((prev) => (prev.some((n) => n.id === event.data.id) ? prev : [...prev, event.data]));
        } else if (event.type === "status") {
          void refresh();
        } else if (event.type === "typing" && event.data.who === "visitor") {
          setVisitorTyping(true);
          clearTimeout(typingTimer);
          typingTimer = setTimeout(() => setVisitorTyping(false), 4000);
        }
      },
      () => {},
    );
    return () => socket.current?.close();
  }, [id]);

  const items: Item[] = useMemo(
    () =>
      [
        ...[...messages.values()].map((m): Item => ({ kind: "message", at: m.createdAt, m })),
        ...notes.map((n): Item => ({ kind: "note", at: n.createdAt, n })),
      ].sort((a, b) => a.at.localeCompare(b.at)),
    [messages, notes],
  );

  useEffect(() => {
    if (log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [items.length, streaming?.text]);

  if (!detail) return <p class="ib-loading">Loading…</p>;
  const c = { ...detail.conversation, ...(summary ?? {}) };
  const mine = c.status === "human" && c.assigneeId === me.staff.id;
  const act = (path: string) =>
    post(`/api/staff/conversations/${id}/${path}`).then(
      () => {
        setError(null);
        return refresh();
      },
      (e: ApiFailure) => setError(e.message),
    );
  const submit = () => {
    const text = draft.trim();
    if (!text) return;
    post(`/api/staff/conversations/${id}/${mode === "reply" ? "reply" : "notes"}`, { text }).then(
      () => {
        setDraft("");
        setError(null);
      },
      (e: ApiFailure) => setError(e.message),
    );
  };

  return (
    <div class="ib-conv">
      <header class="ib-conv-head">
        <div>
          <h2>{c.visitorName ?? c.visitorEmail ?? "Visitor"}</h2>
          <p class="ib-sub">
            <span class={`ib-status ib-${c.status}`}>{c.status}</span>
            {c.assigneeName ? ` · with ${c.assigneeName}` : ""}
            {c.visitorEmail ? ` · ${c.visitorEmail}` : ""}
            {c.identityVerified ? " · verified" : ""}
            {c.pageUrl ? ` · from ${c.pageUrl}` : ""}
          </p>
        </div>
        <div class="ib-actions">
          {!mine && c.status !== "resolved" ? (
            <button type="button" onClick={() => void act("claim")}>
              Claim
            </button>
          ) : null}
          {c.status !== "resolved" ? (
            <button type="button" onClick={() => void act("resolve")}>
              Resolve
            </button>
          ) : null}
          {c.status !== "bot" ? (
            <button type="button" onClick={() => void act("return-to-bot")}>
              Return to bot
            </button>
          ) : null}
        </div>
      </header>
      {c.summary ? (
        <p class="ib-summary">
          <strong>Handoff summary:</strong> {c.summary}
        </p>
      ) : null}
      {error ? (
        <p class="ib-error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="ib-log" ref={log} role="log" aria-live="polite" aria-label="Transcript">
        {items.map((item) =>
          item.kind === "message" ? (
            <div key={item.m.id} class={`ib-msg ib-${item.m.role}`} data-role={item.m.role}>
              <span class="ib-author">{item.m.role === "user" ? "Visitor" : item.m.role === "system" ? "" : (item.m.author ?? item.m.role)}</span>
              {markdown(item.m.text, location.origin)}
              {item.m.attachments ? <MessageFiles conversationId={id} files={item.m.attachments} /> : null}
            </div>
          ) : (
            <div key={item.n.id} class="ib-msg ib-note" data-role="note">
              <span class="ib-author">Note · {item.n.author}</span>
              {markdown(item.n.text, location.origin)}
            </div>
          ),
        )}
        {streaming ? (
          <div class="ib-msg ib-assistant ib-streaming">
            <span class="ib-author">Bot (typing)</span>
            {markdown(streaming.text, location.origin)}
          </div>
        ) : null}
        {visitorTyping ? <p class="ib-typing">Visitor is typing…</p> : null}
      </div>
      <form
        class={`ib-composer ib-mode-${mode}`}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <div class="ib-modes" role="radiogroup" aria-label="Write">
          <button type="button" role="radio" aria-checked={mode === "reply"} onClick={() => setMode("reply")}>
            Reply
          </button>
          <button type="button" role="radio" aria-checked={mode === "note"} onClick={() => setMode("note")}>
            Internal note
          </button>
        </div>
        <label class="ib-sr" for="ib-draft">
          {mode === "reply" ? "Reply to the visitor" : "Internal note"}
        </label>
        <textarea
          id="ib-draft"
          rows={3}
          value={draft}
          placeholder={mode === "reply" ? (mine ? "Reply to the visitor (Markdown)…" : "Replying claims this conversation…") : "Only staff see notes…"}
          onInput={(e) => {
            setDraft((e.target as HTMLTextAreaElement).value);
            if (mode === "reply" && Date.now() - lastTyping.current > 2000) {
              lastTyping.current = Date.now();
              socket.current?.send({ type: "typing" });
            }
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) {
              e.preventDefault();
              submit();
            }
          }}
        />
        {mode === "reply" ? <AttachButton conversationId={id} onError={setError} /> : null}
        <button type="submit" disabled={!draft.trim()}>
          {mode === "reply" ? "Send reply" : "Add note"}
        </button>
      </form>
      <details class="ib-trace">
        <summary>Agents' trace ({count(detail.trace)} spans)</summary>
        <Tree nodes={detail.trace} />
      </details>
    </div>
  );
}

const count = (nodes: TraceNode[]): number => nodes.reduce((n, x) => n + 1 + count(x.children), 0);

function Tree({ nodes }: { nodes: TraceNode[] }): ComponentChildren {
  if (!nodes.length) return null;
  return (
    <ul>
      {nodes.map((n) => (
        <li key={n.id}>
          <span class={`ib-span ib-span-${n.status}`}>
            {n.kind}:{n.name}
          </span>
          {n.agentId ? ` · ${n.agentId}` : ""}
          {n.durationMs !== null ? ` · ${n.durationMs} ms` : ""}
          {n.tokensIn || n.tokensOut ? ` · ${n.tokensIn}/${n.tokensOut} tokens` : ""}
          {n.status !== "ok" ? ` · ${n.status}` : ""}
          {n.error ? <span class="ib-span-error"> {n.error}</span> : null}
          <Tree nodes={n.children} />
        </li>
      ))}
    </ul>
  );
}

render(<App />, document.getElementById("inbox") as HTMLElement);
