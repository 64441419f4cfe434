/**
 * Adding knowledge to a collection: files (dropped or chosen), one web page, or pasted text.
 * (Sitemaps and crawls are sources: knowledge-sources.tsx.)
 *
 * Files: Markdown, text and HTML are read in the browser and sent as text (the documents
 * API); PDF, Word, captions (VTT/SRT), ZIP exports, CSV and JSON go to the ingestion
 * service (`POST …/collections/:c/files` → a job, followed like every job: knowledge-jobs.tsx).
 */
import { useRef, useState } from "preact/hooks";
import { ApiFailure } from "../api";
import { type DocumentInput, ingestDocument, uploadFile } from "../endpoints";
import { Button, ErrorNote, notify, plural, SelectField, TextArea, TextField, useAction } from "../ui";
import type { IngestJob } from "../../../shared/knowledge";
import { changeWords, followJob, type Jobs } from "./knowledge-jobs";
import { intervalOptions } from "./knowledge-sources";

const TEXT_FORMATS: Record<string, "markdown" | "text" | "html"> = { md: "markdown", markdown: "markdown", txt: "text", html: "html", htm: "html" };
const SERVICE_FORMATS = ["pdf", "docx", "vtt", "srt", "zip", "csv", "json"];

interface FileState {
  name: string;
  status: "reading" | "uploading" | "queued" | "running" | "done" | "failed";
  detail: string;
}

export function AddFiles({ org, collection, done, jobs }: { org: string; collection: string; done: () => void; jobs: Jobs }) {
  const [files, setFiles] = useState<FileState[]>([]);
  const [over, setOver] = useState(false);
  const [videoUrl, setVideoUrl] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const update = (name: string, patch: Partial<FileState>) => setFiles((fs) => fs.map((f) => (f.name === name ? { ...f, ...patch } : f)));

  const follow = async (file: string, job: IngestJob) => {
    jobs.track(job);
    const last = await followJob(org, job, (j) => update(file, { status: j.status, detail: j.progress.total ? `${j.progress.done} of ${j.progress.total}` : j.status }));
    update(
      file,
      last.status === "done"
        ? { status: "done", detail: `${changeWords(last)}${last.errors.length ? `; ${last.errors.map((x) => `${x.item}: ${x.message}`).join("; ")}` : ""}` }
        : { status: "failed", detail: last.error?.message ?? last.errors.map((x) => `${x.item}: ${x.message}`).join("; ") },
    );
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

/** One page, fetched now; it becomes a source, re-fetched on the schedule chosen. */
export function AddUrl({ org, collection, done }: { org: string; collection: string; done: () => void }) {
  const [url, setUrl] = useState("");
  const [every, setEvery] = useState("");
  const action = useAction();
  const [result, setResult] = useState("");
  const refused = action.error?.code === "url_refused" ? action.error.message : undefined;
  return (
    <form
      class="ad-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setResult("");
        await action.run(async () => {
          const res = await ingestDocument(org, collection, { url, ...(every ? { refreshDays: Number(every) } : {}) });
          setResult(`${plural(res.documents.length, "page")} added${res.failed?.length ? `; ${plural(res.failed.length, "page")} failed: ${res.failed.map((x) => `${x.url} (${x.error})`).join("; ")}` : ""}.`);
          setUrl("");
          done();
        });
      }}
    >
      <TextField
        label="Page URL"
        type="url"
        required
        placeholder="https://www.example.com/help/getting-started"
        value={url}
        onValue={setUrl}
        error={action.error?.fields.url ?? refused}
        hint="Fetched now; it is listed under Sources, where you can refresh it."
      />
      <SelectField
        label="Refresh"
        value={every}
        onValue={setEvery}
        options={intervalOptions(every, "As the collection's sources")}
        error={action.error?.fields.refreshDays}
      />
      <ErrorNote error={action.error?.fields.url || refused ? null : action.error} />
      {result ? (
        <p class="ad-ok" role="status">
          {result}
        </p>
      ) : null}
      <Button type="submit" kind="primary" busy={action.busy} busyLabel="Fetching…">
        Fetch page
      </Button>
    </form>
  );
}

export function AddText({ org, collection, done }: { org: string; collection: string; done: () => void }) {
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

