/**
 * Files in the inbox: previews of what the visitor sent (images shown, PDFs as links, both
 * through short-lived links the staff API signs) and the attach button that sends staff's
 * own files. Kept apart from the conversation view; it brings its own few styles (a
 * constructable stylesheet: the page's CSP allows no inline style).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES } from "../../shared/attachments";
import type { Attachment } from "../../shared/protocol";
import { get, type Me } from "./api";

const sheet = new CSSStyleSheet();
sheet.replaceSync(`
.ib-files{display:flex;flex-wrap:wrap;gap:8px;margin-top:6px}
.ib-file{display:inline-flex;align-items:center;gap:6px;color:#3730a3;font-size:14px}
.ib-file img{display:block;max-width:260px;max-height:200px;border-radius:8px;border:1px solid #e5e7eb}
.ib-attach{align-self:flex-start;border:1px solid #d1d5db;background:#fff;border-radius:8px;padding:6px 12px}
`);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

type Link = { url: string; expiresAt: string };
const links = new Map<string, Promise<Link | null>>();

/** A signed link to a file, asked once and again when it is about to expire. */
function link(conversationId: string, id: string): Promise<Link | null> {
  const cached = links.get(id);
  const next = (cached ?? Promise.resolve(null)).then((l) =>
    l && Date.parse(l.expiresAt) - Date.now() > 30_000 ? l : get<Link>(`/api/staff/conversations/${conversationId}/attachments/${id}`).catch(() => null),
  );
  links.set(id, next);
  return next;
}

export function MessageFiles({ conversationId, files }: { conversationId: string; files: Attachment[] }) {
  return (
    <div class="ib-files">
      {files.map((a) => (
        <File key={a.id} conversationId={conversationId} a={a} />
      ))}
    </div>
  );
}

function File({ conversationId, a }: { conversationId: string; a: Attachment }) {
  const [url, setUrl] = useState<Link | null>(null);
  useEffect(() => void link(conversationId, a.id).then(setUrl), [a.id]);
  const image = a.type.startsWith("image/");
  return (
    <a
      class="ib-file"
      href={url?.url}
      target="_blank"
      rel="noopener noreferrer"
      onClick={(e) => {
        if (url && Date.parse(url.expiresAt) > Date.now()) return;
        e.preventDefault();
        void link(conversationId, a.id).then((fresh) => fresh && (setUrl(fresh), open(fresh.url, "_blank", "noopener")));
      }}
    >
      {image && url ? <img src={url.url} alt={a.name} /> : `📄 ${a.name} (${Math.ceil(a.size / 1024)} KB)`}
    </a>
  );
}

/** Sends a file to the visitor (like a reply, it claims an unclaimed conversation). */
export function AttachButton({ conversationId, onError }: { conversationId: string; onError(message: string | null): void }) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const send = async (file: File) => {
    if (!(ATTACHMENT_TYPES as readonly string[]).includes(file.type) || file.size > MAX_ATTACHMENT_BYTES) {
      return onError("Only images and PDF files up to 10 MB can be attached.");
    }
    setBusy(true);
    try {
      const { csrfToken } = await get<Me>("/api/staff/me");
      const form = new FormData();
      form.append("file", file);
      const res = await fetch(`/api/staff/conversations/${conversationId}/attachments`, { method: "POST", credentials: "same-origin", headers: { "x-csrf-token": csrfToken }, body: form });
      const body = (await res.json().catch(() => ({}))) as { error?: { message: string } };
      onError(res.ok ? null : (body.error?.message ?? `HTTP ${res.status}`));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <input
        ref={input}
        type="file"
        hidden
        accept={ATTACHMENT_TYPES.join(",")}
        onChange={(e) => {
          const el = e.target as HTMLInputElement;
          const file = el.files?.[0];
          el.value = "";
          if (file) void send(file);
        }}
      />
      <button type="button" class="ib-attach" disabled={busy} onClick={() => input.current?.click()}>
        Attach a file
      </button>
    </>
  );
}
