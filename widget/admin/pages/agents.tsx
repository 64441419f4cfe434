/**
 * Agents: the org's agents as a picture and a list; a new agent; one agent's form (model,
 * knowledge, tools, HTTP tools with "try it", the team it delegates to, limits) saved as a
 * draft the playground runs and published as a new version; versions with a diff and
 * rollback. The server's messages land on the field they name; a graph error (a cycle, an
 * unknown agent, a chain too deep) on the team section.
 */
import { useState } from "preact/hooks";
import type { AgentOut, SecretInfo } from "../../../shared/admin";
import type { AgentConfig, AgentConfigInput, BuiltinTool, HttpToolConfig, ModelFamily } from "../../../shared/config";
import { setIn } from "../draft";
import {
  createAgent,
  deleteAgent,
  discardAgentDraft,
  getAgent,
  getAgentDraft,
  listAgentDrafts,
  listAgents,
  listCollections,
  listSecrets,
  listSites,
  publishAgentDraft,
  saveAgentDraft,
} from "../endpoints";
import { AgentGraph } from "../graph";
import { HttpTools } from "./agent-tools";
import { Versions } from "./agent-versions";
import type { PageProps } from "../routes";
import { Link, navigate, setQuery } from "../router";
import { useSession } from "../session";
import {
  Await,
  Button,
  CheckField,
  CheckGroup,
  DangerButton,
  Empty,
  ErrorNote,
  JsonField,
  notify,
  PageHeader,
  Section,
  SelectField,
  TableWrap,
  TabPanel,
  Tabs,
  TextArea,
  TextField,
  useAction,
  useLoad,
  when,
} from "../ui";

const FAMILIES = ["openai", "anthropic", "google", "xai", "deepseek", "qwen", "glm", "openai-compatible", "offline"] as const satisfies readonly ModelFamily[];
// Every family is offered: a new one in shared/config.ts is a type error here until it is.
const allFamilies: Exclude<ModelFamily, (typeof FAMILIES)[number]> extends never ? true : never = true;
void allFamilies;
const MODELS: Record<ModelFamily, string[]> = {
  openai: ["gpt-4o-mini", "gpt-4.1-mini", "gpt-5-mini", "gpt-5"],
  anthropic: ["claude-haiku-4-5", "claude-sonnet-4-5"],
  google: ["gemini-2.5-flash-lite", "gemini-2.5-flash", "gemini-2.5-pro"],
  xai: ["grok-3-mini", "grok-4-fast", "grok-4"],
  deepseek: ["deepseek-chat", "deepseek-reasoner"],
  qwen: ["qwen-flash", "qwen-plus", "qwen3-max"],
  glm: ["glm-4.5-air", "glm-4.6"],
  "openai-compatible": ["llama3.1", "Qwen/Qwen3-8B"],
  offline: ["offline"],
};
/** Which family takes which option (the server refuses the rest; see shared/config.ts). */
const OPTIONS: Record<string, readonly ModelFamily[]> = {
  reasoningEffort: ["openai", "xai", "deepseek", "openai-compatible"],
  thinking: ["anthropic", "google", "deepseek", "qwen", "glm"],
  thinkingBudget: ["anthropic", "google", "qwen"],
  extraBody: ["openai-compatible"],
};
const BUILTINS: { value: BuiltinTool; label: string }[] = [
  { value: "search_knowledge", label: "Search knowledge (answers cite your documents)" },
  { value: "handoff_to_human", label: "Hand off to a person" },
  { value: "capture_lead", label: "Capture a lead (name and email)" },
];

type Editable = AgentConfigInput & { model: NonNullable<AgentConfigInput["model"]> };

/** The config the form edits: what the server stores, without its version stamp. */
function editable(a: AgentConfig | AgentOut): Editable {
  const { version: _v, updatedAt: _u, ...config } = a as AgentOut;
  return { ...config, model: { ...config.model } } as Editable;
}

// ---- the list -----------------------------------------------------------------------------

export function AgentsPage({ org }: PageProps) {
  const load = useLoad(() => Promise.all([listAgents(org), listSites(org), listAgentDrafts(org)]), [org]);
  return (
    <>
      <PageHeader title="Agents" subtitle="A site's entry agent answers visitors; it can delegate to specialists, transfer the conversation, and fall back when one fails.">
        <Link class="ad-btn" href={`/admin/orgs/${org}/playground`}>
          Playground
        </Link>
        <Link class="ad-btn ad-primary" href={`/admin/orgs/${org}/agents/new`}>
          New agent
        </Link>
      </PageHeader>
      <Await load={load}>
        {([{ agents }, { sites }, { drafts }]) => {
          if (!agents.length) {
            return (
              <Empty title="No agent yet">
                <p>An agent is who answers: its instructions, its model, what it may read and do. Creating a site makes one for you, or start here.</p>
                <Link class="ad-btn ad-primary" href={`/admin/orgs/${org}/agents/new`}>
                  Create an agent
                </Link>
              </Empty>
            );
          }
          const entries = new Map<string, string[]>();
          for (const s of sites) entries.set(s.entryAgent, [...(entries.get(s.entryAgent) ?? []), s.key]);
          const drafted = new Set(drafts.map((d) => d.config.id));
          return (
            <>
              <Section title="How they work together">
                <div class="ad-graph-wrap">
                  <AgentGraph org={org} agents={agents} entries={entries} drafts={drafted} />
                </div>
              </Section>
              <Section title="All agents">
                <TableWrap label="Agents">
                <table class="ad-table">
                  <caption class="ad-offscreen">Agents</caption>
                  <thead>
                    <tr>
                      <th scope="col">Agent</th>
                      <th scope="col">Model</th>
                      <th scope="col">Delegates to</th>
                      <th scope="col">Knowledge</th>
                      <th scope="col">Version</th>
                    </tr>
                  </thead>
                  <tbody>
                    {agents.map((a) => (
                      <tr key={a.id}>
                        <td>
                          <Link href={`/admin/orgs/${org}/agents/${a.id}`}>{a.name}</Link> <code>{a.id}</code>
                          {entries.has(a.id) ? <span class="ad-badge">entry of {entries.get(a.id)?.join(", ")}</span> : null}
                          {drafted.has(a.id) ? <span class="ad-badge ad-b-pending">draft</span> : null}
                        </td>
                        <td>
                          {a.model.family} · {a.model.name}
                        </td>
                        <td>{a.delegates.join(", ") || "—"}</td>
                        <td>{a.knowledge.join(", ") || "—"}</td>
                        <td>v{a.version}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                </TableWrap>
              </Section>
            </>
          );
        }}
      </Await>
    </>
  );
}

// ---- a new agent --------------------------------------------------------------------------

export function NewAgentPage({ org }: PageProps) {
  const collections = useLoad(() => listCollections(org), [org]);
  const [form, setForm] = useState({ id: "", name: "", description: "", instructions: "" });
  const [knowledge, setKnowledge] = useState<string[]>([]);
  const action = useAction();
  const f = action.error?.fields ?? {};
  const set = (k: keyof typeof form) => (v: string) => setForm({ ...form, [k]: v });
  const id = form.id || form.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
  return (
    <>
      <PageHeader title="New agent" subtitle="Start with who it is; the model, tools and team come next." />
      <Await load={collections}>
        {({ collections: list }) => (
          <form
            class="ad-form ad-narrow"
            onSubmit={async (e) => {
              e.preventDefault();
              if (
                await action.run(() =>
                  createAgent(org, {
                    id,
                    name: form.name,
                    description: form.description,
                    instructions: form.instructions,
                    knowledge,
                    tools: knowledge.length ? ["search_knowledge"] : [],
                  }),
                )
              ) {
                notify("Agent created");
                navigate(`/admin/orgs/${org}/agents/${id}`);
              }
            }}
          >
            <TextField label="Name" required maxLength={80} value={form.name} onValue={set("name")} error={f.name} />
            <TextField label="Agent id" required value={id} onValue={set("id")} error={f.id} hint="Lowercase letters, digits, - and _; how other agents name it." />
            <TextArea
              label="What it does"
              required
              rows={2}
              value={form.description}
              onValue={set("description")}
              error={f.description}
              hint="A router reads this to decide when to delegate to it: say what it is good at."
            />
            <TextArea label="Instructions" rows={5} value={form.instructions} onValue={set("instructions")} error={f.instructions} hint="Its system prompt: role, rules, what to do when unsure." />
            <CheckGroup legend="Knowledge it reads" options={list.map((c) => ({ value: c.id, label: `${c.name} (${c.documents} documents)` }))} value={knowledge} onValue={setKnowledge} empty="No collection yet: add knowledge first, or later." />
            {Object.keys(f).length ? null : <ErrorNote error={action.error} />}
            <div class="ad-actions">
              <Button type="submit" kind="primary" busy={action.busy} busyLabel="Creating…">
                Create agent
              </Button>
              <Link class="ad-btn" href={`/admin/orgs/${org}/agents`}>
                Cancel
              </Link>
            </div>
          </form>
        )}
      </Await>
    </>
  );
}

// ---- one agent ----------------------------------------------------------------------------

export function AgentPage({ org, params, query }: PageProps) {
  const id = params.id as string;
  const session = useSession();
  const load = useLoad(
    () =>
      Promise.all([
        getAgent(org, id),
        getAgentDraft(org, id),
        listAgents(org),
        listCollections(org),
        session.canSecrets ? listSecrets(org).catch(() => ({ secrets: [] as SecretInfo[] })) : Promise.resolve(null),
        listSites(org),
      ]),
    [org, id],
  );
  const tab = query.get("tab") === "versions" ? "versions" : "settings";
  return (
    <Await load={load}>
      {([agent, { draft }, { agents }, { collections }, secrets, { sites }]) => (
        <>
          <PageHeader
            title={agent.name}
            subtitle={
              <>
                <code>{agent.id}</code> · published v{agent.version} {when(agent.updatedAt)}
                {draft ? ` · draft saved ${when(draft.updatedAt)}` : ""}
              </>
            }
          >
            <Link class="ad-btn" href={`/admin/orgs/${org}/playground${sites.find((s) => s.entryAgent === id) ? `?site=${sites.find((s) => s.entryAgent === id)?.key}` : ""}`}>
              Try in playground
            </Link>
          </PageHeader>
          <Tabs
            label="Agent"
            tabs={[
              { id: "settings", label: draft ? "Settings (draft)" : "Settings" },
              { id: "versions", label: `Versions (${agent.version})` },
            ]}
            value={tab}
            onValue={(t) => setQuery({ tab: t === "settings" ? undefined : t })}
          />
          <TabPanel id={tab}>
            {tab === "settings" ? (
              <AgentForm
                key={`${agent.version}:${draft?.updatedAt ?? ""}`}
                org={org}
                agent={agent}
                draft={draft?.config ?? null}
                draftBase={draft?.basedOnVersion ?? null}
                others={agents.filter((a) => a.id !== id)}
                collections={collections.map((c) => ({ value: c.id, label: `${c.name} (${c.documents} documents)` }))}
                secrets={secrets?.secrets.map((s) => s.name) ?? null}
                entryOf={sites.filter((s) => s.entryAgent === id).map((s) => s.key)}
                reload={() => void load.reload()}
              />
            ) : (
              <Versions org={org} agent={agent} reload={() => void load.reload()} />
            )}
          </TabPanel>
        </>
      )}
    </Await>
  );
}

function AgentForm({
  org,
  agent,
  draft,
  draftBase,
  others,
  collections,
  secrets,
  entryOf,
  reload,
}: {
  org: string;
  agent: AgentOut;
  draft: AgentConfig | null;
  draftBase: number | null;
  others: AgentOut[];
  collections: { value: string; label: string }[];
  secrets: string[] | null;
  entryOf: string[];
  reload: () => void;
}) {
  const [a, setA] = useState<Editable>(editable(draft ?? agent));
  const [touched, setTouched] = useState(false);
  const save = useAction();
  const publish = useAction();
  const discard = useAction();
  const remove = useAction();
  const error = save.error ?? publish.error;
  const f = error?.fields ?? {};
  const graphError = error?.code === "invalid_agent_graph" ? error : null;
  const set = (path: string, value: unknown) => {
    setTouched(true);
    setA((cur) => setIn(cur, path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)), value));
  };
  const family = (a.model.family ?? "openai") as ModelFamily;
  const allows = (option: string) => (OPTIONS[option] ?? []).includes(family);
  const agentOptions = others.map((o) => ({ value: o.id, label: `${o.name} (${o.id})` }));

  const saveDraft = () => save.run(() => saveAgentDraft(org, agent.id, a));
  return (
    <form
      class="ad-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await saveDraft()) {
          setTouched(false);
          notify("Draft saved: try it in the playground");
          reload();
        }
      }}
    >
      {draft ? (
        <p class="ad-banner" role="note">
          You are editing a draft{draftBase !== null && draftBase < agent.version ? ` based on v${draftBase}; v${agent.version} was published since` : ""}. Visitors still get v{agent.version}; the playground runs the
          draft.
        </p>
      ) : null}
      {entryOf.length ? <p class="ad-hint">Entry agent of {entryOf.join(", ")}: visitors talk to it first.</p> : null}

      <Section title="Who it is">
        <TextField label="Name" maxLength={80} value={a.name} onValue={(v) => set("name", v)} error={f.name} />
        <TextArea label="What it does" rows={2} value={a.description} onValue={(v) => set("description", v)} error={f.description} hint="What a router reads to choose it." />
        <TextArea label="Instructions" rows={8} value={a.instructions ?? ""} onValue={(v) => set("instructions", v)} error={f.instructions} hint="Its system prompt." />
      </Section>

      <Section title="Model">
        <div class="ad-row">
          <SelectField
            label="Model family"
            value={family}
            onValue={(v) => {
              // Options one family takes and the next does not would be refused: drop them.
              const m: Record<string, unknown> = { ...a.model, family: v };
              for (const [option, families] of Object.entries(OPTIONS)) if (!families.includes(v)) delete m[option];
              if (v !== a.model.family) m.name = MODELS[v][0];
              set("model", m);
            }}
            options={FAMILIES}
            error={f["model.family"]}
          />
          <TextField label="Model name" value={a.model.name ?? ""} onValue={(v) => set("model.name", v || undefined)} error={f["model.name"]} list="ad-models" />
          <datalist id="ad-models">
            {MODELS[family].map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </div>
        {family !== "offline" ? (
          <>
            <TextField
              label="Endpoint (baseURL)"
              type="url"
              placeholder={family === "openai-compatible" ? "https://vllm.example/v1" : "the family's public API"}
              value={a.model.baseURL ?? ""}
              onValue={(v) => set("model.baseURL", v || undefined)}
              error={f["model.baseURL"]}
            />
            {secrets ? (
              <SelectField
                label="API key"
                value={a.model.apiKeySecret ?? ""}
                onValue={(v) => set("model.apiKeySecret", v || undefined)}
                options={[{ value: "", label: "The platform's key for this family" }, ...secrets.map((s) => ({ value: s, label: `Org secret ${s}` }))]}
                error={f["model.apiKeySecret"]}
                hint={
                  <>
                    Keys live in <Link href={`/admin/orgs/${org}/secrets`}>Secrets</Link>; agents name them.
                  </>
                }
              />
            ) : (
              <TextField label="API key (org secret name)" value={a.model.apiKeySecret ?? ""} onValue={(v) => set("model.apiKeySecret", v || undefined)} error={f["model.apiKeySecret"]} hint="The name of an org secret; empty: the platform's key." />
            )}
            <div class="ad-row">
              <TextField
                label="Temperature"
                type="number"
                min={0}
                max={2}
                step={0.1}
                value={a.model.temperature === undefined ? "" : String(a.model.temperature)}
                onValue={(v) => set("model.temperature", v === "" ? undefined : Number(v))}
                error={f["model.temperature"]}
              />
              <TextField
                label="Max output tokens"
                type="number"
                min={16}
                max={32000}
                value={String(a.model.maxOutputTokens ?? 1024)}
                onValue={(v) => set("model.maxOutputTokens", v === "" ? undefined : Number(v))}
                error={f["model.maxOutputTokens"]}
              />
              {allows("reasoningEffort") ? (
                <SelectField
                  label="Reasoning effort"
                  value={a.model.reasoningEffort ?? ""}
                  onValue={(v) => set("model.reasoningEffort", v || undefined)}
                  options={[{ value: "", label: "default" }, ...["none", "minimal", "low", "medium", "high"].map((x) => ({ value: x, label: x }))]}
                  error={f["model.reasoningEffort"]}
                />
              ) : null}
            </div>
            {allows("thinking") ? (
              <CheckField
                label="Thinking"
                checked={a.model.thinking === true}
                onValue={(on) => {
                  set("model.thinking", on ? true : undefined);
                  if (!on) set("model.thinkingBudget", undefined);
                }}
              />
            ) : null}
            {allows("thinkingBudget") && a.model.thinking ? (
              <TextField
                label="Thinking budget (tokens)"
                type="number"
                min={0}
                max={32000}
                value={a.model.thinkingBudget === undefined ? "" : String(a.model.thinkingBudget)}
                onValue={(v) => set("model.thinkingBudget", v === "" ? undefined : Number(v))}
                error={f["model.thinkingBudget"]}
              />
            ) : null}
            {allows("extraBody") ? <JsonField label="Extra request body (JSON)" value={a.model.extraBody ?? {}} onValue={(v) => set("model.extraBody", v && Object.keys(v).length ? v : undefined)} error={f["model.extraBody"]} /> : null}
          </>
        ) : (
          <p class="ad-hint">No model: the offline provider answers only with a passage of your knowledge that answers, and says so when none does.</p>
        )}
      </Section>

      <Section title="What it reads and does">
        <CheckGroup legend="Knowledge" options={collections} value={a.knowledge ?? []} onValue={(v) => set("knowledge", v)} error={f.knowledge} empty={<Link href={`/admin/orgs/${org}/knowledge`}>Add knowledge first</Link>} hint="Collections its search_knowledge reads." />
        <CheckGroup legend="Built-in tools" options={BUILTINS} value={a.tools ?? []} onValue={(v) => set("tools", v)} error={f.tools} />
        <HttpTools org={org} tools={(a.httpTools ?? []) as HttpToolConfig[]} onTools={(t) => set("httpTools", t)} f={f} secrets={secrets} />
      </Section>

      <Section title="Team" description="Delegation: it asks a specialist and consolidates the answer. Transfer: it hands the whole conversation over.">
        {graphError ? (
          <p class="ad-field-error" role="alert">
            {graphError.message}
          </p>
        ) : null}
        <CheckGroup legend="Delegates to" options={agentOptions} value={a.delegates ?? []} onValue={(v) => set("delegates", v)} error={f.delegates} empty="No other agent yet." />
        <CheckGroup legend="May transfer the conversation to" options={agentOptions} value={a.transfers ?? []} onValue={(v) => set("transfers", v)} error={f.transfers} empty="No other agent yet." />
        <SelectField
          label="Fallback when a delegation to this agent fails"
          value={a.fallbackAgent ?? ""}
          onValue={(v) => set("fallbackAgent", v || undefined)}
          options={[{ value: "", label: "None" }, ...agentOptions]}
          error={f.fallbackAgent}
        />
        <TextField label="Team (for team budgets)" value={a.team ?? ""} onValue={(v) => set("team", v || undefined)} error={f.team} />
        <TextField
          label="Offline keywords"
          value={(a.keywords ?? []).join(", ")}
          onValue={(v) =>
            set(
              "keywords",
              v
                .split(",")
                .map((k) => k.trim())
                .filter(Boolean),
            )
          }
          error={f.keywords}
          hint="Comma-separated words that route a question here when no model is configured."
        />
      </Section>

      <Section title="Limits">
        <div class="ad-row">
          <TextField label="Timeout (ms)" type="number" min={1000} max={600000} value={String(a.timeoutMs ?? 60000)} onValue={(v) => set("timeoutMs", Number(v))} error={f.timeoutMs} />
          <TextField label="Model turns per run" type="number" min={1} max={50} value={String(a.maxTurns ?? 8)} onValue={(v) => set("maxTurns", Number(v))} error={f.maxTurns} />
          <TextField label="Tool calls per run" type="number" min={0} max={100} value={String(a.maxToolCalls ?? 16)} onValue={(v) => set("maxToolCalls", Number(v))} error={f.maxToolCalls} />
          <TextField label="Parallel delegations" type="number" min={1} max={16} value={String(a.maxParallel ?? 4)} onValue={(v) => set("maxParallel", Number(v))} error={f.maxParallel} />
        </div>
      </Section>

      {error && !graphError && !Object.keys(f).length ? <ErrorNote error={error} /> : null}
      {Object.keys(f).length ? (
        <p class="ad-field-error" role="alert">
          Some fields need a look: {Object.keys(f).join(", ")}.
        </p>
      ) : null}
      <div class="ad-savebar ad-dirty">
        <Button type="submit" busy={save.busy} busyLabel="Saving…">
          Save draft
        </Button>
        <Button
          kind="primary"
          busy={publish.busy}
          busyLabel="Publishing…"
          onClick={async () => {
            const ok = await publish.run(async () => {
              await saveAgentDraft(org, agent.id, a);
              await publishAgentDraft(org, agent.id);
            });
            if (ok) {
              setTouched(false);
              notify("Published: visitors get the new version");
              reload();
            }
          }}
        >
          Publish
        </Button>
        {draft ? (
          <Button
            busy={discard.busy}
            onClick={async () => {
              if (await discard.run(() => discardAgentDraft(org, agent.id))) {
                setA(editable(agent));
                setTouched(false);
                notify("Draft discarded");
                reload();
              }
            }}
          >
            Discard draft
          </Button>
        ) : touched ? (
          <Button
            onClick={() => {
              setA(editable(agent));
              setTouched(false);
            }}
          >
            Undo changes
          </Button>
        ) : null}
      </div>
      <Section title="Delete this agent">
        <ErrorNote error={remove.error} />
        <DangerButton
          label={`delete ${agent.name}`}
          busy={remove.busy}
          onConfirm={async () => {
            if (await remove.run(() => deleteAgent(org, agent.id))) {
              notify("Agent deleted");
              navigate(`/admin/orgs/${org}/agents`);
            }
          }}
        >
          Delete agent
        </DangerButton>
      </Section>
    </form>
  );
}
