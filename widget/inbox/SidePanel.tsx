/**
 * Beside the transcript (or over it on a phone): the visitor — who they are and whether the
 * site vouched for it, where they came from, the conversation's labels, their past
 * conversations — and the agents' trace. A panel of its own, so neither squeezes the
 * transcript.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { ConversationDetail, ConversationSummary } from "../../shared/staff";
import type { TraceNode } from "../../shared/trace";
import { safeHref } from "../app/markdown";
import { ApiFailure, get, put } from "./api";
import { plain } from "./ConversationList";
import type { Directory } from "./directory";
import { IDENTITY_HELP, IDENTITY_TEXT, identityKind, visitorLabel } from "./visitor";

export type SideTab = "visitor" | "trace";

interface Props {
  conversation: ConversationDetail["conversation"];
  trace: TraceNode[];
  tab: SideTab;
  onTab(t: SideTab): void;
  onClose(): void;
  dir: Directory;
  onSelect(id: string): void;
}

const MATCHED: Record<string, string> = {
  user: "by their verified account",
  email: "by the same email",
  visitor: "from the same browser",
};

export function SidePanel({ conversation: c, trace, tab, onTab, onClose, dir, onSelect }: Props) {
  const tabButton = (t: SideTab, label: string) => (
    <button type="button" role="tab" id={`ib-tab-${t}`} aria-selected={tab === t} aria-controls={`ib-panel-${t}`} onClick={() => onTab(t)}>
      {label}
    </button>
  );
  return (
    <aside class="ib-side" aria-label="Details">
      <div class="ib-side-head">
        <div role="tablist" aria-label="Details" class="ib-side-tabs">
          {tabButton("visitor", "Visitor")}
          {tabButton("trace", `Trace (${count(trace)})`)}
        </div>
        <button type="button" class="ib-link" onClick={onClose} aria-label="Close details">
          ✕
        </button>
      </div>
      <div role="tabpanel" id={`ib-panel-${tab}`} aria-labelledby={`ib-tab-${tab}`} class="ib-side-body">
        {tab === "visitor" ? <Visitor c={c} dir={dir} onSelect={onSelect} /> : <Tree nodes={trace} />}
      </div>
    </aside>
  );
}

function Visitor({ c, dir, onSelect }: { c: ConversationDetail["conversation"]; dir: Directory; onSelect(id: string): void }) {
  const kind = identityKind(c);
  const [history, setHistory] = useState<{ matchedBy: string | null; conversations: ConversationSummary[] } | null>(null);
  const [labels, setLabels] = useState(c.labels);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    get<{ matchedBy: string | null; conversations: ConversationSummary[] }>(`/api/staff/conversations/${c.id}/history`).then(setHistory, () => setHistory({ matchedBy: null, conversations: [] }));
  }, [c.id]);
  useEffect(() => setLabels(c.labels), [c.labels.join("\n")]);
  const toggle = (name: string) => {
    const next = labels.includes(name) ? labels.filter((l) => l !== name) : [...labels, name];
    setLabels(next);
    put<{ labels: string[] }>(`/api/staff/conversations/${c.id}/labels`, { labels: next }).then(
      (r) => {
        setLabels(r.labels);
        setProblem(null);
      },
      (e: ApiFailure) => {
        setLabels(labels);
        setProblem(e.message);
      },
    );
  };
  const site = dir.sites.find((s) => s.key === c.siteKey)?.name ?? c.siteKey;
  const row = (term: string, value: ComponentChildren) =>
    value ? (
      <>
        <dt>{term}</dt>
        <dd>{value}</dd>
      </>
    ) : null;
  return (
    <div class="ib-visitor">
      <h3>
        {visitorLabel(c)} <span class={`ib-id ib-id-${kind}`}>{IDENTITY_TEXT[kind]}</span>
      </h3>
      <p class="ib-id-help">{IDENTITY_HELP[kind]}</p>
      <dl>
        {row("Email", c.visitorEmail)}
        {row("User id", c.userId)}
        {row("Site", site)}
        {row("Started", new Date(c.createdAt).toLocaleString())}
        {c.pages.length
          ? row(
              c.pages.length > 1 ? "Pages" : "Page",
              <ul class="ib-pages">
                {c.pages.map((p) => {
                  const href = safeHref(p.url, location.origin);
                  return <li key={p.at + p.url}>{href ? <a href={href} target="_blank" rel="noopener noreferrer">{p.url}</a> : p.url}</li>;
                })}
              </ul>,
            )
          : null}
      </dl>
      <h4>Labels</h4>
      {dir.labels.length ? (
        <div class="ib-labels" role="group" aria-label="Labels">
          {dir.labels.map((l) => (
            <button type="button" key={l.name} class={`ib-label ib-label-${l.color}`} aria-pressed={labels.includes(l.name)} onClick={() => toggle(l.name)}>
              {l.name}
            </button>
          ))}
        </div>
      ) : (
        <p class="ib-muted">No labels yet: an owner or admin adds them.</p>
      )}
      {problem ? (
        <p class="ib-error" role="alert">
          {problem}
        </p>
      ) : null}
      <h4>Past conversations</h4>
      {history?.matchedBy && history.conversations.length ? (
        <p class="ib-matched">
          Found {MATCHED[history.matchedBy]}
          {kind === "unverified" && history.matchedBy === "email" ? ", which the site did not verify" : ""}.
        </p>
      ) : null}
      {!history ? (
        <p class="ib-muted">Loading…</p>
      ) : history.conversations.length ? (
        <ul class="ib-history">
          {history.conversations.map((h) => (
            <li key={h.id}>
              <button type="button" class="ib-history-row" onClick={() => onSelect(h.id)}>
                <span class="ib-history-top">
                  <span>{new Date(h.updatedAt).toLocaleDateString()}</span>
                  <span class={`ib-status ib-${h.status}`}>{h.status}</span>
                </span>
                <span class="ib-last">{plain(h.summary ?? h.lastMessage ?? "")}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p class="ib-muted">{history.matchedBy ? "None before this one." : "Anonymous and no browser id: no way to find others."}</p>
      )}
    </div>
  );
}

const count = (nodes: TraceNode[]): number => nodes.reduce((n, x) => n + 1 + count(x.children), 0);

function Tree({ nodes }: { nodes: TraceNode[] }): ComponentChildren {
  if (!nodes.length) return <p class="ib-muted">No agent ran in this conversation yet.</p>;
  return <TreeLevel nodes={nodes} />;
}

function TreeLevel({ nodes }: { nodes: TraceNode[] }): ComponentChildren {
  if (!nodes.length) return null;
  return (
    <ul class="ib-trace">
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
          <TreeLevel nodes={n.children} />
        </li>
      ))}
    </ul>
  );
}
