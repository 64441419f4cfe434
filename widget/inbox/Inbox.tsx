/**
 * The signed-in inbox: the header (live state, available/away, account), the filter bar,
 * the queue and the open conversation. On a phone the queue and the conversation are two
 * views with a back button between them. Keyboard shortcuts (shortcuts.ts) act on the
 * queue here and on the open conversation through the commands it registers.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ConversationHit, ConversationSummary, InboxEvent, Presence } from "../../shared/staff";
import { get, type Me, put } from "./api";
import { Conversation, type ConversationCommands } from "./Conversation";
import { ConversationList } from "./ConversationList";
import { useDirectory } from "./directory";
import { FilterBar } from "./FilterBar";
import { type Filter, inTab, matches, NO_FILTER, queryOf, sortRows, TABS, type Tab } from "./filters";
import { liveSocket } from "./live";
import { PasswordForm } from "./PasswordForm";
import { commandFor } from "./shortcuts";
import { ShortcutsHelp } from "./ShortcutsHelp";
import { useNarrow } from "./viewport";

const CONVERSATION_HASH = /^#(c_[A-Za-z0-9_-]{22})$/;

export function Inbox({ session, onOut }: { session: Me; onOut(): void }) {
  const me = session.staff;
  const [filter, setFilter] = useState<Filter>(NO_FILTER);
  const [rows, setRows] = useState<Map<string, ConversationHit>>(new Map());
  const [queue, setQueue] = useState<Map<string, ConversationSummary>>(new Map());
  const [selected, setSelected] = useState<string | null>(() => CONVERSATION_HASH.exec(location.hash)?.[1] ?? null);
  const [live, setLive] = useState(false);
  const [presence, setPresence] = useState<Presence>("offline");
  const [menu, setMenu] = useState(false);
  const [changing, setChanging] = useState(false);
  const [help, setHelp] = useState(false);
  const [dir, directory] = useDirectory();
  const narrow = useNarrow();
  const commands = useRef<ConversationCommands | null>(null);
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const teamsRef = useRef(dir.teams);
  teamsRef.current = dir.teams;
  const teamSites = (team: string) => teamsRef.current.find((t) => t.id === team)?.siteKeys ?? [];

  const loadList = (f: Filter) =>
    get<{ conversations: ConversationHit[] }>(`/api/staff/conversations?${queryOf(f)}`).then(
      (r) => {
        if (filterRef.current === f) setRows(new Map(r.conversations.map((c) => [c.id, c])));
      },
      () => {},
    );
  const loadQueue = () =>
    get<{ conversations: ConversationHit[] }>("/api/staff/conversations?status=open&limit=200").then(
      (r) => setQueue(new Map(r.conversations.map((c) => [c.id, c]))),
      () => {},
    );

  // The list follows the filter (words after a pause in typing).
  useEffect(() => {
    const t = setTimeout(() => void loadList(filter), filter.text ? 250 : 0);
    return () => clearTimeout(t);
  }, [filter]);

  useEffect(() => {
    void loadQueue();
    const socket = liveSocket(
      "/api/staff/inbox/ws",
      (data) => {
        const event = data as InboxEvent;
        if (event.type === "conversation") onConversation(event.data);
        else if (event.type === "message") {
          const patch = (prev: Map<string, ConversationHit>) => {
            const row = prev.get(event.data.conversationId);
            if (!row) return prev;
            return new Map(prev).set(row.id, { ...row, lastMessage: event.data.message.text.slice(0, 280), updatedAt: event.data.message.createdAt });
          };
          setRows(patch);
        } else if (event.type === "presence") {
          directory.presence(event.data.staffId, event.data.presence);
          if (event.data.staffId === me.id) setPresence(event.data.presence);
        } else if (event.type === "ready") setPresence(event.data.presence);
      },
      (up) => {
        setLive(up);
        if (up) {
          void loadQueue();
          void loadList(filterRef.current);
          directory.reload();
        }
      },
    );
    return () => socket.close();
  }, []);

  function onConversation(c: ConversationSummary) {
    setQueue((prev) => {
      const before = prev.get(c.id);
      // Updates can overtake each other on the way: keep the newest.
      if (before && before.updatedAt > c.updatedAt) return prev;
      notifyIfNew(before, c, me.id);
      const next = new Map(prev);
      if (inTab(c, "open", me.id)) next.set(c.id, c);
      else next.delete(c.id);
      return next;
    });
    setRows((prev) => {
      const before = prev.get(c.id);
      if (before && before.updatedAt > c.updatedAt) return prev;
      const f = filterRef.current;
      const next = new Map(prev);
      if (matches(c, f, me.id, teamSites) && (before || !f.text.trim())) next.set(c.id, { ...c, snippet: before?.snippet ?? null });
      else next.delete(c.id);
      return next;
    });
  }

  const list = useMemo(() => sortRows([...rows.values()], filter.tab, !!filter.text.trim()), [rows, filter.tab, filter.text]);
  const counts = (t: Tab) => (t === "resolved" || t === "all" ? null : [...queue.values()].filter((c) => inTab(c, t, me.id)).length);
  const unread = [...queue.values()].reduce((n, c) => n + (c.status === "waiting" || c.assigneeId === me.id ? c.unread : 0), 0);
  useEffect(() => {
    document.title = unread ? `(${unread}) Inbox — Switchboard` : "Inbox — Switchboard";
  }, [unread]);

  const select = (id: string | null) => {
    setSelected(id);
    history.replaceState(null, "", id ? `#${id}` : location.pathname);
  };

  // Keyboard shortcuts.
  const listRef = useRef(list);
  listRef.current = list;
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const helpRef = useRef(help);
  helpRef.current = help;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const command = commandFor(e);
      if (!command) return;
      if (helpRef.current) {
        if (command === "back" || command === "help") {
          e.preventDefault();
          setHelp(false);
        }
        return;
      }
      const items = listRef.current;
      const at = items.findIndex((c) => c.id === selectedRef.current);
      switch (command) {
        case "next":
        case "previous": {
          const to = items[at < 0 ? 0 : Math.min(items.length - 1, Math.max(0, at + (command === "next" ? 1 : -1)))];
          if (to) {
            e.preventDefault();
            select(to.id);
            document.querySelector<HTMLElement>(`.ib-row[data-id="${to.id}"]`)?.scrollIntoView({ block: "nearest" });
          }
          return;
        }
        case "search":
          e.preventDefault();
          document.getElementById("ib-search")?.focus();
          return;
        case "help":
          e.preventDefault();
          setHelp(true);
          return;
        case "back":
          if (commands.current?.run("back")) return;
          if ((e.target as HTMLElement | null)?.tagName === "TEXTAREA" || (e.target as HTMLElement | null)?.tagName === "INPUT") {
            (e.target as HTMLElement).blur();
            return;
          }
          if (selectedRef.current && narrow) backToList();
          return;
        default:
          if (commands.current?.run(command)) e.preventDefault();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [narrow]);

  // Back on the list, focus returns to the row that was open.
  const returnTo = useRef<string | null>(null);
  const backToList = () => {
    returnTo.current = selectedRef.current;
    select(null);
  };
  useEffect(() => {
    if (selected || !returnTo.current) return;
    // (It may have left this list meanwhile: then the list's first row.)
    (document.querySelector<HTMLElement>(`.ib-row[data-id="${returnTo.current}"]`) ?? document.querySelector<HTMLElement>(".ib-row, .ib-tabs button"))?.focus();
    returnTo.current = null;
  }, [selected]);

  const togglePresence = () => {
    const next = presence === "away" ? "available" : "away";
    put<{ presence: Presence }>("/api/staff/presence", { status: next }).then((r) => setPresence(r.presence), () => {});
  };

  const view = narrow && selected ? "conversation" : "list";
  return (
    <div class="ib-shell">
      <header class="ib-top">
        <h1>
          Inbox<span class="ib-wide"> · Switchboard</span>
        </h1>
        <span class={live ? "ib-live" : "ib-live ib-down"}>{live ? "Live" : "Reconnecting…"}</span>
        <span class="ib-spacer" />
        <button
          type="button"
          class={`ib-presence ib-presence-${presence}`}
          aria-pressed={presence === "away"}
          title={presence === "away" ? "You get no new conversations. Click to be available." : "Click to be away: no new conversations."}
          onClick={togglePresence}
        >
          {presence === "away" ? "Away" : presence === "available" ? "Available" : "Offline"}
        </button>
        <span class="ib-me">
          {me.name} · {me.email}
        </span>
        <button type="button" class="ib-link ib-icon" aria-label="Keyboard shortcuts" onClick={() => setHelp(true)}>
          ?
        </button>
        <div class="ib-menu">
          <button type="button" class="ib-link" aria-expanded={menu} aria-controls="ib-account" onClick={() => setMenu(!menu)}>
            Account
          </button>
          {menu ? (
            <div class="ib-popover" id="ib-account">
              <p class="ib-popover-who">
                {me.name}
                <br />
                {me.email}
              </p>
              {"Notification" in window && Notification.permission === "default" ? (
                <button type="button" onClick={() => void Notification.requestPermission().then(() => setMenu(false))}>
                  Enable notifications
                </button>
              ) : null}
              <button
                type="button"
                aria-expanded={changing}
                onClick={() => {
                  setChanging(!changing);
                  setMenu(false);
                }}
              >
                Password
              </button>
              <button type="button" onClick={onOut}>
                Sign out
              </button>
            </div>
          ) : null}
        </div>
      </header>
      {changing ? <PasswordForm onDone={() => setChanging(false)} /> : null}
      <main class="ib-main" data-view={view}>
        <section class="ib-listpane" aria-label="Queue">
          <nav class="ib-tabs" aria-label="Queues">
            {TABS.map(([t, label]) => (
              <button type="button" key={t} aria-pressed={filter.tab === t} onClick={() => setFilter({ ...filter, tab: t })}>
                {label}
                {counts(t) !== null ? <span class="ib-count">{counts(t)}</span> : null}
              </button>
            ))}
          </nav>
          <FilterBar filter={filter} onChange={setFilter} dir={dir} me={me.id} />
          <ConversationList rows={list} selected={selected} onSelect={select} searching={!!filter.text.trim()} teams={dir.teams} />
        </section>
        <section class="ib-view" aria-label="Conversation">
          {selected ? (
            <Conversation
              key={selected}
              id={selected}
              me={session}
              summary={rows.get(selected) ?? queue.get(selected)}
              dir={dir}
              narrow={narrow}
              onBack={backToList}
              onSelect={select}
              register={(c) => {
                commands.current = c;
              }}
            />
          ) : (
            <p class="ib-empty">Pick a conversation. Press ? for keyboard shortcuts.</p>
          )}
        </section>
      </main>
      {help ? <ShortcutsHelp onClose={() => setHelp(false)} /> : null}
    </div>
  );
}

function notifyIfNew(before: ConversationSummary | undefined, after: ConversationSummary, myId: string) {
  if (!("Notification" in window) || Notification.permission !== "granted" || document.visibilityState === "visible") return;
  if (after.status === "waiting" && before?.status !== "waiting") new Notification("A visitor is waiting", { body: after.summary ?? after.lastMessage ?? "" });
  else if (after.assigneeId === myId && before?.assigneeId !== myId) new Notification("A conversation is yours", { body: after.summary ?? after.lastMessage ?? "" });
  else if (after.assigneeId === myId && after.unread > (before?.unread ?? 0)) new Notification("New message", { body: after.lastMessage ?? "" });
}
