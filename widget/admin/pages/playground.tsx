/**
 * The playground: chat with a site's agents as they are in their drafts, before anything is
 * published, with the execution log beside the chat (read again after every turn).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { TraceNode } from "../../../shared/trace";
import { markdown } from "../../app/markdown";
import { conversationTrace, listAgentDrafts, listSites, startPlayground } from "../endpoints";
import type { PageProps } from "../routes";
import { Link, setQuery } from "../router";
import { sendAsVisitor } from "../sse";
import { TraceView } from "../trace";
import { Await, Button, Empty, ErrorNote, PageHeader, SelectField, useAction, useLoad } from "../ui";

interface Line {
  id: string;
  role: string;
  text: string;
  author?: string;
  sources?: { title: string; url?: string }[];
  streaming?: boolean;
}

export function PlaygroundPage({ org, query }: PageProps) {
  const load = useLoad(() => Promise.all([listSites(org), listAgentDrafts(org)]), [org]);
  return (
    <>
      <PageHeader title="Playground" subtitle="Chat with your agents' drafts before visitors meet them. Nothing here changes what visitors get." />
      <Await load={load}>
        {([{ sites }, { drafts }]) => {
          if (!sites.length) {
            return (
              <Empty title="No site to try yet">
                <p>The playground talks to a site's entry agent. Create a site first.</p>
                <Link class="ad-btn ad-primary" href={`/admin/orgs/${org}/sites/new`}>
                  Create a site
                </Link>
              </Empty>
            );
          }
          const key = sites.some((s) => s.key === query.get("site")) ? (query.get("site") as string) : (sites[0]?.key as string);
          const site = sites.find((s) => s.key === key);
          return (
            <>
              <div class="ad-row ad-end">
                <SelectField label="Site" value={key} onValue={(v) => setQuery({ site: v })} options={sites.map((s) => ({ value: s.key, label: `${s.name} (${s.key})` }))} />
                <p class="ad-hint">
                  Answered by <Link href={`/admin/orgs/${org}/agents/${site?.entryAgent}`}>{site?.entryAgent}</Link>.{" "}
                  {drafts.length ? `Running the drafts of ${drafts.map((d) => d.config.id).join(", ")}.` : "No agent has a draft: this is what visitors get."}
                </p>
              </div>
              <Chat key={key} org={org} siteKey={key} />
            </>
          );
        }}
      </Await>
    </>
  );
}

function Chat({ org, siteKey }: { org: string; siteKey: string }) {
  const [conv, setConv] = useState<{ conversationId: string; token: string } | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const [text, setText] = useState("");
  const [trace, setTrace] = useState<TraceNode[]>([]);
  const [activity, setActivity] = useState("");
  const start = useAction();
  const send = useAction();
  const traceLoad = useAction();
  const log = useRef<HTMLDivElement>(null);
  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [lines]);

  const begin = async () => {
    setLines([]);
    setTrace([]);
    let started: { conversationId: string; token: string } | null = null;
    if (await start.run(async () => void (started = await startPlayground(org, siteKey)))) setConv(started);
    return started as { conversationId: string; token: string } | null;
  };

  const submit = async () => {
    const message = text.trim();
    if (!message || send.busy) return;
    const c = conv ?? (await begin());
    if (!c) return;
    setText("");
    await send.run(async () => {
      await sendAsVisitor(c.conversationId, c.token, message, (e) => {
        if (e.type === "message") {
          const m = e.data;
          setLines((ls) => [...ls.filter((l) => l.id !== m.id), { id: m.id, role: m.role, text: m.text, ...(m.author ? { author: m.author } : {}), ...(m.sources ? { sources: m.sources } : {}) }]);
          if (m.role !== "user") setActivity("");
        } else if (e.type === "delta") {
          const d = e.data;
          setLines((ls) => {
            const cur = ls.find((l) => l.id === d.messageId);
            const base = cur?.text ?? "";
            const next = base.slice(0, d.offset) + d.text;
            return cur ? ls.map((l) => (l.id === d.messageId ? { ...l, text: next } : l)) : [...ls, { id: d.messageId, role: "assistant", text: next, streaming: true, ...(d.author ? { author: d.author } : {}) }];
          });
        } else if (e.type === "activity") {
          const a = e.data;
          setActivity(a.kind === "delegation.start" ? `${a.agentId} is asking ${a.targetName ?? a.target}…` : "");
        } else if (e.type === "error") {
          setLines((ls) => [...ls, { id: `err-${ls.length}`, role: "system", text: e.data.message }]);
        } else if (e.type === "done") {
          setActivity("");
        }
      });
    });
    // The trace is whole when `done` arrives: read it.
    await traceLoad.run(async () => setTrace((await conversationTrace(c.conversationId)).roots));
  };

  return (
    <div class="ad-split">
      <section class="ad-split-main ad-chat" aria-labelledby="pg-chat-h">
        <div class="ad-chat-head">
          <h2 id="pg-chat-h">Chat</h2>
          <Button small busy={start.busy} onClick={() => void begin()}>
            New conversation
          </Button>
        </div>
        <div class="ad-chat-log" ref={log} role="log" aria-live="polite" aria-label="Playground conversation">
          {lines.length === 0 ? <p class="ad-hint">Ask what a visitor would ask.</p> : null}
          {lines.map((l) => (
            <div key={l.id} class={`ad-msg ad-msg-${l.role}`} data-role={l.role}>
              {l.author && l.role !== "user" ? <span class="ad-msg-author">{l.author}</span> : null}
              <div class="ad-msg-text">{l.role === "user" ? <p>{l.text}</p> : markdown(l.text, location.origin)}</div>
              {l.sources?.length ? (
                <p class="ad-msg-sources">
                  Sources:{" "}
                  {l.sources.map((s, i) => (
                    <span key={i}>
                      {i ? ", " : ""}
                      {s.url ? (
                        <a href={s.url} target="_blank" rel="noopener noreferrer">
                          {s.title}
                        </a>
                      ) : (
                        s.title
                      )}
                    </span>
                  ))}
                </p>
              ) : null}
            </div>
          ))}
          {activity ? <p class="ad-hint">{activity}</p> : null}
        </div>
        <ErrorNote error={start.error ?? send.error} />
        <form
          class="ad-chat-form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <label for="pg-input" class="ad-offscreen">
            Message
          </label>
          <textarea
            id="pg-input"
            rows={2}
            placeholder="Type a message… (Enter sends, Shift+Enter for a new line)"
            value={text}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault();
                void submit();
              }
            }}
          />
          <Button type="submit" kind="primary" busy={send.busy} busyLabel="Answering…">
            Send
          </Button>
        </form>
      </section>
      <aside class="ad-split-side" aria-labelledby="pg-trace-h">
        <h2 id="pg-trace-h">Trace</h2>
        {traceLoad.busy ? <p class="ad-loading" role="status">Reading the trace…</p> : null}
        <ErrorNote error={traceLoad.error} />
        <TraceView roots={trace} />
      </aside>
    </div>
  );
}
