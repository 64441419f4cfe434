/**
 * A conversation's execution log as a tree (turns, runs, model and tool calls, delegations,
 * retrievals…), with what each agent spent: runs, time and tokens.
 */
import type { TraceNode } from "../../shared/trace";
import { TableWrap } from "./ui";

const flatten = (nodes: TraceNode[]): TraceNode[] => nodes.flatMap((n) => [n, ...flatten(n.children)]);

/** Per agent: its runs' time, and its model calls' tokens. */
export function perAgent(roots: TraceNode[]): { agent: string; runs: number; ms: number; tokensIn: number; tokensOut: number }[] {
  const rows = new Map<string, { agent: string; runs: number; ms: number; tokensIn: number; tokensOut: number }>();
  for (const span of flatten(roots)) {
    if (!span.agentId) continue;
    const row = rows.get(span.agentId) ?? { agent: span.agentId, runs: 0, ms: 0, tokensIn: 0, tokensOut: 0 };
    if (span.kind === "run") {
      row.runs++;
      row.ms += span.durationMs ?? 0;
    }
    if (span.kind === "model") {
      row.tokensIn += span.tokensIn;
      row.tokensOut += span.tokensOut;
    }
    rows.set(span.agentId, row);
  }
  return [...rows.values()];
}

const ms = (n: number | null) => (n === null ? "running" : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`);

function Span({ node }: { node: TraceNode }) {
  const tokens = node.tokensIn || node.tokensOut ? ` · ${node.tokensIn}→${node.tokensOut} tokens` : "";
  return (
    <li class={`ad-span ad-span-${node.status}`} data-kind={node.kind}>
      <span class="ad-span-kind">{node.kind}</span> <span class="ad-span-name">{node.name}</span>
      {node.agentId ? <span class="ad-span-agent"> · {node.agentId}</span> : null}
      <span class="ad-span-meta">
        {" "}
        · {node.status} · {ms(node.durationMs)}
        {tokens}
      </span>
      {node.error ? <p class="ad-span-error">{node.error}</p> : null}
      {node.children.length ? (
        <ul>
          {node.children.map((c) => (
            <Span key={c.id} node={c} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function TraceView({ roots, heading = "Trace" }: { roots: TraceNode[]; heading?: string }) {
  if (!roots.length) return <p class="ad-hint">Nothing ran yet: the trace appears after the first answer.</p>;
  const agents = perAgent(roots);
  return (
    <div class="ad-trace">
      <TableWrap label={`${heading}: per agent`}>
      <table class="ad-table ad-compact">
        <caption>{heading}: per agent</caption>
        <thead>
          <tr>
            <th scope="col">Agent</th>
            <th scope="col">Runs</th>
            <th scope="col">Time</th>
            <th scope="col">Tokens in / out</th>
          </tr>
        </thead>
        <tbody>
          {agents.map((a) => (
            <tr key={a.agent} data-agent={a.agent}>
              <td>{a.agent}</td>
              <td>{a.runs}</td>
              <td>{ms(a.ms)}</td>
              <td>
                {a.tokensIn} / {a.tokensOut}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </TableWrap>
      <ul class="ad-tree" aria-label={`${heading}: spans`}>
        {roots.map((r) => (
          <Span key={r.id} node={r} />
        ))}
      </ul>
    </div>
  );
}
