/**
 * An agent's HTTP tools: each one's endpoint, arguments (JSON Schema), headers and secret
 * headers, limits — and "Try it": one call with given arguments through the engine's own
 * code path (POST …/http-tools/try), showing what the model would read.
 */
import { useState } from "preact/hooks";
import type { HttpToolConfig } from "../../../shared/config";
import { tryHttpTool } from "../endpoints";
import { Button, ErrorNote, JsonField, SelectField, TextArea, TextField, useAction } from "../ui";

const NEW_TOOL: HttpToolConfig = {
  name: "lookup",
  description: "Looks something up in our system.",
  parameters: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
  url: "https://api.example.com/items/{id}",
  method: "GET",
  headers: {},
  secretHeaders: {},
  timeoutMs: 10000,
  maxResponseBytes: 32000,
};

export function HttpTools({ org, tools, onTools, f, secrets }: { org: string; tools: HttpToolConfig[]; onTools: (t: HttpToolConfig[]) => void; f: Record<string, string>; secrets: string[] | null }) {
  const setTool = (i: number, patch: Partial<HttpToolConfig>) => onTools(tools.map((t, j) => (j === i ? { ...t, ...patch } : t)));
  return (
    <fieldset class="ad-group">
      <legend>HTTP tools</legend>
      <p class="ad-hint">Endpoints of yours the agent may call: it fills the arguments, your server answers, secrets stay on the server.</p>
      {tools.map((t, i) => (
        <details class="ad-tool" key={i} open={tools.length === 1}>
          <summary>
            {t.method} {t.name} <span class="ad-sub">{t.url}</span>
          </summary>
          <div class="ad-row">
            <TextField label="Tool name" value={t.name} onValue={(v) => setTool(i, { name: v })} error={f[`httpTools.${i}.name`]} />
            <SelectField label="Method" value={t.method} onValue={(v) => setTool(i, { method: v })} options={["GET", "POST"] as const} />
          </div>
          <TextField label="URL" value={t.url} onValue={(v) => setTool(i, { url: v })} error={f[`httpTools.${i}.url`]} hint="{name} fills a path segment from an argument; the rest go in the query (GET) or the body (POST)." />
          <TextArea label="Description (what the model reads)" rows={2} value={t.description} onValue={(v) => setTool(i, { description: v })} error={f[`httpTools.${i}.description`]} />
          <JsonField label="Arguments (JSON Schema)" rows={5} value={t.parameters} onValue={(v) => setTool(i, { parameters: v ?? {} })} error={f[`httpTools.${i}.parameters`]} />
          <JsonField label="Headers (JSON)" value={t.headers} onValue={(v) => setTool(i, { headers: (v ?? {}) as Record<string, string> })} error={f[`httpTools.${i}.headers`]} />
          <JsonField
            label="Secret headers (header → org secret name)"
            value={t.secretHeaders}
            onValue={(v) => setTool(i, { secretHeaders: (v ?? {}) as Record<string, string> })}
            error={f[`httpTools.${i}.secretHeaders`]}
            {...(secrets ? { hint: `Your secrets: ${secrets.join(", ") || "none yet"}` } : {})}
          />
          <div class="ad-row">
            <TextField label="Timeout (ms)" type="number" min={100} max={60000} value={String(t.timeoutMs)} onValue={(v) => setTool(i, { timeoutMs: Number(v) })} error={f[`httpTools.${i}.timeoutMs`]} />
            <TextField label="Max response bytes" type="number" min={256} max={1000000} value={String(t.maxResponseBytes)} onValue={(v) => setTool(i, { maxResponseBytes: Number(v) })} error={f[`httpTools.${i}.maxResponseBytes`]} />
          </div>
          <TryIt org={org} tool={t} />
          <Button small kind="danger" onClick={() => onTools(tools.filter((_, j) => j !== i))}>
            Remove {t.name}
          </Button>
        </details>
      ))}
      <Button small onClick={() => onTools([...tools, { ...NEW_TOOL, name: tools.length ? `lookup_${tools.length + 1}` : "lookup" }])}>
        Add an HTTP tool
      </Button>
    </fieldset>
  );
}

function TryIt({ org, tool }: { org: string; tool: HttpToolConfig }) {
  const [args, setArgs] = useState<Record<string, unknown>>({});
  const [result, setResult] = useState<{ status: string; result: unknown; durationMs: number } | null>(null);
  const action = useAction();
  return (
    <div class="ad-try">
      <JsonField label={`Try ${tool.name} with arguments (JSON)`} value={args} onValue={(v) => setArgs(v ?? {})} />
      <Button small busy={action.busy} busyLabel="Calling…" onClick={() => void action.run(async () => setResult(await tryHttpTool(org, tool, args)))}>
        Try it
      </Button>
      <ErrorNote error={action.error} />
      {result ? (
        <div class="ad-try-result" role="status">
          <p>
            <span class={`ad-badge ad-b-${result.status === "ok" ? "delivered" : "failed"}`}>{result.status}</span> in {result.durationMs} ms — what the model would read:
          </p>
          <pre class="ad-code" tabIndex={0} aria-label="What the model would read">
            <code>{JSON.stringify(result.result, null, 2)}</code>
          </pre>
        </div>
      ) : null}
    </div>
  );
}
