/**
 * Home: the first-run checklist (site → knowledge → agent → embed → first conversation),
 * each step read from the API, each pointing at the page that does it.
 */
import { useState } from "preact/hooks";
import type { PageProps } from "../routes";
import { createOrg, listAgents, listCollections, listConversations, listSites } from "../endpoints";
import { Link, navigate } from "../router";
import { useSession } from "../session";
import { Await, Button, ErrorNote, PageHeader, TextField, useAction, useLoad } from "../ui";

interface Step {
  id: string;
  title: string;
  done: boolean;
  detail: string;
  href: string;
  action: string;
}

async function steps(org: string): Promise<Step[]> {
  const [sites, collections, agents, conversations] = await Promise.all([
    listSites(org),
    listCollections(org),
    listAgents(org),
    listConversations(org, { limit: 1 }),
  ]);
  const site = sites.sites[0];
  const withDocs = collections.collections.filter((c) => c.documents > 0);
  const reading = agents.agents.filter((a) => a.knowledge.some((k) => withDocs.some((c) => c.id === k)));
  const embedded = sites.sites.find((s) => s.allowedOrigins.length > 0);
  const base = `/admin/orgs/${org}`;
  return [
    {
      id: "site",
      title: "Create a site",
      done: sites.sites.length > 0,
      detail: site ? `${sites.sites.length} site${sites.sites.length === 1 ? "" : "s"}: ${sites.sites.map((s) => s.name).join(", ")}` : "A site is one place your assistant lives: its look, its hours, its agents.",
      href: site ? `${base}/sites/${site.key}` : `${base}/sites/new`,
      action: site ? "Open" : "Create a site",
    },
    {
      id: "knowledge",
      title: "Add knowledge",
      done: withDocs.length > 0,
      detail: withDocs.length ? `${withDocs.reduce((n, c) => n + c.documents, 0)} documents in ${withDocs.map((c) => c.name).join(", ")}` : "Upload your help articles, FAQs or pages: answers cite them.",
      href: withDocs[0] ? `${base}/knowledge/${withDocs[0].id}` : `${base}/knowledge`,
      action: withDocs.length ? "Open" : "Add knowledge",
    },
    {
      id: "agent",
      title: "Give an agent your knowledge",
      done: reading.length > 0,
      detail: reading.length ? `${reading.map((a) => a.name).join(", ")} answer${reading.length === 1 ? "s" : ""} from it` : "Tick a collection in an agent's Knowledge, then try it in the playground.",
      href: reading[0] ? `${base}/agents/${reading[0].id}` : `${base}/agents`,
      action: reading.length ? "Open" : "Set up an agent",
    },
    {
      id: "embed",
      title: "Put it on your site",
      done: !!embedded,
      detail: embedded ? `${embedded.name} allows ${embedded.allowedOrigins.join(", ")}` : "Allow your site's origin and paste one script tag into its pages.",
      href: `${base}/sites/${(embedded ?? site)?.key ?? "new"}${embedded || site ? "?tab=embed" : ""}`,
      action: embedded ? "Open" : "Get the snippet",
    },
    {
      id: "conversation",
      title: "Your first conversation",
      done: conversations.conversations.length > 0,
      detail: conversations.conversations.length ? "Visitors are talking to your assistant." : "Chat on your site (or in the playground) and it shows up here.",
      href: `${base}/conversations`,
      action: "Open conversations",
    },
  ];
}

export function HomePage({ org }: PageProps) {
  const load = useLoad(() => steps(org), [org]);
  return (
    <>
      <PageHeader title="Home" subtitle="Set up an assistant on your site, step by step." />
      <Await load={load} label="Reading your setup…">
        {(list) => {
          const left = list.filter((s) => !s.done).length;
          return (
            <section class="ad-section" aria-labelledby="checklist-h">
              <h2 id="checklist-h">{left ? `Getting started: ${list.length - left} of ${list.length} done` : "All set: your assistant is live"}</h2>
              <ol class="ad-checklist">
                {list.map((s) => (
                  <li key={s.id} class={s.done ? "ad-step ad-done" : "ad-step"} data-step={s.id}>
                    <span class="ad-step-mark" aria-hidden="true">
                      {s.done ? "✓" : ""}
                    </span>
                    <div class="ad-step-text">
                      <p class="ad-step-title">
                        {s.title} <span class="ad-offscreen">{s.done ? "(done)" : "(to do)"}</span>
                      </p>
                      <p class="ad-sub">{s.detail}</p>
                    </div>
                    <Link class={s.done ? "ad-btn ad-small" : "ad-btn ad-primary ad-small"} href={s.href}>
                      {s.action}
                    </Link>
                  </li>
                ))}
              </ol>
            </section>
          );
        }}
      </Await>
    </>
  );
}

/** A platform operator with no org yet: make one. */
export function createOrgFirst() {
  return <CreateOrg />;
}

function CreateOrg() {
  const session = useSession();
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const action = useAction();
  return (
    <>
      <PageHeader title="Create an org" subtitle="These credentials see no org yet." />
      <form
        class="ad-form ad-narrow"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await action.run(() => createOrg(id, name))) {
            await session.refresh();
            navigate(`/admin/orgs/${id}`);
          }
        }}
      >
        <TextField label="Org id" hint="Lowercase letters, digits, - and _." required value={id} onValue={setId} error={action.error?.fields.id} />
        <TextField label="Name" required value={name} onValue={setName} error={action.error?.fields.name} />
        {action.error && !Object.keys(action.error.fields).length ? <ErrorNote error={action.error} /> : null}
        <Button type="submit" kind="primary" busy={action.busy}>
          Create org
        </Button>
      </form>
    </>
  );
}
