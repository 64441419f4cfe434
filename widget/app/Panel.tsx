/**
 * The chat panel: header, status banners, the message log and the composer — used by the
 * floating widget and by the full-page assistant. With no conversation in view, the log is
 * the home view: the team and how soon it replies, the welcome text, suggested questions and
 * this browser's past conversations; the first message starts a conversation.
 */
import { type ComponentChildren, type FunctionComponent, h } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ATTACHMENT_TYPES, attachmentText } from "../../shared/attachments";
import type { LocalizedTexts, PublicSiteConfig } from "../../shared/config";
import type { ChatClient, ChatState, ViewMessage } from "./chat";
import type { Strings } from "./i18n";
import { Icon } from "./icons";
import { markdown, safeHref } from "./markdown";
import { adopt } from "./styles";

interface Props {
  chat: ChatClient;
  state: ChatState;
  config: PublicSiteConfig;
  texts: Required<LocalizedTexts>;
  t: Strings;
  locale: string;
  dir: "ltr" | "rtl";
  base: string;
  page: boolean;
  onClose(): void;
}

/** A template's `{name}` filled with a name isolated from the text around it (bidi-safe). */
const named = (template: string, name: string): ComponentChildren => {
  const [before, after] = template.split("{name}");
  return [before, <bdi key="n">{name}</bdi>, after];
};

type ExtrasModule = typeof import("./extras");
type Extras = Omit<ExtrasModule, "CSS">;
let extras: ExtrasModule | undefined;
let loadingExtras: Promise<void> | undefined;

/** A component of the extras chunk (files, the rating question, the email form, past conversations), loaded the first time one shows. */
function Extra<K extends keyof Extras>({ name, ...props }: { name: K } & Parameters<Extras[K]>[0]) {
  const [, loaded] = useState(!!extras);
  useEffect(() => {
    if (!extras) {
      loadingExtras ??= import("./extras").then(
        (m) => {
          adopt(m.CSS);
          extras = m;
        },
        () => void (loadingExtras = undefined), // tried again the next time one shows
      );
      void loadingExtras.then(() => loaded(!!extras));
    }
  }, []);
  return extras ? h(extras[name] as FunctionComponent, props) : null;
}

/** Scrolls to the bottom; answers where that is. */
const scrollDown = (el: HTMLElement) => {
  el.scrollTop = el.scrollHeight;
  return el.scrollTop;
};

const IconButton = ({ icon, label, onClick }: { icon: Parameters<typeof Icon>[0]["name"]; label: string; onClick(): void }) => (
  <button type="button" class="sb-iconbtn" aria-label={label} title={label} onClick={onClick}>
    <Icon name={icon} />
  </button>
);

export function Panel({ chat, state, config, texts, t, locale, dir, base, page, onClose }: Props) {
  const [draft, setDraft] = useState("");
  const [thanked, setThanked] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const file = useRef<HTMLInputElement>(null);
  const log = useRef<HTMLDivElement>(null);
  const stack = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  /** Where the log last scrolled itself: scrolling above it is the visitor reading back. */
  const followed = useRef(0);
  const lastTyping = useRef(0);
  const home = !state.conversationId && !state.messages.length;

  // Focus moves into the panel when it opens.
  useEffect(() => {
    if (state.open) input.current?.focus();
  }, [state.open]);

  // The log follows what is added (a reply streaming, its sources and thumbs, an image
  // loading) while the visitor is at the bottom, and leaves them alone when they scrolled up.
  useEffect(() => {
    const follow = () => {
      const el = log.current;
      if (stick.current && el) followed.current = scrollDown(el);
    };
    const watch = new ResizeObserver(follow);
    if (stack.current) watch.observe(stack.current);
    return () => watch.disconnect();
  }, []);
  // What the visitor sent, a change of status, the email form and the rating question are
  // always brought into view.
  const last = state.messages[state.messages.length - 1];
  const rating = state.status === "resolved" && !state.rated;
  useEffect(() => {
    stick.current = true;
    if (log.current) followed.current = scrollDown(log.current);
  }, [state.conversationId, state.status, state.leadRequested, rating, last?.role === "user" && last.key]);

  const submit = () => {
    if (chat.send(draft)) return;
    setDraft("");
    input.current?.focus();
  };

  const banner = !state.online
    ? t.disconnected
    : state.status === "human"
      ? state.assignee
        ? named(t.human, state.assignee)
        : t.humanAnon
      : state.family === "offline"
        ? t.autoMode
        : null;

  return (
    <div class="sb-app" dir={dir} onKeyDown={(e) => e.key === "Escape" && !page && onClose()}>
      <header class="sb-header">
        {config.theme.logoUrl ? <img src={config.theme.logoUrl} alt="" /> : null}
        <div class="sb-titles">
          <h2 class="sb-title">{texts.title}</h2>
          {texts.subtitle ? <p class="sb-subtitle">{texts.subtitle}</p> : null}
        </div>
        {state.status === "bot" || state.status === "resolved" ? <IconButton icon="person" label={t.person} onClick={() => void chat.handoff()} /> : null}
        {home ? null : <IconButton icon="plus" label={t.newChat} onClick={() => chat.newConversation()} />}
        {page ? null : <IconButton icon="close" label={t.close} onClick={onClose} />}
      </header>
      {banner ? (
        <div class={state.online ? "sb-banner sb-info" : "sb-banner"} role="status">
          {banner}
        </div>
      ) : null}
      <div
        class="sb-log"
        role="log"
        aria-live="polite"
        aria-label={t.log}
        ref={log}
        tabIndex={0}
        onScroll={() => {
          const el = log.current;
          // (A scroll event can arrive after more was added: only moving up unsticks.)
          if (el) stick.current = el.scrollTop >= followed.current - 2 || el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        <div class="sb-stack" ref={stack}>
          {home ? <Team config={config} t={t} locale={locale} /> : null}
          <div class="sb-msg sb-assistant">
            <div dir="auto">{markdown(texts.welcome, base)}</div>
          </div>
          {state.messages.length || !texts.suggestions.length ? null : (
            <div class="sb-chips" role="group" aria-label={t.suggestions}>
              {texts.suggestions.map((q) => (
                <button type="button" class="sb-chip" dir="auto" key={q} onClick={() => chat.send(q)}>
                  {q}
                </button>
              ))}
            </div>
          )}
          {state.messages.map((m) => (
            <Message key={m.key} m={m} t={t} chat={chat} base={base} rating={m.seq !== undefined ? state.feedback[m.key] : undefined} />
          ))}
          {state.activities.map((a) => (
            <p class="sb-activity" key={`${a.runId}:${a.target}`}>
              {named(t.checking, a.targetName ?? a.target ?? "")}
            </p>
          ))}
          {state.busy && !state.messages.some((m) => m.state === "streaming") ? (
            <p class="sb-activity sb-thinking" role="status">
              <span class="sb-sr">{t.thinking}</span>
              <span class="sb-dots" aria-hidden="true">
                <i />
                <i />
                <i />
              </span>
            </p>
          ) : null}
          {state.staffTyping ? <p class="sb-activity">{named(t.staffTyping, state.assignee ?? "")}</p> : null}
          {state.leadRequested || state.preChat ? <Extra name="LeadForm" chat={chat} t={t} withName={state.preChat} email={state.email} /> : null}
          {rating ? (
            <Extra
              name="Csat"
              t={t}
              onDone={(stars, comment) => {
                if (stars) setThanked(state.conversationId);
                void chat.csat(stars, comment);
              }}
            />
          ) : thanked && thanked === state.conversationId ? (
            <p class="sb-msg sb-system" role="status">
              {t.csatThanks}
            </p>
          ) : null}
          {home && state.past.some((p) => p.text) ? <Extra name="History" chat={chat} state={state} t={t} locale={locale} /> : null}
        </div>
      </div>
      {state.problem ? (
        <p class="sb-error" role="alert">
          {t[state.problem]}
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
          dir="auto"
          value={draft}
          placeholder={t.placeholder}
          onInput={(e) => {
            setDraft((e.target as HTMLTextAreaElement).value);
            if (Date.now() - lastTyping.current > 2000) {
              lastTyping.current = Date.now();
              chat.typing();
            }
          }}
          onPaste={(e) => {
            // A screenshot pasted into the box is sent as a file.
            const pasted = e.clipboardData?.files[0];
            if (pasted) {
              e.preventDefault();
              void chat.attach(pasted);
            }
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <input
          ref={file}
          type="file"
          hidden
          accept={ATTACHMENT_TYPES.join(",")}
          onChange={(e) => {
            const el = e.target as HTMLInputElement;
            const chosen = el.files?.[0];
            el.value = "";
            if (chosen) void chat.attach(chosen);
          }}
        />
        <IconButton icon="clip" label={t.attach} onClick={() => file.current?.click()} />
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

/** Who answers and how soon: the team's faces (initials without an avatar) and its reply time. */
function Team({ config, t, locale }: { config: PublicSiteConfig; t: Strings; locale: string }) {
  const team = config.team ?? [];
  const minutes = Math.max(1, Math.round((config.replyWithinSec ?? 120) / 60));
  const time = new Intl.NumberFormat(locale, { style: "unit", unit: minutes >= 120 ? "hour" : "minute", unitDisplay: "long" }).format(minutes >= 120 ? Math.round(minutes / 60) : minutes);
  return (
    <div class="sb-team">
      {team.length ? (
        <ul class="sb-faces">
          {team.map((m) => (
            <li key={m.name} title={m.name}>
              {m.avatarUrl ? <img src={m.avatarUrl} alt="" /> : <span aria-hidden="true">{[...m.name][0]?.toUpperCase()}</span>}
              <span class="sb-sr">{m.name}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <p>{config.staffed === false ? t.away : t.replyTime.replace("{time}", time)}</p>
    </div>
  );
}

function Message({ m, t, chat, base, rating }: { m: ViewMessage; t: Strings; chat: ChatClient; base: string; rating?: 1 | -1 }) {
  const cls = `sb-msg sb-${m.role}${m.state === "sending" ? " sb-sending" : ""}`;
  const sources = (m.sources ?? []).map((s) => ({ ...s, href: s.url ? safeHref(s.url, base) : null }));
  // A message that is only files says only their names: the files show them already.
  const text = m.attachments?.length && m.text === attachmentText(m.attachments.map((a) => a.name)) ? "" : m.text;
  return (
    <div class={cls} data-role={m.role} data-state={m.state}>
      {m.role === "human" && m.author ? (
        <span class="sb-author">
          <bdi>{m.author}</bdi>
        </span>
      ) : null}
      {m.role === "user" ? <span class="sb-sr">{t.you}: </span> : null}
      {text ? <div dir="auto">{markdown(text, base)}</div> : null}
      {m.attachments?.map((a) => <Extra name="File" key={a.id} a={a} chat={chat} />)}
      {sources.length ? (
        <div class="sb-source-block">
          <span class="sb-author">{t.sources}</span>
          <ul class="sb-sources">
            {sources.map((s) => (
              <li key={s.id} dir="auto">
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
          {m.offline ? <span class="sb-badge-auto">{t.autoLabel}</span> : null}
          <button type="button" class="sb-rate" aria-pressed={rating === 1} aria-label={t.helpful} onClick={() => void chat.rate(m.key, 1)}>
            <Icon name="thumb" size={14} />
          </button>
          <button type="button" class="sb-rate sb-down" aria-pressed={rating === -1} aria-label={t.notHelpful} onClick={() => void chat.rate(m.key, -1)}>
            <Icon name="thumb" size={14} />
          </button>
        </div>
      ) : null}
      {m.state === "sending" ? <span class="sb-sr">{t.sending}</span> : null}
    </div>
  );
}
