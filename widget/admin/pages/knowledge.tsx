/**
 * Knowledge: collections; a collection's documents, added from files (dropped or chosen),
 * a web page, a sitemap or pasted text; which agents read it; a search that retrieves
 * exactly what the agents' search_knowledge would; a document's chunks, re-fetching a page,
 * deleting.
 *
 * Files: Markdown, text and HTML are read in the browser and sent as text (the documents
 * API); PDF, Word, captions (VTT/SRT), ZIP exports, CSV and JSON go to the ingestion
 * service (`POST …/collections/:c/files` → a job the page follows).
 */
import { useRef, useState } from "preact/hooks";
import type { AgentOut, IngestJob } from "../../../shared/admin";
import { ApiFailure } from "../api";
import {
  createCollection,
  deleteCollection,
  deleteDocument,
  type DocumentInput,
  documentChunks,
  ingestDocument,
  ingestJob,
  listAgents,
  listCollections,
  listDocuments,
  searchCollection,
  uploadFile,
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
  TextArea,
  TextField,
  useAction,
  useLoad,
  when,
} from "../ui";

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
          </>
        )}
      </Await>
    </>
  );
}

// ---- one collection -----------------------------------------------------------------------

type AddTab = "file" | "url" | "sitemap" | "text";

export function CollectionPage({ org, params }: PageProps) {
  const collection = params.collection as string;
  const load = useLoad(() => Promise.all([listDocuments(org, collection), listAgents(org), listCollections(org)]), [org, collection]);
  const [tab, setTab] = useState<AddTab>("file");
  const remove = useAction();
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
                  { id: "text", label: "Paste text" },
                ]}
                value={tab}
                onValue={setTab}
              />
              <TabPanel id={tab}>
                {tab === "file" ? <AddFiles org={org} collection={collection} done={() => void load.reload()} /> : null}
                {tab === "url" ? <AddUrl org={org} collection={collection} done={() => void load.reload()} sitemap={false} /> : null}
                {tab === "sitemap" ? <AddUrl org={org} collection={collection} done={() => void load.reload()} sitemap /> : null}
                {tab === "text" ? <AddText org={org} collection={collection} done={() => void load.reload()} /> : null}
              </TabPanel>
            </Section>
            <Section title="Documents">
              {documents.length === 0 ? (
                <Empty title="No document in this collection">
                  <p>Add your help articles above: drop files, give a page's address, or paste text.</p>
                </Empty>
              ) : (
                <TableWrap label="Documents">
                <table class="ad-table">
                  <caption class="ad-offscreen">Documents</caption>
                  <thead>
                    <tr>
                      <th scope="col">Title</th>
                      <th scope="col">Source</th>
                      <th scope="col">Chunks</th>
                      <th scope="col">Size</th>
                      <th scope="col">Added</th>
                    </tr>
                  </thead>
                  <tbody>
                    {documents.map((d) => (
                      <tr key={d.id} data-doc={d.id}>
                        <td>
                          <Link href={`/admin/orgs/${org}/knowledge/${collection}/${d.id}`}>{d.title}</Link>
                        </td>
                        <td class="ad-ellipsis">{d.url ?? d.source}</td>
                        <td>{d.chunks}</td>
                        <td>{kb(d.bytes)}</td>
                        <td>{when(d.createdAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                </TableWrap>
              )}
            </Section>
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

const TEXT_FORMATS: Record<string, "markdown" | "text" | "html"> = { md: "markdown", markdown: "markdown", txt: "text", html: "html", htm: "html" };
const SERVICE_FORMATS = ["pdf", "docx", "vtt", "srt", "zip", "csv", "json"];

interface FileState {
  name: string;
  status: "reading" | "uploading" | "queued" | "running" | "done" | "failed";
  detail: string;
}

function AddFiles({ org, collection, done }: { org: string; collection: string; done: () => void }) {
  const [files, setFiles] = useState<FileState[]>([]);
  const [over, setOver] = useState(false);
  const [videoUrl, setVideoUrl] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const update = (name: string, patch: Partial<FileState>) => setFiles((fs) => fs.map((f) => (f.name === name ? { ...f, ...patch } : f)));

  const follow = async (file: string, job: IngestJob) => {
    let current = job;
    for (let i = 0; i < 600 && (current.status === "queued" || current.status === "running"); i++) {
      update(file, { status: current.status, detail: current.progress ? `${current.progress.done} of ${current.progress.total}` : current.status });
      await new Promise((r) => setTimeout(r, 1000));
      current = await ingestJob(org, current.id);
    }
    update(file, current.status === "done" ? { status: "done", detail: `${current.documents?.length ?? 0} document(s) added` } : { status: "failed", detail: JSON.stringify(current.errors ?? []).slice(0, 300) });
  };

  const add = async (list: FileList | File[]) => {
    const chosen = Array.from(list);
    setFiles((fs) => [...fs.filter((f) => !chosen.some((c) => c.name === f.name)), ...chosen.map((f) => ({ name: f.name, status: "reading" as const, detail: "" }))]);
    for (const file of chosen) {
      const ext = file.name.split(".").pop()?.toLowerCase() ?? "";
      try {
        const format = TEXT_FORMATS[ext];
        if (format) {
          update(file.name, { status: "uploading", detail: "sending…" });
          const content = await file.text();
          const body: DocumentInput = { format, content, source: file.name, ...(format === "text" ? { title: file.name.replace(/\.[^.]+$/, "") } : {}) };
          const res = await ingestDocument(org, collection, body);
          const doc = res.documents[0];
          update(file.name, { status: "done", detail: doc ? `“${doc.title}”, ${plural(doc.chunks, "chunk")}${doc.replaced ? " (replaced the earlier copy)" : ""}` : "added" });
        } else if (SERVICE_FORMATS.includes(ext)) {
          update(file.name, { status: "uploading", detail: "uploading…" });
          const form = new FormData();
          form.append("file", file);
          if (videoUrl && (ext === "vtt" || ext === "srt")) form.append("url", videoUrl);
          const { job } = await uploadFile(org, collection, form);
          await follow(file.name, job);
        } else {
          update(file.name, { status: "failed", detail: `.${ext || "?"} files are not supported: use Markdown, text, HTML, PDF, Word, captions (VTT/SRT), ZIP, CSV or JSON` });
        }
      } catch (e) {
        const message =
          e instanceof ApiFailure && e.status === 404 && SERVICE_FORMATS.includes(ext)
            ? `this server cannot read .${ext} files yet (its file ingestion is not installed): paste the text, or upload Markdown, text or HTML`
            : e instanceof Error
              ? e.message
              : String(e);
        update(file.name, { status: "failed", detail: message });
      }
    }
    done();
  };

  return (
    <div>
      <div
        class={over ? "ad-drop ad-over" : "ad-drop"}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          if (e.dataTransfer?.files.length) void add(e.dataTransfer.files);
        }}
      >
        <p>
          <strong>Drop files here</strong> or
        </p>
        <label class="ad-btn ad-primary" for="ad-file-input">
          Choose files
        </label>
        <input
          ref={input}
          id="ad-file-input"
          class="ad-offscreen"
          type="file"
          multiple
          accept=".md,.markdown,.txt,.html,.htm,.pdf,.docx,.vtt,.srt,.zip,.csv,.json"
          onChange={(e) => {
            const list = (e.target as HTMLInputElement).files;
            if (list?.length) void add(list);
            (e.target as HTMLInputElement).value = "";
          }}
        />
        <p class="ad-hint">Markdown, text, HTML, PDF, Word (.docx), captions (.vtt, .srt), a help-center ZIP, FAQ as CSV or JSON.</p>
      </div>
      <TextField label="Video URL (for caption files)" type="url" placeholder="https://www.example.com/videos/setup" value={videoUrl} onValue={setVideoUrl} hint="Captions uploaded with a video's address cite that video." />
      {files.length ? (
        <ul class="ad-files" aria-label="Files">
          {files.map((f) => (
            <li key={f.name} data-status={f.status}>
              <span class="ad-file-name">{f.name}</span> <span class={`ad-badge ad-b-${f.status === "done" ? "delivered" : f.status === "failed" ? "failed" : "pending"}`}>{f.status}</span>{" "}
              <span class="ad-sub">{f.detail}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function AddUrl({ org, collection, done, sitemap }: { org: string; collection: string; done: () => void; sitemap: boolean }) {
  const [url, setUrl] = useState("");
  const action = useAction();
  const [result, setResult] = useState("");
  return (
    <form
      class="ad-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setResult("");
        await action.run(async () => {
          const res = await ingestDocument(org, collection, sitemap ? { sitemap: url } : { url });
          setResult(
            `${plural(res.documents.length, "page")} added${res.failed?.length ? `; ${plural(res.failed.length, "page")} failed: ${res.failed.map((x) => `${x.url} (${x.error})`).join("; ")}` : ""}.`,
          );
          setUrl("");
          done();
        });
      }}
    >
      <TextField
        label={sitemap ? "Sitemap URL" : "Page URL"}
        type="url"
        required
        placeholder={sitemap ? "https://www.example.com/sitemap.xml" : "https://www.example.com/help/getting-started"}
        value={url}
        onValue={setUrl}
        error={action.error?.fields.url ?? action.error?.fields.sitemap}
        hint={sitemap ? "Every page it lists (up to 100) is fetched; fetching the same page again replaces it." : "Fetched now; fetch it again later to refresh it."}
      />
      <ErrorNote error={action.error?.fields.url || action.error?.fields.sitemap ? null : action.error} />
      {result ? (
        <p class="ad-ok" role="status">
          {result}
        </p>
      ) : null}
      <Button type="submit" kind="primary" busy={action.busy} busyLabel="Fetching…">
        {sitemap ? "Fetch the sitemap's pages" : "Fetch page"}
      </Button>
    </form>
  );
}

function AddText({ org, collection, done }: { org: string; collection: string; done: () => void }) {
  const [title, setTitle] = useState("");
  const [content, setContent] = useState("");
  const [format, setFormat] = useState<"text" | "markdown">("markdown");
  const action = useAction();
  return (
    <form
      class="ad-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await action.run(() => ingestDocument(org, collection, { format, content, title, source: title }))) {
          notify("Document added");
          setTitle("");
          setContent("");
          done();
        }
      }}
    >
      <TextField label="Title" required maxLength={300} value={title} onValue={setTitle} error={action.error?.fields.title} />
      <TextArea label="Text" required rows={8} value={content} onValue={setContent} error={action.error?.fields.content} hint="Markdown headings (#) split it into sections." />
      <fieldset class="ad-group ad-inline">
        <legend>Format</legend>
        {(["markdown", "text"] as const).map((f) => (
          <label key={f} class="ad-radio">
            <input type="radio" name="ad-format" value={f} checked={format === f} onChange={() => setFormat(f)} /> {f === "markdown" ? "Markdown" : "Plain text"}
          </label>
        ))}
      </fieldset>
      <ErrorNote error={action.error?.fields.content || action.error?.fields.title ? null : action.error} />
      <Button type="submit" kind="primary" busy={action.busy} busyLabel="Adding…">
        Add document
      </Button>
    </form>
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
                    if (
                      await refetch.run(async () => {
                        const res = await ingestDocument(org, collection, { url: doc.url as string });
                        next = res.documents[0]?.id ?? id;
                      })
                    ) {
                      notify("Fetched again");
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
