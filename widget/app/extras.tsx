/**
 * What only some visitors see, in a chunk of its own: files in messages (an image previewed,
 * a PDF as a link, both through a short-lived link) and the satisfaction question when a
 * conversation is resolved. Loaded the first time one is on screen.
 */
import { useEffect, useState } from "preact/hooks";
import type { Attachment } from "../../shared/protocol";
import type { ChatClient, ChatState } from "./chat";
import type { Strings } from "./i18n";
/** Their CSS, adopted when the chunk loads. */
export const CSS = `
.sb-file{display:flex;align-items:center;gap:6px;margin-top:6px;color:inherit;font-size:14px;text-decoration:none}
.sb-file small{opacity:.75}
.sb-image img{display:block;max-width:100%;max-height:240px;border-radius:10px;background:#fff}
.sb-history{display:flex;flex-direction:column;gap:6px;margin-top:6px}
.sb-history h3{margin:0;font-size:13px;font-weight:650;color:#4b5563}
.sb-history button{display:flex;gap:10px;align-items:baseline;width:100%;border:1px solid #e5e7eb;background:#fff;border-radius:12px;padding:10px 12px;font:inherit;font-size:14px;color:inherit;cursor:pointer;text-align:start}
.sb-history span{flex:1;min-width:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.sb-history time{flex:none;font-size:12px;color:#4b5563}
.sb-csat{position:relative;display:flex;flex-wrap:wrap;gap:8px;padding:12px;border:1px solid #e5e7eb;border-radius:12px;background:#f9fafb}
.sb-csat p{margin:0;width:100%;padding-inline-end:36px;font-weight:600}
.sb-dismiss{position:absolute;top:2px;inset-inline-end:2px;width:36px;height:36px}
.sb-scale{display:flex;gap:6px;width:100%}
.sb-scale button{flex:1;min-height:44px;border:1px solid #d1d5db;border-radius:10px;background:#fff;font:inherit;font-weight:650;cursor:pointer;color:#111827}
.sb-scale button[aria-pressed=true]{background:var(--sb-primary);color:#fff;border-color:transparent}
.sb-csat textarea{width:100%}
.sb-lead{display:flex;flex-wrap:wrap;gap:8px;align-items:center;padding:12px;border:1px solid #e5e7eb;border-radius:12px;background:#f9fafb}
.sb-lead p{margin:0;width:100%;font-size:14px}
.sb-lead input{flex:1;min-width:0;font:inherit;font-size:16px;padding:9px 10px;border:1px solid #d1d5db;border-radius:10px}
`;

/** Icons drawn here (importing the panel's would make them a chunk of their own). */
const Svg = ({ d }: { d: string }) => (
  <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
    <path fill="currentColor" d={d} />
  </svg>
);

/** A file in a message: an image is previewed, a PDF is a link; both through a short-lived link. */
export function File({ a, chat }: { a: Attachment; chat: ChatClient }) {
  const [link, setLink] = useState<{ url: string; expiresAt: string } | null>(null);
  useEffect(() => void chat.link(a.id).then(setLink), [a.id]);
  const image = a.type.startsWith("image/");
  const kb = a.size / 1024;
  return (
    <a
      class={image && link ? "sb-file sb-image" : "sb-file"}
      href={link?.url}
      target="_blank"
      rel="noopener noreferrer"
      onClick={(e) => {
        // A link older than its few minutes is asked for again.
        if (link && Date.parse(link.expiresAt) > Date.now()) return;
        e.preventDefault();
        void chat.link(a.id).then((fresh) => fresh && (setLink(fresh), open(fresh.url, "_blank", "noopener")));
      }}
    >
      {image && link ? (
        <img src={link.url} alt={a.name} />
      ) : (
        <>
          <Svg d="M6 2h8l6 6v14H6zm7 1.5V9h5.5z" />
          <bdi>{a.name}</bdi> <small>{new Intl.NumberFormat(undefined, { style: "unit", unit: kb < 1024 ? "kilobyte" : "megabyte", maximumFractionDigits: kb < 1024 ? 0 : 1 }).format(kb < 1024 ? Math.ceil(kb) : kb / 1024)}</small>
        </>
      )}
    </a>
  );
}

/** "How was this conversation?" once it is resolved: 1 to 5, an optional comment, dismissible. */
export function Csat({ t, onDone }: { t: Strings; onDone(rating?: number, comment?: string): void }) {
  const [stars, setStars] = useState(0);
  const [comment, setComment] = useState("");
  const labels = t.ratings.split("|");
  return (
    <form
      class="sb-csat"
      onSubmit={(e) => {
        e.preventDefault();
        onDone(stars, comment.trim() || undefined);
      }}
    >
      <p id="sb-csat-q">{t.csat}</p>
      <button type="button" class="sb-iconbtn sb-dismiss" aria-label={t.dismiss} title={t.dismiss} onClick={() => onDone(stars || undefined)}>
        <Svg d="M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z" />
      </button>
      <div class="sb-scale" role="group" aria-labelledby="sb-csat-q">
        {labels.map((label, i) => (
          <button type="button" key={label} aria-pressed={stars === i + 1} aria-label={`${i + 1} – ${label}`} title={label} onClick={() => setStars(i + 1)}>
            {i + 1}
          </button>
        ))}
      </div>
      {stars ? (
        <>
          <label class="sb-sr" for="sb-csat-c">
            {t.csatComment}
          </label>
          <textarea id="sb-csat-c" dir="auto" rows={2} maxLength={1000} placeholder={t.csatComment} value={comment} onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
          <button type="submit" class="sb-send">
            {t.csatSend}
          </button>
        </>
      ) : null}
    </form>
  );
}

/** This browser's earlier conversations, newest first: one tap goes back to one. */
export function History({ chat, state, t, locale }: { chat: ChatClient; state: ChatState; t: Strings; locale: string }) {
  const past = state.past.filter((p) => p.text).slice(0, 5);
  if (!past.length) return null;
  const when = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
  return (
    <section class="sb-history" aria-label={t.history}>
      <h3>{t.history}</h3>
      {past.map((p) => (
        <button type="button" key={p.conversationId} onClick={() => chat.resume(p.conversationId)}>
          <span dir="auto">{p.text}</span>
          <time dateTime={p.at}>{when.format(new Date(p.at))}</time>
        </button>
      ))}
    </section>
  );
}

/** Shown when nobody can answer now (outside hours, or no one claimed in time), or before the first message. */
export function LeadForm({ chat, t, withName, email: known }: { chat: ChatClient; t: Strings; withName: boolean; email?: string }) {
  const [email, setEmail] = useState(known ?? "");
  const [name, setName] = useState("");
  const [problem, setProblem] = useState(false);
  return (
    <form
      class="sb-lead"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) return setProblem(true);
        void chat.leaveEmail(email.trim(), name.trim() || undefined).then((ok) => setProblem(!ok));
      }}
    >
      <p>{withName ? t.preChatPrompt : t.leadPrompt}</p>
      {withName ? (
        <>
          <label class="sb-sr" for="sb-lead-name">
            {t.name}
          </label>
          <input id="sb-lead-name" type="text" dir="auto" autocomplete="name" placeholder={t.name} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </>
      ) : null}
      <label class="sb-sr" for="sb-lead-email">
        {t.email}
      </label>
      <input id="sb-lead-email" type="email" dir="ltr" autocomplete="email" placeholder={t.email} value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
      <button type="submit" class="sb-send">
        {t.leadSend}
      </button>
      {problem ? <p role="alert">{t.leadInvalid}</p> : null}
    </form>
  );
}
