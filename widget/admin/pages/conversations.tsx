/**
 * Conversations: filtered by site, status and date; one conversation's transcript, internal
 * notes and execution log. (Filters by agent and by feedback need the per-turn facts and come
 * with the insights pages.)
 */
import { useState } from "preact/hooks";
import { markdown } from "../../app/markdown";
import { conversationTrace, getConversation, listConversations, listSites } from "../endpoints";
import type { PageProps } from "../routes";
import { Link, setQuery } from "../router";
import { TraceView } from "../trace";
import {
  Await,
  Button,
  Empty,
  PageHeader,
  Section,
  SelectField,
  TableWrap,
  TextField,
  useLoad,
  when,
} from "../ui";

const STATUSES = [
  { value: "", label: "Any status" },
  { value: "bot", label: "With the bot" },
  { value: "waiting", label: "Waiting for a person" },
  { value: "human", label: "With a person" },
  { value: "resolved", label: "Resolved" },
];

/** A date input's day as the start (or, with `end`, the end) of that day in the browser's time zone, in ISO. */
const dayBound = (day: string, end = false) => (day ? new Date(`${day}T00:00:00`).getTime() + (end ? 86_400_000 : 0) : null);

export function ConversationsPage({ org, query }: PageProps) {
  const site = query.get("site") ?? "";
  const status = query.get("status") ?? "";
  const from = query.get("from") ?? "";
  const to = query.get("to") ?? "";
  const [limit, setLimit] = useState(50);
  const sites = useLoad(() => listSites(org), [org]);
  const list = useLoad(() => {
    const after = dayBound(from);
    const before = dayBound(to, true);
    return listConversations(org, {
      site,
      status,
      limit,
      ...(after !== null ? { after: new Date(after).toISOString() } : {}),
      ...(before !== null ? { before: new Date(before).toISOString() } : {}),
    });
  }, [org, site, status, from, to, limit]);
  return (
    <>
      <PageHeader title="Conversations" subtitle="Everything visitors said, newest first." />
      <form class="ad-filters" aria-label="Filter conversations" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Site" value={site} onValue={(v) => setQuery({ site: v })} options={[{ value: "", label: "All sites" }, ...(sites.data?.sites ?? []).map((s) => ({ value: s.key, label: s.name }))]} />
        <SelectField label="Status" value={status} onValue={(v) => setQuery({ status: v })} options={STATUSES} />
        <TextField label="From" type="date" value={from} onValue={(v) => setQuery({ from: v })} />
        <TextField label="To" type="date" value={to} onValue={(v) => setQuery({ to: v })} />
      </form>
      <Await load={list}>
        {({ conversations }) =>
          conversations.length === 0 ? (
            <Empty title={site || status || from || to ? "No conversation matches these filters" : "No conversation yet"}>
              <p>{site || status || from || to ? "Widen the filters." : "Put the widget on your site, or try the playground: conversations show up here."}</p>
            </Empty>
          ) : (
            <>
              <TableWrap label="Conversations">
              <table class="ad-table">
                <caption class="ad-offscreen">Conversations</caption>
                <thead>
                  <tr>
                    <th scope="col">Visitor</th>
                    <th scope="col">Last message</th>
                    <th scope="col">Status</th>
                    <th scope="col">Site</th>
                    <th scope="col">Started</th>
                  </tr>
                </thead>
                <tbody>
                  {conversations.map((c) => (
                    <tr key={c.id}>
                      <td>
                        <Link href={`/admin/orgs/${org}/conversations/${c.id}`}>{c.visitorName ?? c.visitorEmail ?? "Anonymous visitor"}</Link>
                        {c.identityVerified ? <span class="ad-badge">verified</span> : null}
                      </td>
                      <td class="ad-ellipsis">{c.lastMessage ?? "—"}</td>
                      <td>
                        <span class={`ad-badge ad-s-${c.status}`}>{c.status}</span>
                      </td>
                      <td>{c.siteKey}</td>
                      <td>{when(c.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              </TableWrap>
              {conversations.length >= limit ? (
                <Button busy={list.loading} onClick={() => setLimit(limit + 50)}>
                  Show more
                </Button>
              ) : null}
            </>
          )
        }
      </Await>
    </>
  );
}

export function ConversationPage({ org, params }: PageProps) {
  const id = params.id as string;
  const load = useLoad(() => Promise.all([getConversation(org, id), conversationTrace(id)]), [org, id]);
  return (
    <Await load={load}>
      {([detail, trace]) => {
        const c = detail.conversation;
        return (
          <>
            <PageHeader
              title={c.visitorName ?? c.visitorEmail ?? "Anonymous visitor"}
              subtitle={
                <>
                  {c.siteKey} · <span class={`ad-badge ad-s-${c.status}`}>{c.status}</span> · {c.identityVerified ? "verified identity" : "unverified"} · {c.pageUrl ?? "no page"} · updated {when(c.updatedAt)}
                </>
              }
            >
              <Link class="ad-btn" href={`/admin/orgs/${org}/conversations`}>
                All conversations
              </Link>
            </PageHeader>
            {c.summary ? (
              <p class="ad-banner" role="note">
                Handoff summary: {c.summary}
              </p>
            ) : null}
            <div class="ad-split">
              <Section title="Transcript">
                <div class="ad-chat-log ad-static">
                  {detail.messages.map((m) => (
                    <div key={m.id} class={`ad-msg ad-msg-${m.role}`} data-role={m.role}>
                      <span class="ad-msg-author">
                        {m.role === "user" ? "Visitor" : (m.author ?? m.role)} · {when(m.createdAt)}
                      </span>
                      <div class="ad-msg-text">{m.role === "user" ? <p>{m.text}</p> : markdown(m.text, location.origin)}</div>
                      {m.sources?.length ? <p class="ad-msg-sources">Sources: {m.sources.map((s) => s.title).join(", ")}</p> : null}
                    </div>
                  ))}
                  {detail.notes.map((n) => (
                    <div key={n.id} class="ad-msg ad-msg-note">
                      <span class="ad-msg-author">
                        Note by {n.author} · {when(n.createdAt)}
                      </span>
                      <div class="ad-msg-text">{markdown(n.text, location.origin)}</div>
                    </div>
                  ))}
                </div>
              </Section>
              <aside class="ad-split-side" aria-label="Trace">
                <Section title="Trace">
                  <TraceView roots={trace.roots} />
                </Section>
              </aside>
            </div>
          </>
        );
      }}
    </Await>
  );
}
