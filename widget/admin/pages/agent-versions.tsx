/**
 * An agent's versions: the history, any two compared (a line diff of their JSON), and a
 * rollback to one of them (written as the next version).
 */
import { useState } from "preact/hooks";
import type { AgentOut } from "../../../shared/admin";
import type { AgentConfigInput } from "../../../shared/config";
import { jsonDiff } from "../diff";
import { listAgentVersions, rollbackAgent } from "../endpoints";
import { Await, Button, ErrorNote, notify, Section, SelectField, useAction, useLoad, when } from "../ui";

/** The config of a version, without its version stamp. */
const configOf = (v: AgentOut | undefined): Partial<AgentConfigInput> => {
  if (!v) return {};
  const { version: _v, updatedAt: _u, ...config } = v;
  return config;
};

export function Versions({ org, agent, reload }: { org: string; agent: AgentOut; reload: () => void }) {
  const versions = useLoad(() => listAgentVersions(org, agent.id), [org, agent.id, agent.version]);
  const [from, setFrom] = useState(Math.max(1, agent.version - 1));
  const [to, setTo] = useState(agent.version);
  const rollback = useAction();
  return (
    <Await load={versions}>
      {({ versions: list }) => {
        const byVersion = new Map(list.map((v) => [v.version, v]));
        const a = byVersion.get(from);
        const b = byVersion.get(to);
                const lines = jsonDiff(configOf(a), configOf(b));
        const changed = lines.filter((l) => l.kind !== "same").length;
        const options = list.map((v) => ({ value: String(v.version), label: `v${v.version} · ${when(v.updatedAt)}${v.version === agent.version ? " (current)" : ""}` }));
        return (
          <>
            <Section title="History">
              <ul class="ad-versions">
                {[...list].reverse().map((v) => (
                  <li key={v.version}>
                    <span>
                      v{v.version} · {when(v.updatedAt)} {v.version === agent.version ? <span class="ad-badge">current</span> : null}
                    </span>
                    {v.version !== agent.version ? (
                      <Button
                        small
                        busy={rollback.busy}
                        onClick={async () => {
                          if (await rollback.run(() => rollbackAgent(org, agent.id, v.version))) {
                            notify(`Rolled back: v${v.version} is current again (as v${agent.version + 1})`);
                            reload();
                          }
                        }}
                      >
                        Roll back to v{v.version}
                      </Button>
                    ) : null}
                  </li>
                ))}
              </ul>
              <ErrorNote error={rollback.error} />
            </Section>
            <Section title="Compare">
              <div class="ad-row">
                <SelectField label="From" value={String(from)} onValue={(v) => setFrom(Number(v))} options={options} />
                <SelectField label="To" value={String(to)} onValue={(v) => setTo(Number(v))} options={options} />
              </div>
              <p class="ad-sub" role="status">
                {changed ? `${changed} changed line${changed === 1 ? "" : "s"}` : "No difference"}
              </p>
              <pre class="ad-diff" tabIndex={0} aria-label={`Changes from v${from} to v${to}`}>
                {lines.map((l, i) => (
                  <span key={i} class={`ad-diff-${l.kind}`}>
                    {l.kind === "added" ? "+ " : l.kind === "removed" ? "- " : "  "}
                    {l.text}
                    {"\n"}
                  </span>
                ))}
              </pre>
            </Section>
          </>
        );
      }}
    </Await>
  );
}
