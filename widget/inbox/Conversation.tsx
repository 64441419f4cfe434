/**
 * One conversation: who, its status and who holds it, what staff can do now (claim or take
 * over, reassign, resolve, return to the bot), the handoff summary while a person is
 * involved, the transcript with internal notes (live), the composer, and the details panel
 * (visitor, trace).
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ServerEvent, StoredMessage } from "../../shared/protocol";
import type { ConversationDetail, ConversationSummary, Note } from "../../shared/staff";
import type { TraceNode } from "../../shared/trace";
import { markdown } from "../app/markdown";
import { type ApiFailure, get, type Me, post } from "./api";
import { AttachButton, MessageFiles } from "./Attachments";
import { Composer, type ComposerHandle, type Mode } from "./Composer";
import type { Directory } from "./directory";
import { liveSocket } from "./live";
import { ReassignMenu } from "./ReassignMenu";
import type { Command } from "./shortcuts";
import { SidePanel, type SideTab } from "./SidePanel";
import { IDENTITY_HELP, IDENTITY_TEXT, identityKind, visitorLabel } from "./visitor";
import { useMedia } from "./viewport";

export interface ConversationCommands {
  /** True when the command was for this view and it acted. */
  run(command: Command): boolean;
}

interface Props {
  id: string;
  me: Me;
  summary?: ConversationSummary;
  dir: Directory;
  narrow: boolean;
  onBack(): void;
  onSelect(id: string): void;
  register(commands: ConversationCommands | null): void;
}

type Item = { kind: "message"; at: string; m: StoredMessage } | { kind: "note"; at: string; n: Note };
type Detail = ConversationDetail & { trace: TraceNode[] };

export function Conversation({ id, me, summary, dir, narrow, onBack, onSelect, register }: Props) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [missing, setMissing] = useState(false);
  const [messages, setMessages] = useState<Map<string, StoredMessage>>(new Map());
  const [notes, setNotes] = useState<Note[]>([]);
  const [streaming, setStreaming] = useState<{ id: string; text: string } | null>(null);
  const [visitorTyping, setVisitorTyping] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const wide = useMedia("(min-width: 1180px)");
  const [details, setDetails] = useState(wide);
  const [sideTab, setSideTab] = useState<SideTab>("visitor");
  const [reassigning, setReassigning] = useState(false);
  const socket = useRef<ReturnType<typeof liveSocket> | null>(null);
  const composer = useRef<ComposerHandle | null>(null);
  const lastTyping = useRef(0);
  const log = useRef<HTMLDivElement>(null);

  const refresh = () =>
    get<Detail>(`/api/staff/conversations/${id}`).then(
      (d) => {
        setDetail(d);
        setMessages(new Map(d.messages.map((m) => [m.id, m])));
        setNotes(d.notes);
      },
      (e: ApiFailure) => {
        if (e.status === 404) setMissing(true);
      },
    );

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
    return () => {
      clearTimeout(typingTimer);
      socket.current?.close();
    };
  }, [id]);

  const items: Item[] = useMemo(
    () =>
      [...[...messages.values()].map((m): Item => ({ kind: "message", at: m.createdAt, m })), ...notes.map((n): Item => ({ kind: "note", at: n.createdAt, n }))].sort((a, b) =>
        a.at.localeCompare(b.at),
      ),
    [messages, notes],
  );

  useEffect(() => {
    if (log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [items.length, streaming?.text, details]);

  // The live row (from the inbox socket) is newer than the detail loaded at first.
  const c = detail ? { ...detail.conversation, ...(summary && summary.updatedAt >= detail.conversation.updatedAt ? stripSnippet(summary) : {}) } : null;
  const mine = c?.status === "human" && c.assigneeId === me.staff.id;
  const othersHold = c?.status === "human" && !mine;

  const act = (path: string, body?: unknown) =>
    post(`/api/staff/conversations/${id}/${path}`, body).then(
      () => {
        setError(null);
        void refresh();
        return true;
      },
      (e: ApiFailure) => {
        setError(e.message);
        return false;
      },
    );
  const claim = () => act(othersHold ? "take-over" : "claim");

  register({
    run(command) {
      if (!c) return false;
      switch (command) {
        case "claim":
          if (mine) return false;
          void claim();
          return true;
        case "resolve":
          if (c.status === "resolved" || c.status === "bot") return false;
          void act("resolve");
          return true;
        case "reply":
        case "note":
          composer.current?.focus(command);
          return true;
        case "canned":
          composer.current?.canned();
          return true;
        case "reassign":
          setReassigning(true);
          return true;
        case "details":
          setDetails((d) => !d);
          return true;
        case "back":
          if (reassigning) {
            setReassigning(false);
            return true;
          }
          if (details && narrow) {
            setDetails(false);
            return true;
          }
          return false;
        default:
          return false;
      }
    },
  });
  useEffect(() => () => register(null), []);

  if (missing) return <p class="ib-empty">This conversation is not in your inbox.</p>;
  if (!detail || !c) return <p class="ib-loading">Loading…</p>;
  const kind = identityKind(c);
  const team = c.teamId ? (dir.teams.find((t) => t.id === c.teamId)?.name ?? c.teamId) : null;
  const send = (mode: Mode, text: string) => act(mode === "reply" ? "reply" : "notes", { text });

  return (
    <div class={details ? "ib-conv ib-with-details" : "ib-conv"}>
      <header class="ib-conv-head">
        {narrow ? (
          <button type="button" class="ib-back" onClick={onBack} aria-label="Back to the list">
            ←
          </button>
        ) : null}
        <div class="ib-conv-title">
          <h2>
            {visitorLabel(c)} <span class={`ib-id ib-id-${kind}`} title={IDENTITY_HELP[kind]}>{IDENTITY_TEXT[kind]}</span>
          </h2>
          <p class="ib-sub">
            <span class={`ib-status ib-${c.status}`}>{c.status}</span>
            {c.assigneeName && c.status === "human" ? ` · with ${c.assigneeName}` : ""}
            {team ? ` · ${team}` : ""}
            {c.visitorEmail && c.visitorName ? ` · ${c.visitorEmail}` : ""}
          </p>
        </div>
        <div class="ib-actions">
          {!mine && c.status !== "resolved" ? (
            <button type="button" class="ib-primary" onClick={() => void claim()} aria-keyshortcuts="c">
              {othersHold ? "Take over" : "Claim"}
            </button>
          ) : null}
          <div class="ib-menu">
            <button type="button" aria-expanded={reassigning} aria-keyshortcuts="a" onClick={() => setReassigning(!reassigning)}>
              Reassign
            </button>
            {reassigning ? (
              <ReassignMenu
                dir={dir}
                assigneeId={c.status === "human" ? c.assigneeId : null}
                onClose={() => setReassigning(false)}
                onPick={(target) => {
                  setReassigning(false);
                  void act("reassign", target);
                }}
              />
            ) : null}
          </div>
          {c.status === "waiting" || c.status === "human" ? (
            <button type="button" onClick={() => void act("resolve")} aria-keyshortcuts="e">
              Resolve
            </button>
          ) : null}
          {c.status !== "bot" ? (
            <button type="button" onClick={() => void act("return-to-bot")}>
              Return to bot
            </button>
          ) : null}
          <button type="button" aria-pressed={details} aria-keyshortcuts="i" onClick={() => setDetails(!details)}>
            Details
          </button>
        </div>
      </header>
      {c.summary && (c.status === "waiting" || c.status === "human") ? (
        <p class="ib-summary">
          <strong>Handoff summary:</strong> {c.summary}
        </p>
      ) : null}
      {error ? (
        <p class="ib-error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="ib-conv-body">
        <div class="ib-thread">
          <div class="ib-log" ref={log} role="log" aria-live="polite" aria-label="Transcript" tabIndex={0}>
            {items.map((item) =>
              item.kind === "message" ? (
                <div key={item.m.id} class={`ib-msg ib-${item.m.role}`} data-role={item.m.role}>
                  <span class="ib-author">{item.m.role === "user" ? visitorLabel(c) : item.m.role === "system" ? "" : (item.m.author ?? item.m.role)}</span>
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
          <Composer
            conversation={c}
            myId={me.staff.id}
            canned={dir.canned}
            handle={composer}
            tools={<AttachButton conversationId={id} onError={setError} />}
            onSend={send}
            onTyping={() => {
              if (Date.now() - lastTyping.current > 2000) {
                lastTyping.current = Date.now();
                socket.current?.send({ type: "typing" });
              }
            }}
          />
        </div>
        {details ? <SidePanel conversation={c} trace={detail.trace} tab={sideTab} onTab={setSideTab} onClose={() => setDetails(false)} dir={dir} onSelect={onSelect} /> : null}
      </div>
    </div>
  );
}

function stripSnippet(s: ConversationSummary & { snippet?: string | null }): ConversationSummary {
  const { snippet: _, ...rest } = s;
  return rest;
}
