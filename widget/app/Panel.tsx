/**
 * The chat panel: header, status banners, the message log, activity lines and the
 * composer. Used by the floating widget and by the full-page assistant.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { PublicSiteConfig } from "../../shared/config";
import type { ChatClient, ChatState, ViewMessage } from "./chat";
import { format, type Strings } from "./i18n";
import { markdown, safeHref } from "./markdown";

interface Props {
  chat: ChatClient;
  state: ChatState;
  config: PublicSiteConfig;
  t: Strings;
  dir: "ltr" | "rtl";
  base: string;
  page: boolean;
  onClose(): void;
}

export function Panel({ chat, state, config, t, dir, base, page, onClose }: Props) {
  const [draft, setDraft] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const log = useRef<HTMLDivElement>(null);
  const lastTyping = useRef(0);

  // Focus moves into the panel when it opens.
  useEffect(() => {
    if (state.open) input.current?.focus();
  }, [state.open]);

  // Follow the conversation unless the visitor scrolled up to read.
  const last = state.messages[state.messages.length - 1];
  useEffect(() => {
    const el = log.current;
    if (!el) return;
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 120 || last?.role === "user") el.scrollTop = el.scrollHeight;
  }, [state.messages.length, last?.text, state.activities.length]);

  const submit = () => {
    const error = chat.send(draft);
    if (error === "tooLong") setProblem(t.tooLong);
    if (error) return;
    setProblem(null);
    setDraft("");
    input.current?.focus();
  };

  const banner = !state.online
    ? t.offline
    : state.status === "waiting"
      ? t.waiting
      : state.status === "human"
        ? state.assignee
          ? format(t.human, { name: state.assignee })
          : t.humanAnon
        : state.status === "resolved"
          ? t.resolved
          : null;

  return (
    <div class="sb-app" dir={dir} onKeyDown={(e) => e.key === "Escape" && !page && onClose()}>
      <header class="sb-header">
        {config.theme.logoUrl ? <img src={config.theme.logoUrl} alt="" /> : null}
        <div class="sb-titles">
          <h2 class="sb-title">{config.theme.title}</h2>
          {config.theme.subtitle ? <p class="sb-subtitle">{config.theme.subtitle}</p> : null}
        </div>
        {state.status === "bot" || state.status === "resolved" ? (
          <button type="button" class="sb-iconbtn" onClick={() => void chat.handoff()}>
            {t.person}
          </button>
        ) : null}
        {page ? null : (
          <button type="button" class="sb-iconbtn" aria-label={t.close} onClick={onClose}>
            ✕
          </button>
        )}
      </header>
      {banner ? (
        <div class={state.online ? "sb-banner sb-info" : "sb-banner"} role="status">
          {banner}
        </div>
      ) : null}
      {state.provider === "offline" && state.online ? <div class="sb-banner sb-info">{t.offlineMode}</div> : null}
      <div class="sb-log" role="log" aria-live="polite" aria-label={t.log} ref={log} tabIndex={0}>
        <div class="sb-msg sb-assistant">
          <p>{config.theme.welcome}</p>
        </div>
        {state.messages.map((m) => (
          <Message key={m.key} m={m} t={t} base={base} rating={m.seq !== undefined ? state.feedback[m.key] : undefined} onRate={(r) => void chat.rate(m.key, r)} />
        ))}
        {state.activities.map((a) => (
          <p class="sb-activity" key={`${a.runId}:${a.target}`}>
            {format(t.checking, { name: a.targetName ?? a.target ?? "" })}
          </p>
        ))}
        {state.busy && !state.messages.some((m) => m.state === "streaming") ? (
          <p class="sb-activity" aria-label={t.thinking}>
            <span class="sb-dots" aria-hidden="true">
              <i />
              <i />
              <i />
            </span>
          </p>
        ) : null}
        {state.staffTyping ? <p class="sb-activity">{format(t.staffTyping, { name: state.assignee ?? "" })}</p> : null}
        {state.leadRequested || state.preChat ? <LeadForm chat={chat} t={t} withName={state.preChat} /> : null}
      </div>
      {problem ? (
        <p class="sb-error" role="alert">
          {problem}
        </p>
      ) : null}
      <form
        hidden={state.preChat}
        class="sb-composer"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label class="sb-sr" for="sb-input">
          {t.placeholder}
        </label>
        <textarea
          id="sb-input"
          ref={input}
          rows={1}
          value={draft}
          placeholder={t.placeholder}
          onInput={(e) => {
            setDraft((e.target as HTMLTextAreaElement).value);
            if (Date.now() - lastTyping.current > 2000) {
              lastTyping.current = Date.now();
              chat.typing();
            }
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
        {state.busy && state.status === "bot" ? (
          <button type="button" class="sb-send sb-stop" onClick={() => chat.stop()}>
            {t.stop}
          </button>
        ) : (
          <button type="submit" class="sb-send" disabled={!draft.trim()}>
            {t.send}
          </button>
        )}
      </form>
    </div>
  );
}

function Message({ m, t, base, rating, onRate }: { m: ViewMessage; t: Strings; base: string; rating?: 1 | -1; onRate(r: 1 | -1): void }) {
  const cls = `sb-msg sb-${m.role}${m.state === "sending" ? " sb-sending" : ""}`;
  const sources = (m.sources ?? []).map((s) => ({ ...s, href: s.url ? safeHref(s.url, base) : null }));
  return (
    <div class={cls} data-role={m.role} data-state={m.state}>
      {m.role === "human" && m.author ? <span class="sb-author">{m.author}</span> : null}
      {m.role === "user" ? <span class="sb-sr">{t.you}: </span> : null}
      {markdown(m.text, base)}
      {sources.length ? (
        <div class="sb-source-block">
          <span class="sb-author">{t.sources}</span>
          <ul class="sb-sources">
            {sources.map((s) => (
              <li key={s.id}>
                {s.href ? (
                  <a href={s.href} target="_blank" rel="noopener noreferrer">
                    {s.title}
                  </a>
                ) : (
                  s.title
                )}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {m.role === "assistant" && m.state === "sent" ? (
        <div class="sb-meta">
          {m.offline ? <span class="sb-badge-offline">offline</span> : null}
          <button type="button" class="sb-rate" aria-pressed={rating === 1} aria-label={t.helpful} onClick={() => onRate(1)}>
            <Thumb />
          </button>
          <button type="button" class="sb-rate sb-down" aria-pressed={rating === -1} aria-label={t.notHelpful} onClick={() => onRate(-1)}>
            <Thumb />
          </button>
        </div>
      ) : null}
      {m.state === "sending" ? <span class="sb-sr">{t.sending}</span> : null}
    </div>
  );
}

/** Shown when nobody can answer now (outside hours, or no one claimed in time). */
function LeadForm({ chat, t, withName }: { chat: ChatClient; t: Strings; withName: boolean }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [problem, setProblem] = useState(false);
  return (
    <form
      class="sb-lead"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return setProblem(true);
        void chat.leaveEmail(email.trim(), name.trim() || undefined).then((ok) => setProblem(!ok));
      }}
    >
      <p>{withName ? t.preChatPrompt : t.leadPrompt}</p>
      {withName ? (
        <>
          <label class="sb-sr" for="sb-lead-name">
            {t.name}
          </label>
          <input id="sb-lead-name" type="text" autocomplete="name" placeholder={t.name} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </>
      ) : null}
      <label class="sb-sr" for="sb-lead-email">
        {t.email}
      </label>
      <input id="sb-lead-email" type="email" autocomplete="email" placeholder={t.email} value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
      <button type="submit" class="sb-send">
        {t.leadSend}
      </button>
      {problem ? <p role="alert">{t.leadInvalid}</p> : null}
    </form>
  );
}

/** A thumb drawn in SVG: emoji fonts are missing on many systems. Flipped for "down" in CSS. */
function Thumb() {
  return (
    <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true">
      <path fill="currentColor" d="M2 10h4v11H2zm6 11h9.2a2 2 0 0 0 2-1.6l1.6-8A2 2 0 0 0 18.8 9H14l.8-4.2A1.8 1.8 0 0 0 11.6 3.4L8 9z" />
    </svg>
  );
}
