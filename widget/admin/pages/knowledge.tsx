/**
 * Knowledge: collections, and the org's optional embedding index; a collection's documents
 * (with when each was last fetched and what changed), its URL-based sources and recent
 * ingestion jobs, live; which agents read it; a search that retrieves exactly what the
 * agents' search_knowledge would; a document's chunks, re-fetching a page, deleting.
 * Adding: knowledge-add.tsx (files, a page, text) and knowledge-sources.tsx (sitemaps,
 * crawls); jobs: knowledge-jobs.tsx; embeddings: knowledge-embeddings.tsx.
 */
import { useState } from "preact/hooks";
import type { AgentOut } from "../../../shared/admin";
import type { KnowledgeDocument } from "../../../shared/knowledge";
import {
  createCollection,
  deleteCollection,
  deleteDocument,
  documentChunks,
  ingestDocument,
  listAgents,
  listCollections,
  listDocuments,
  listSources,
  refreshSource,
  searchCollection,
} from "../endpoints";
import type { PageProps } from "../routes";
import { Link, navigate } from "../router";
import {
  Await,
  Button,
  DangerButton,
  Empty,
  ErrorNote,
  notify,
  PageHeader,
  plural,
  Section,
  TableWrap,
  TabPanel,
  Tabs,
  TextField,
  useAction,
  useLoad,
  when,
} from "../ui";
import { AddFiles, AddText, AddUrl } from "./knowledge-add";
import { EmbeddingsSection } from "./knowledge-embeddings";
import { changeWords, followJob, JobsSection, useJobs } from "./knowledge-jobs";
import { AddSource, SourcesSection } from "./knowledge-sources";

const kb = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`);

function readers(agents: AgentOut[], collection: string) {
  return agents.filter((a) => a.knowledge.includes(collection));
}

// ---- collections --------------------------------------------------------------------------

export function KnowledgePage({ org }: PageProps) {
  const load = useLoad(() => Promise.all([listCollections(org), listAgents(org)]), [org]);
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const create = useAction();
  return (
    <>
      <PageHeader title="Knowledge" subtitle="What your agents answer from: help articles, FAQs, pages, documents. Answers cite them." />
      <Await load={load}>
        {([{ collections }, { agents }]) => (
          <>
            {collections.length === 0 ? (
              <Empty title="No knowledge yet">
                <p>Create a collection (say, “help”), then drop your help articles into it. Tick it in an agent's Knowledge so the agent reads it.</p>
              </Empty>
            ) : (
              <ul class="ad-cards">
                {collections.map((c) => {
                  const by = readers(agents, c.id);
                  return (
                    <li key={c.id} class="ad-card">
                      <div class="ad-card-body">
                        <h2 class="ad-card-title">
                          <Link href={`/admin/orgs/${org}/knowledge/${c.id}`}>{c.name}</Link>
                        </h2>
                        <p class="ad-sub">
                          <code>{c.id}</code> · {plural(c.documents, "document")} · {by.length ? `read by ${by.map((a) => a.name).join(", ")}` : "no agent reads it yet"}
                        </p>
                      </div>
                    </li>
                  );
                })}
              </ul>
            )}
            <Section title="New collection">
              <form
                class="ad-row ad-end"
                onSubmit={async (e) => {
                  e.preventDefault();
                  const cid = id || name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
                  if (await create.run(() => createCollection(org, cid, name || undefined))) {
                    notify("Collection created");
                    navigate(`/admin/orgs/${org}/knowledge/${cid}`);
                  }
                }}
              >
                <TextField label="Collection name" required value={name} onValue={setName} error={create.error?.fields.name} />
                <TextField label="Collection id" placeholder={name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "help"} value={id} onValue={setId} error={create.error?.fields.id} />
                <Button type="submit" kind="primary" busy={create.busy}>
                  Create collection
                </Button>
              </form>
              {create.error && !Object.keys(create.error.fields).length ? <ErrorNote error={create.error} /> : null}
            </Section>
            <EmbeddingsSection org={org} />
          </>
        )}
      </Await>
    </>
  );
}

// ---- one collection -----------------------------------------------------------------------

type AddTab = "file" | "url" | "sitemap" | "crawl" | "video" | "text";

/** When it was last fetched and, once a refresh changed it, when and how ("1 passage added, 1 passage removed"); or how it came when it is not fetched. */
function Freshness({ doc }: { doc: Pick<KnowledgeDocument, "fetchedAt" | "changedAt" | "changeSummary"> & { format?: string | null } }) {
  if (!doc.fetchedAt) return <span class="ad-sub">{doc.format ? `uploaded (${doc.format})` : "uploaded"}</span>;
  return (
    <>
      <span data-fetched>{when(doc.fetchedAt)}</span>
      {/* The first fetch "changes" nothing worth saying: a later one that changed the text says how. */}
      {doc.changedAt && doc.changeSummary ? (
        <span class="ad-sub ad-block" data-changed>
          changed {when(doc.changedAt)}: {doc.changeSummary}
        </span>
      ) : null}
    </>
  );
}

export function CollectionPage({ org, params }: PageProps) {
  const collection = params.collection as string;
  const load = useLoad(() => Promise.all([listDocuments(org, collection), listAgents(org), listCollections(org)]), [org, collection]);
  const sources = useLoad(() => listSources(org, collection), [org, collection]);
  // A job that ends changes documents and sources: both are read again.
  const jobs = useJobs(org, collection, () => {
    void load.reload();
    void sources.reload();
  });
  const [tab, setTab] = useState<AddTab>("file");
  const remove = useAction();
  const reloadAll = () => {
    void load.reload();
    void sources.reload();
  };
  return (
    <Await load={load}>
      {([{ documents }, { agents }, { collections }]) => {
        const info = collections.find((c) => c.id === collection);
        if (!info) {
          return (
            <>
              <PageHeader title="No such collection" />
              <p>
                <Link href={`/admin/orgs/${org}/knowledge`}>Back to knowledge</Link>
              </p>
            </>
          );
        }
        const by = readers(agents, collection);
        return (
          <>
            <PageHeader title={info.name} subtitle={<>Collection <code>{collection}</code> · {plural(documents.length, "document")}</>} />
            <p class={by.length ? "ad-hint" : "ad-banner"} role="note">
              {by.length ? (
                <>
                  Read by{" "}
                  {by.map((a, i) => (
                    <span key={a.id}>
                      {i ? ", " : ""}
                      <Link href={`/admin/orgs/${org}/agents/${a.id}`}>{a.name}</Link>
                    </span>
                  ))}
                  .
                </>
              ) : (
                <>
                  No agent reads this collection yet: tick it under Knowledge on an <Link href={`/admin/orgs/${org}/agents`}>agent</Link>.
                </>
              )}
            </p>
            <Section title="Add knowledge">
              <Tabs
                label="Add knowledge from"
                tabs={[
                  { id: "file", label: "Files" },
                  { id: "url", label: "Web page" },
                  { id: "sitemap", label: "Sitemap" },
                  { id: "crawl", label: "Crawl a site" },
                  { id: "video", label: "Video page" },
                  { id: "text", label: "Paste text" },
                ]}
                value={tab}
                onValue={setTab}
              />
              <TabPanel id={tab}>
                {tab === "file" ? <AddFiles org={org} collection={collection} jobs={jobs} done={() => void load.reload()} /> : null}
                {tab === "url" ? <AddUrl org={org} collection={collection} done={reloadAll} /> : null}
                {tab === "sitemap" || tab === "crawl" || tab === "video" ? <AddSource key={tab} org={org} collection={collection} kind={tab} jobs={jobs} added={() => void sources.reload()} /> : null}
                {tab === "text" ? <AddText org={org} collection={collection} done={() => void load.reload()} /> : null}
              </TabPanel>
            </Section>
            <Section title="Documents" id="documents">
              {documents.length === 0 ? (
                <Empty title="No document in this collection">
                  <p>Add your help articles above: drop files, give a page's address, a sitemap or a site section to crawl, or paste text.</p>
                </Empty>
              ) : (
                <TableWrap label="Documents">
                  <table class="ad-table" data-table="documents">
                    <caption class="ad-offscreen">Documents</caption>
                    <thead>
                      <tr>
                        <th scope="col">Title</th>
                        <th scope="col">Source</th>
                        <th scope="col">Chunks</th>
                        <th scope="col">Size</th>
                        <th scope="col">Added</th>
                        <th scope="col">Last fetched</th>
                      </tr>
                    </thead>
                    <tbody>
                      {documents.map((d) => (
                        <tr key={d.id} data-doc={d.id}>
                          <td>
                            <Link href={`/admin/orgs/${org}/knowledge/${collection}/${d.id}`}>{d.title}</Link>
                          </td>
                          <td class="ad-ellipsis" title={d.url ?? d.source}>
                            {d.url ?? d.source}
                          </td>
                          <td>{d.chunks}</td>
                          <td>{kb(d.bytes)}</td>
                          <td>{when(d.createdAt)}</td>
                          <td>
                            <Freshness doc={d} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableWrap>
              )}
            </Section>
            {sources.error && !sources.data ? (
              <ErrorNote error={sources.error} retry={() => void sources.reload()} />
            ) : (
              <SourcesSection org={org} collection={collection} info={info} sources={sources.data?.sources} jobs={jobs} changed={reloadAll} />
            )}
            <JobsSection jobs={jobs} />
            <SearchBox org={org} collection={collection} />
            <Section title="Delete this collection">
              <ErrorNote error={remove.error} />
              <DangerButton
                label={`delete the collection ${info.name}`}
                busy={remove.busy}
                onConfirm={async () => {
                  if (await remove.run(() => deleteCollection(org, collection))) {
                    notify("Collection deleted");
                    navigate(`/admin/orgs/${org}/knowledge`);
                  }
                }}
              >
                Delete collection and its documents
              </DangerButton>
            </Section>
          </>
        );
      }}
    </Await>
  );
}

/** What a question retrieves, exactly as the agents' search_knowledge gets it. */
function SearchBox({ org, collection }: { org: string; collection: string }) {
  const [q, setQ] = useState("");
  const search = useAction();
  const [results, setResults] = useState<{ query: string; results: { ref: string; title: string; url: string | null; text: string; score: number }[] } | null>(null);
  return (
    <Section title="Test a question" description="Searches this collection the way your agents do: what comes back is what they read.">
      <form
        class="ad-row ad-end"
        onSubmit={async (e) => {
          e.preventDefault();
          await search.run(async () => setResults(await searchCollection(org, collection, q)));
        }}
      >
        <TextField label="A visitor's question" required value={q} onValue={setQ} class="ad-grow" />
        <Button type="submit" busy={search.busy} busyLabel="Searching…">
          Search
        </Button>
      </form>
      <ErrorNote error={search.error} />
      {results ? (
        results.results.length === 0 ? (
          <p class="ad-hint" role="status">
            Nothing retrieved for “{results.query}”: the agents would find no passage. Add a document that answers it.
          </p>
        ) : (
          <ol class="ad-hits" aria-label={`Retrieved for “${results.query}”`}>
            {results.results.map((r) => (
              <li key={r.ref}>
                <p class="ad-hit-title">
                  <Link href={`/admin/orgs/${org}/knowledge/${collection}/${r.ref}`}>{r.title}</Link> <span class="ad-sub">match {(-r.score).toFixed(2)} (BM25; higher matches better)</span>
                </p>
                <p class="ad-hit-text">{r.text.length > 400 ? `${r.text.slice(0, 400)}…` : r.text}</p>
              </li>
            ))}
          </ol>
        )
      ) : null}
    </Section>
  );
}

// ---- one document -------------------------------------------------------------------------

export function DocumentPage({ org, params }: PageProps) {
  const collection = params.collection as string;
  const id = params.doc as string;
  const load = useLoad(() => Promise.all([documentChunks(org, collection, id), listAgents(org)]), [org, collection, id]);
  const refetch = useAction();
  const remove = useAction();
  return (
    <Await load={load}>
      {([{ document: doc, chunks }, { agents }]) => {
        const by = readers(agents, collection);
        return (
          <>
            <PageHeader
              title={doc.title}
              subtitle={
                <>
                  In <Link href={`/admin/orgs/${org}/knowledge/${collection}`}>{collection}</Link> · {plural(chunks.length, "chunk")} · {kb(doc.bytes)} · added {when(doc.createdAt)}
                </>
              }
            >
              {doc.url && /^https?:/.test(doc.url) ? (
                <Button
                  busy={refetch.busy}
                  busyLabel="Fetching…"
                  onClick={async () => {
                    let next = "";
                    let done = "Fetched again";
                    if (
                      await refetch.run(async () => {
                        if (doc.sourceId) {
                          // A page of a sitemap or crawl is refreshed through its source (the
                          // whole source, as the schedule would), not added as a page of its own.
                          const { job } = await refreshSource(org, collection, doc.sourceId);
                          const last = await followJob(org, job, () => {});
                          if (last.status === "failed") throw new Error(last.error?.message ?? "the refresh failed");
                          done = `Fetched again: ${changeWords(last)}`;
                          next = id;
                        } else {
                          const res = await ingestDocument(org, collection, { url: doc.url as string });
                          next = res.documents[0]?.id ?? id;
                        }
                      })
                    ) {
                      notify(done);
                      if (next !== id) navigate(`/admin/orgs/${org}/knowledge/${collection}/${next}`, { replace: true });
                      else void load.reload();
                    }
                  }}
                >
                  Fetch again
                </Button>
              ) : null}
            </PageHeader>
            <ErrorNote error={refetch.error} />
            <dl class="ad-facts">
              <dt>Source</dt>
              <dd>{doc.url ? <a href={doc.url} target="_blank" rel="noopener noreferrer">{doc.url}</a> : doc.source}</dd>
              <dt>Fetched</dt>
              <dd>
                <Freshness doc={doc} />
              </dd>
              <dt>Used by</dt>
              <dd>{by.length ? by.map((a) => a.name).join(", ") : "no agent reads this collection"}</dd>
            </dl>
            <Section title="Chunks" description="How it was cut for search: each chunk is what an agent may retrieve.">
              <ol class="ad-chunks">
                {chunks.map((c) => (
                  <li key={c.id}>
                    <p class="ad-sub">
                      #{c.position + 1}
                      {c.heading ? ` · ${c.heading}` : ""}
                      {c.page !== null ? ` · page ${c.page}` : ""}
                      {c.startSec !== null ? ` · at ${Math.floor(c.startSec)} s` : ""}
                    </p>
                    <p class="ad-chunk-text">{c.text}</p>
                  </li>
                ))}
              </ol>
            </Section>
            <Section title="Remove from search">
              <ErrorNote error={remove.error} />
              <DangerButton
                label={`delete ${doc.title}`}
                busy={remove.busy}
                onConfirm={async () => {
                  if (await remove.run(() => deleteDocument(org, collection, id))) {
                    notify("Document deleted");
                    navigate(`/admin/orgs/${org}/knowledge/${collection}`);
                  }
                }}
              >
                Delete document
              </DangerButton>
            </Section>
          </>
        );
      }}
    </Await>
  );
}
