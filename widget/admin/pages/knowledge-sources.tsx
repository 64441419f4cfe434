/**
 * A collection's URL-based sources: pages, sitemaps, crawls of a site section and video
 * pages, each re-fetched on a schedule (its own, else the collection's). Adding one or
 * refreshing it starts a job, followed live by the collection's jobs (knowledge-jobs.tsx);
 * each source shows when it was last fetched and what its last run changed.
 */
import { useEffect, useState } from "preact/hooks";
import type { CrawlOptions, IngestJob, KnowledgeCollection, KnowledgeSource, SourceKind } from "../../../shared/knowledge";
import { addSource, deleteSource, refreshSource, updateCollection, updateSource } from "../endpoints";
import { Button, DangerButton, Empty, ErrorNote, Loading, notify, plural, Section, SelectField, TextArea, TextField, useAction, when } from "../ui";
import type { Jobs } from "./knowledge-jobs";
import { changeWords, JobErrors, JobProgress, running, StatusBadge } from "./knowledge-jobs";

const KIND_WORDS: Record<SourceKind, string> = { url: "Page", sitemap: "Sitemap", crawl: "Crawl", video: "Video page" };

/** The intervals offered (the API takes any 1–365 days; one set elsewhere is shown as it is). */
const INTERVALS: { value: string; label: string }[] = [
  { value: "1", label: "Daily" },
  { value: "7", label: "Weekly" },
  { value: "30", label: "Every 30 days" },
];

const days = (n: number | null) => (n === null ? "" : String(n));
const everyWords = (n: number | null) => (n === null ? "never" : n === 1 ? "daily" : n === 7 ? "weekly" : `every ${n} days`);

export function intervalOptions(current: string, inherit: string) {
  const options = [{ value: "", label: inherit }, ...INTERVALS];
  if (current && !options.some((o) => o.value === current)) options.push({ value: current, label: `Every ${current} days` });
  return options;
}

/** The fields of an ApiFailure for a URL: a refused URL's message names no field, but is about the URL. */
function urlError(error: ReturnType<typeof useAction>["error"]) {
  if (!error) return undefined;
  return error.fields.url ?? (error.code === "url_refused" ? error.message : undefined);
}

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

function crawlWords(o: CrawlOptions): string {
  const parts = [
    o.include?.length ? `include ${o.include.join(", ")}` : "the start URL's folder",
    o.exclude?.length ? `exclude ${o.exclude.join(", ")}` : "",
    `depth ${o.maxDepth ?? 3}`,
    `up to ${plural(o.maxPages ?? 50, "page")}`,
  ];
  return parts.filter(Boolean).join(" · ");
}

// ---- adding -------------------------------------------------------------------------------

/** A sitemap or a crawl of a site section (a page has its own, immediate form). */
/** What the add form says for each kind of source it adds. */
const ADD_WORDS = {
  sitemap: { field: "Sitemap URL", placeholder: "https://www.example.com/sitemap.xml", hint: "Every page it lists is fetched in the background.", added: "Sitemap added", submit: "Add sitemap" },
  crawl: {
    field: "Start URL",
    placeholder: "https://www.example.com/docs/",
    hint: "Pages linked from it are followed within its folder (or the patterns below), on its site only; robots.txt is honoured.",
    added: "Crawl started",
    submit: "Start crawl",
  },
  video: {
    field: "Video page URL",
    placeholder: "https://www.example.com/videos/tour",
    hint: "A page whose video links its captions (WebVTT or SRT): the transcript is kept with its timestamps, so answers cite the moment.",
    added: "Video page added",
    submit: "Add video page",
  },
} as const;

export function AddSource({ org, collection, kind, jobs, added }: { org: string; collection: string; kind: keyof typeof ADD_WORDS; jobs: Jobs; added: () => void }) {
  const words = ADD_WORDS[kind];
  const [url, setUrl] = useState("");
  const [include, setInclude] = useState("");
  const [exclude, setExclude] = useState("");
  const [depth, setDepth] = useState("");
  const [pages, setPages] = useState("");
  const [every, setEvery] = useState("");
  const [started, setStarted] = useState<string | null>(null);
  const action = useAction();
  const job = started ? jobs.byId(started) : undefined;
  const f = action.error?.fields ?? {};
  return (
    <form
      class="ad-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setStarted(null);
        const crawl: CrawlOptions = {
          ...(lines(include).length ? { include: lines(include) } : {}),
          ...(lines(exclude).length ? { exclude: lines(exclude) } : {}),
          ...(depth ? { maxDepth: Number(depth) } : {}),
          ...(pages ? { maxPages: Number(pages) } : {}),
        };
        await action.run(async () => {
          const res = await addSource(org, collection, { kind, url, ...(every ? { refreshDays: Number(every) } : {}), ...(kind === "crawl" ? { crawl } : {}) });
          jobs.track(res.job);
          setStarted(res.job.id);
          notify(words.added);
          setUrl("");
          added();
        });
      }}
    >
      <TextField
        label={words.field}
        type="url"
        required
        placeholder={words.placeholder}
        value={url}
        onValue={setUrl}
        error={urlError(action.error)}
        hint={words.hint}
      />
      {kind === "crawl" ? (
        <>
          <div class="ad-row">
            <TextArea
              label="Include (one pattern a line)"
              rows={2}
              class="ad-grow ad-mono"
              placeholder="/docs/*"
              value={include}
              onValue={setInclude}
              error={f["crawl.include"] ?? f["crawl.include.0"]}
              hint="* matches anything; a leading / anchors at the path's start. Empty: the start URL's folder."
            />
            <TextArea label="Exclude (one pattern a line)" rows={2} class="ad-grow ad-mono" placeholder="*/archive/*" value={exclude} onValue={setExclude} error={f["crawl.exclude"] ?? f["crawl.exclude.0"]} />
          </div>
          <div class="ad-row">
            <TextField label="Link depth" type="number" min={0} max={10} inputMode="numeric" placeholder="3" value={depth} onValue={setDepth} error={f["crawl.maxDepth"]} hint="Links followed from the start page." />
            <TextField label="Page cap" type="number" min={1} max={500} inputMode="numeric" placeholder="50" value={pages} onValue={setPages} error={f["crawl.maxPages"]} hint="Pages ingested at most." />
          </div>
        </>
      ) : null}
      <SelectField label="Refresh" value={every} onValue={setEvery} options={intervalOptions(every, "As the collection's sources")} error={f.refreshDays} hint="Re-fetched on this schedule: unchanged pages are skipped, removed ones removed." />
      <ErrorNote error={action.error && !urlError(action.error) && !Object.keys(f).length ? action.error : null} />
      {job ? (
        <div class={running(job) ? "ad-hint" : "ad-ok"} role="status" data-started={job.id}>
          <p>
            {KIND_WORDS[kind]} <StatusBadge job={job} />
            {running(job) ? "" : ` ${changeWords(job)}.`}
          </p>
          <JobProgress job={job} />
          <JobErrors job={job} />
        </div>
      ) : null}
      <Button type="submit" kind="primary" busy={action.busy} busyLabel="Starting…">
        {words.submit}
      </Button>
    </form>
  );
}

// ---- the list -----------------------------------------------------------------------------

export function SourcesSection({
  org,
  collection,
  info,
  sources,
  jobs,
  changed,
}: {
  org: string;
  collection: string;
  info: KnowledgeCollection;
  sources: KnowledgeSource[] | undefined;
  jobs: Jobs;
  /** Reads the sources (and the collection) again. */
  changed: () => void;
}) {
  useEffect(() => {
    for (const s of sources ?? []) if (s.lastJobId) jobs.ensure(s.lastJobId);
  }, [sources]);
  return (
    <Section title="Sources" id="sources" description="Pages, sitemaps and crawls this collection is kept in step with.">
      <CollectionSchedule org={org} info={info} changed={changed} />
      {sources === undefined ? (
        <Loading label="Loading sources…" />
      ) : sources.length === 0 ? (
        <Empty title="No source yet">
          <p>Add a page, a sitemap or a site section to crawl above: it is fetched now and again on its schedule.</p>
        </Empty>
      ) : (
        <ul class="ad-sources" aria-label="Sources">
          {sources.map((s) => (
            <SourceItem key={s.id} org={org} collection={collection} source={s} jobs={jobs} changed={changed} />
          ))}
        </ul>
      )}
    </Section>
  );
}

/** The collection's default: how often sources that set no schedule of their own are re-fetched. */
function CollectionSchedule({ org, info, changed }: { org: string; info: KnowledgeCollection; changed: () => void }) {
  const save = useAction();
  return (
    <div class="ad-row ad-end">
      <SelectField
        label="Collection refresh schedule"
        value={days(info.refreshDays)}
        onValue={async (v) => {
          if (await save.run(() => updateCollection(org, info.id, { refreshDays: v ? Number(v) : null }))) {
            notify("Schedule saved");
            changed();
          }
        }}
        options={intervalOptions(days(info.refreshDays), "Never")}
        hint="For every source that sets no schedule of its own."
        error={save.error?.message}
      />
    </div>
  );
}

function SourceItem({ org, collection, source: s, jobs, changed }: { org: string; collection: string; source: KnowledgeSource; jobs: Jobs; changed: () => void }) {
  const refresh = useAction();
  const schedule = useAction();
  const remove = useAction();
  // Its newest run: one just started here, else the one the server recorded last.
  const candidates = [jobs.list?.find((j) => j.sourceId === s.id), s.lastJobId ? jobs.byId(s.lastJobId) : undefined].filter((j): j is IngestJob => !!j);
  const last = candidates.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  const inherits = s.refreshDays === null;
  return (
    <li class="ad-card ad-source" data-source={s.id}>
      <div class="ad-card-body">
        <h3 class="ad-card-title">
          <span class="ad-badge ad-kind">{KIND_WORDS[s.kind]}</span>{" "}
          <a href={s.url} target="_blank" rel="noopener noreferrer" class="ad-break">
            {s.url}
          </a>
        </h3>
        {s.kind === "crawl" ? <p class="ad-sub">{crawlWords(s.options)}</p> : null}
        <dl class="ad-facts">
          <dt>Last fetched</dt>
          <dd data-fetched>{s.refreshedAt ? when(s.refreshedAt) : "not yet"}</dd>
          <dt>Last result</dt>
          <dd data-result>
            {last ? (
              <>
                <StatusBadge job={last} /> {running(last) ? <JobProgress job={last} label={`Refreshing ${s.url}`} /> : <span data-changes>{changeWords(last)}</span>}
                <JobErrors job={last} />
              </>
            ) : s.lastJobId ? (
              "…"
            ) : (
              "—"
            )}
          </dd>
          <dt>Documents</dt>
          <dd>{s.documents}</dd>
          <dt>Schedule in force</dt>
          <dd>{inherits ? `${everyWords(s.effectiveRefreshDays)} (the collection's schedule)` : everyWords(s.refreshDays)}</dd>
        </dl>
        <div class="ad-row ad-end">
          <SelectField
            label={
              <>
                Schedule<span class="ad-offscreen"> of {s.url}</span>
              </>
            }
            value={days(s.refreshDays)}
            onValue={async (v) => {
              if (await schedule.run(() => updateSource(org, collection, s.id, v ? Number(v) : null))) {
                notify("Schedule saved");
                changed();
              }
            }}
            options={intervalOptions(days(s.refreshDays), "As the collection")}
            error={schedule.error?.message}
          />
          <Button
            busy={refresh.busy || (last ? running(last) : false)}
            busyLabel={refresh.busy ? "Starting…" : "Refreshing…"}
            title={`Refresh ${s.url} now`}
            onClick={async () => {
              if (
                await refresh.run(async () => {
                  const { job } = await refreshSource(org, collection, s.id);
                  jobs.track(job);
                })
              ) {
                notify("Refresh started");
                changed();
              }
            }}
          >
            Refresh now
          </Button>
          <DangerButton
            label={`delete the source ${s.url} and its documents`}
            busy={remove.busy}
            onConfirm={async () => {
              if (await remove.run(() => deleteSource(org, collection, s.id))) {
                notify("Source deleted");
                changed();
              }
            }}
          >
            Delete source
          </DangerButton>
        </div>
        <ErrorNote error={refresh.error ?? remove.error} />
      </div>
    </li>
  );
}
