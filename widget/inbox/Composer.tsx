/**
 * Writing to the visitor or to colleagues: a reply (Markdown) or an internal note, with
 * canned replies — `/` at the start of the box or `#` anywhere, then the shortcut — and a
 * placeholder that says what sending will do for this conversation's status. Tools beside
 * the mode switch (`.ib-composer-tools`) are where more ways to send (attachments) go.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { CannedReply, ConversationSummary } from "../../shared/staff";

export type Mode = "reply" | "note";

export interface ComposerHandle {
  focus(mode: Mode): void;
  /** Opens canned replies at the caret (as if `#` were typed). */
  canned(): void;
}

interface Props {
  conversation: Pick<ConversationSummary, "status" | "assigneeId" | "assigneeName">;
  myId: string;
  canned: CannedReply[];
  handle: { current: ComposerHandle | null };
  onSend(mode: Mode, text: string): Promise<boolean>;
  onTyping(): void;
  /** More ways to send to the visitor (attachments), beside the mode switch: shown while
   * replying only, so nothing meant for a note can reach the visitor. */
  tools?: ComponentChildren;
}

/** The canned-reply shortcut being typed just before the caret, if any. */
export function cannedToken(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const slash = /^\/([a-z0-9_-]*)$/i.exec(before);
  if (slash) return { start: 0, query: (slash[1] ?? "").toLowerCase() };
  const hash = /(^|\s)#([a-z0-9_-]*)$/i.exec(before);
  if (hash) return { start: caret - (hash[2] ?? "").length - 1, query: (hash[2] ?? "").toLowerCase() };
  return null;
}

export function placeholder(c: Props["conversation"], myId: string, mode: Mode): string {
  if (mode === "note") return "Only staff see notes…";
  if (c.status === "human") return c.assigneeId === myId ? "Reply to the visitor (Markdown)…" : `${c.assigneeName ?? "A colleague"} has this conversation: take over (c) to reply`;
  if (c.status === "waiting") return "Replying claims this conversation…";
  if (c.status === "bot") return "Replying takes over from the bot…";
  return "Resolved. Replying reopens it with you…";
}

export function Composer({ conversation, myId, canned, handle, onSend, onTyping, tools }: Props) {
  const [mode, setMode] = useState<Mode>("reply");
  const [draft, setDraft] = useState("");
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<number | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const blocked = mode === "reply" && conversation.status === "human" && conversation.assigneeId !== myId;

  const token = cannedToken(draft, caret);
  const options =
    token && token.start !== dismissed
      ? canned.filter((r) => r.shortcut.startsWith(token.query) || r.title.toLowerCase().includes(token.query)).slice(0, 8)
      : [];
  const open = options.length > 0;
  useEffect(() => setActive(0), [token?.query, token?.start]);

  const insertAtCaret = (text: string) => {
    const el = box.current;
    const at = el ? el.selectionStart : draft.length;
    const next = draft.slice(0, at) + text + draft.slice(el ? el.selectionEnd : at);
    setDraft(next);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(at + text.length, at + text.length);
      setCaret(at + text.length);
    });
  };

  handle.current = {
    focus(m) {
      setMode(m);
      requestAnimationFrame(() => box.current?.focus());
    },
    canned() {
      setMode("reply");
      setDismissed(null);
      const needsSpace = caret > 0 && !/\s$/.test(draft.slice(0, caret));
      insertAtCaret(needsSpace ? " #" : "#");
    },
  };

  const choose = (reply: CannedReply) => {
    if (!token) return;
    const next = draft.slice(0, token.start) + reply.text + draft.slice(caret);
    const at = token.start + reply.text.length;
    setDraft(next);
    requestAnimationFrame(() => {
      box.current?.setSelectionRange(at, at);
      setCaret(at);
    });
  };

  const submit = () => {
    const text = draft.trim();
    if (!text || blocked) return;
    void onSend(mode, text).then((sent) => {
      if (sent) {
        setDraft("");
        setCaret(0);
      }
    });
  };

  return (
    <form
      class={`ib-composer ib-mode-${mode}`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div class="ib-composer-tools">
        <div class="ib-modes" role="radiogroup" aria-label="Write">
          <button type="button" role="radio" aria-checked={mode === "reply"} onClick={() => setMode("reply")}>
            Reply
          </button>
          <button type="button" role="radio" aria-checked={mode === "note"} onClick={() => setMode("note")}>
            Internal note
          </button>
        </div>
        <button type="button" class="ib-link ib-canned-button" onClick={() => handle.current?.canned()} disabled={!canned.length} title="Canned replies (#)">
          Canned replies
        </button>
        {mode === "reply" ? tools : null}
      </div>
      {open ? (
        <ul class="ib-canned" id="ib-canned" role="listbox" aria-label="Canned replies">
          {options.map((r, i) => (
            <li
              key={r.id}
              id={`ib-canned-${i}`}
              role="option"
              aria-selected={i === active}
              class={i === active ? "ib-active" : ""}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(r);
              }}
            >
              <span class="ib-shortcut">#{r.shortcut}</span> <span class="ib-canned-title">{r.title}</span>
              <span class="ib-canned-text">{r.text}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <label class="ib-sr" for="ib-draft">
        {mode === "reply" ? "Reply to the visitor" : "Internal note"}
      </label>
      <textarea
        id="ib-draft"
        ref={box}
        rows={3}
        value={draft}
        placeholder={placeholder(conversation, myId, mode)}
        aria-autocomplete="list"
        aria-controls={open ? "ib-canned" : undefined}
        aria-activedescendant={open ? `ib-canned-${active}` : undefined}
        onInput={(e) => {
          const el = e.target as HTMLTextAreaElement;
          setDraft(el.value);
          setCaret(el.selectionStart);
          if (mode === "reply") onTyping();
        }}
        onKeyUp={(e) => setCaret((e.target as HTMLTextAreaElement).selectionStart)}
        onClick={(e) => setCaret((e.target as HTMLTextAreaElement).selectionStart)}
        onKeyDown={(e) => {
          if (open) {
            if (e.key === "ArrowDown" || e.key === "ArrowUp") {
              e.preventDefault();
              setActive((a) => (a + (e.key === "ArrowDown" ? 1 : options.length - 1)) % options.length);
              return;
            }
            if ((e.key === "Enter" && !e.metaKey && !e.ctrlKey) || e.key === "Tab") {
              e.preventDefault();
              const chosen = options[active];
              if (chosen) choose(chosen);
              return;
            }
            if (e.key === "Escape") {
              e.preventDefault();
              e.stopPropagation();
              setDismissed(token?.start ?? null);
              return;
            }
          }
          if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <div class="ib-send">
        <span class="ib-hint">Ctrl + Enter to send · / or # for canned replies</span>
        <button type="submit" disabled={!draft.trim() || blocked}>
          {mode === "reply" ? "Send reply" : "Add note"}
        </button>
      </div>
    </form>
  );
}
