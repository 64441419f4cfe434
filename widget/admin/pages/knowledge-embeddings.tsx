/**
 * The org's optional embedding index: an OpenAI-compatible `/embeddings` endpoint, its
 * model, and the org secret that holds its key. Saving tries the endpoint once (its failure
 * is shown here), then embeds every chunk in a job followed live; turning it off deletes
 * the vectors and search is BM25 alone. Naming a key secret needs the `secrets:write` scope,
 * which an `admin` lacks: the server's refusal is shown where the secret is named.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { EmbeddingsSettings, IngestJob } from "../../../shared/knowledge";
import { deleteEmbeddings, getEmbeddings, putEmbeddings } from "../endpoints";
import { useSession } from "../session";
import { Await, Button, DangerButton, ErrorNote, notify, plural, Section, TextField, useAction, useLoad } from "../ui";
import { changeWords, followJob, JobErrors, JobProgress, running, StatusBadge } from "./knowledge-jobs";

export function EmbeddingsSection({ org }: { org: string }) {
  const load = useLoad(() => getEmbeddings(org), [org]);
  const { canSecrets } = useSession();
  const [baseURL, setBaseURL] = useState("");
  const [model, setModel] = useState("");
  const [secret, setSecret] = useState("");
  const [dims, setDims] = useState("");
  const [job, setJob] = useState<IngestJob | null>(null);
  const save = useAction();
  const off = useAction();
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);
  // The form starts from what is saved.
  useEffect(() => {
    const e = load.data?.embeddings;
    setBaseURL(e?.baseURL ?? "");
    setModel(e?.model ?? "");
    setSecret(e?.apiKeySecret ?? "");
    setDims(e?.dimensions ? String(e.dimensions) : "");
  }, [load.data]);
  const f = save.error?.fields ?? {};
  const secretError = f.apiKeySecret ?? (save.error?.status === 403 || save.error?.code === "secret_missing" ? save.error.message : undefined);
  const urlError = f.baseURL ?? (save.error?.code === "url_refused" ? save.error.message.replace(/^baseURL: /, "") : undefined);
  const otherError = save.error && !secretError && !urlError && !f.model && !f.dimensions ? save.error : null;
  return (
    <Section
      title="Embeddings (optional)"
      id="embeddings"
      description="Keyword search (BM25) needs nothing. Add an OpenAI-compatible embeddings endpoint and search also finds passages by meaning, for every collection of this organisation."
    >
      <Await load={load} label="Loading embedding settings…">
        {(status) => (
          <>
            <p class={status.embeddings ? "ad-ok" : "ad-hint"} role="note" data-embeddings={status.embeddings ? "on" : "off"}>
              {status.embeddings ? (
                <>
                  On: <code>{status.embeddings.model}</code> at <code class="ad-break">{status.embeddings.baseURL}</code>
                  {status.embeddings.apiKeySecret ? (
                    <>
                      {" "}
                      with the key in <code>{status.embeddings.apiKeySecret}</code>
                    </>
                  ) : null}
                  ; {status.chunks.embedded.toLocaleString()} of {plural(status.chunks.total, "chunk")} embedded; index: {status.index === "vectorize" ? "Cloudflare Vectorize" : "exact, in the Worker"}.
                </>
              ) : (
                <>Off: search is keyword (BM25) only. {plural(status.chunks.total, "chunk")} would be embedded.</>
              )}
            </p>
            <form
              class="ad-form"
              onSubmit={async (e) => {
                e.preventDefault();
                setJob(null);
                const body: EmbeddingsSettings = { baseURL: baseURL.trim(), model: model.trim(), ...(secret.trim() ? { apiKeySecret: secret.trim() } : {}), ...(dims ? { dimensions: Number(dims) } : {}) };
                let started: IngestJob | null = null;
                if (await save.run(async () => void (started = (await putEmbeddings(org, body)).job))) {
                  notify("Embeddings saved: embedding every chunk");
                  void load.reload();
                  if (started) {
                    await followJob(org, started, (j) => alive.current && setJob(j), () => alive.current).catch(() => {});
                    if (alive.current) void load.reload();
                  }
                }
              }}
            >
              <div class="ad-row">
                <TextField label="Endpoint URL" type="url" required class="ad-grow" placeholder="https://api.openai.com/v1" value={baseURL} onValue={setBaseURL} error={urlError} hint="The API base up to its version; /embeddings is added." />
                <TextField label="Model" required placeholder="text-embedding-3-small" value={model} onValue={setModel} error={f.model} />
              </div>
              <div class="ad-row">
                <TextField
                  label="Key secret name"
                  class="ad-mono"
                  placeholder="OPENAI_API_KEY"
                  value={secret}
                  onValue={setSecret}
                  error={secretError}
                  hint={
                    canSecrets
                      ? "The org secret holding the endpoint's key (set it under Secrets). Empty for a local endpoint without a key."
                      : "The org secret holding the key. Naming one needs the secrets:write scope (an owner's); empty for an endpoint without a key."
                  }
                />
                <TextField label="Dimensions" type="number" min={8} max={4096} inputMode="numeric" placeholder="learned from the endpoint" value={dims} onValue={setDims} error={f.dimensions} />
              </div>
              <ErrorNote error={otherError} />
              {job ? (
                <div class={running(job) ? "ad-hint" : "ad-ok"} role="status">
                  <p>
                    Embedding <StatusBadge job={job} /> {running(job) ? "" : changeWords(job) === "no document" ? "" : changeWords(job)}
                  </p>
                  <JobProgress job={job} label="Embedding chunks" />
                  <JobErrors job={job} />
                </div>
              ) : null}
              <div class="ad-row ad-end">
                <Button type="submit" kind="primary" busy={save.busy} busyLabel="Trying the endpoint…">
                  {status.embeddings ? "Save embeddings" : "Turn on embeddings"}
                </Button>
                {status.embeddings ? (
                  <DangerButton
                    label="turn embeddings off and delete the vectors"
                    busy={off.busy}
                    onConfirm={async () => {
                      if (await off.run(() => deleteEmbeddings(org))) {
                        notify("Embeddings off");
                        setJob(null);
                        void load.reload();
                      }
                    }}
                  >
                    Turn off and delete vectors
                  </DangerButton>
                ) : null}
              </div>
              <ErrorNote error={off.error} />
            </form>
          </>
        )}
      </Await>
    </Section>
  );
}
