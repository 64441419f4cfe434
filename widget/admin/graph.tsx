/**
 * The org's agents as a picture: who delegates to whom (solid), who may transfer the
 * conversation to whom (dashed), and fallbacks (dotted), laid out in columns from the sites'
 * entry agents. Each box is a link to that agent's page.
 */
import type { AgentConfig } from "../../shared/config";
import { navigate } from "./router";

const W = 176;
const H = 48;
const GAP_X = 96;
const GAP_Y = 22;

type Edge = { from: string; to: string; kind: "delegate" | "transfer" | "fallback" };

export function AgentGraph({ org, agents, entries, drafts }: { org: string; agents: Pick<AgentConfig, "id" | "name" | "delegates" | "transfers" | "fallbackAgent">[]; entries: Map<string, string[]>; drafts: Set<string> }) {
  const byId = new Map(agents.map((a) => [a.id, a]));
  const edges: Edge[] = agents.flatMap((a) => [
    ...a.delegates.filter((d) => byId.has(d)).map((to) => ({ from: a.id, to, kind: "delegate" as const })),
    ...a.transfers.filter((t) => byId.has(t)).map((to) => ({ from: a.id, to, kind: "transfer" as const })),
    ...(a.fallbackAgent && byId.has(a.fallbackAgent) ? [{ from: a.id, to: a.fallbackAgent, kind: "fallback" as const }] : []),
  ]);
  // Columns: entry agents (and agents nobody delegates to) first, then each delegation hop.
  const delegated = new Set(edges.filter((e) => e.kind === "delegate").map((e) => e.to));
  const level = new Map<string, number>();
  const roots = agents.filter((a) => entries.has(a.id) || !delegated.has(a.id));
  const queue = roots.map((a) => a.id);
  for (const id of queue) level.set(id, 0);
  while (queue.length) {
    const id = queue.shift() as string;
    for (const d of byId.get(id)?.delegates ?? []) {
      if (!byId.has(d) || level.has(d)) continue;
      level.set(d, (level.get(id) ?? 0) + 1);
      queue.push(d);
    }
  }
  for (const a of agents) if (!level.has(a.id)) level.set(a.id, 0);
  const columns: string[][] = [];
  for (const a of agents) (columns[level.get(a.id) ?? 0] ??= []).push(a.id);
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => col.forEach((id, r) => pos.set(id, { x: 16 + c * (W + GAP_X), y: 16 + r * (H + GAP_Y) })));
  const width = 32 + columns.length * W + Math.max(0, columns.length - 1) * GAP_X;
  const height = 32 + Math.max(...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y;

  const path = (e: Edge, i: number) => {
    const a = pos.get(e.from) as { x: number; y: number };
    const b = pos.get(e.to) as { x: number; y: number };
    if (b.x > a.x) {
      const x1 = a.x + W;
      const y1 = a.y + H / 2;
      const x2 = b.x - 6;
      const y2 = b.y + H / 2;
      const mx = (x1 + x2) / 2;
      return `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
    }
    // Same column or backwards: an arc below/above the boxes.
    const bend = 28 + (i % 3) * 10;
    const x1 = a.x + W / 2 + (e.kind === "fallback" ? 20 : -20);
    const y1 = a.y + H;
    const x2 = b.x + W / 2;
    const y2 = b.y + (b.y > a.y ? -6 : H + 6);
    return b.y > a.y ? `M${a.x + W},${a.y + H / 2} C${a.x + W + bend},${a.y + H / 2} ${b.x + W + bend},${b.y + H / 2} ${b.x + W + 6},${b.y + H / 2}` : `M${x1},${y1} C${x1},${y1 + bend} ${x2},${y2 + bend} ${x2},${y2}`;
  };

  return (
    <figure class="ad-graph">
      <svg viewBox={`0 0 ${width} ${Math.max(height, 80)}`} width={width} height={Math.max(height, 80)} role="group" aria-label="How the agents work together">
        <defs>
          {(["delegate", "transfer", "fallback"] as const).map((k) => (
            <marker key={k} id={`ad-arrow-${k}`} viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" class={`ad-arrow-${k}`} />
            </marker>
          ))}
        </defs>
        {edges.map((e, i) => (
          <path key={`${e.kind}-${e.from}-${e.to}`} d={path(e, i)} class={`ad-edge ad-edge-${e.kind}`} marker-end={`url(#ad-arrow-${e.kind})`} data-edge={`${e.from}>${e.to}`}>
            <title>{`${e.from} ${e.kind === "delegate" ? "delegates to" : e.kind === "transfer" ? "may transfer to" : "falls back to"} ${e.to}`}</title>
          </path>
        ))}
        {agents.map((a) => {
          const p = pos.get(a.id) as { x: number; y: number };
          const href = `/admin/orgs/${org}/agents/${a.id}`;
          const sites = entries.get(a.id);
          return (
            <a
              key={a.id}
              href={href}
              class="ad-node"
              data-agent={a.id}
              onClick={(e) => {
                e.preventDefault();
                navigate(href);
              }}
            >
              <rect x={p.x} y={p.y} width={W} height={H} rx="10" class={sites ? "ad-node-box ad-entry" : "ad-node-box"} />
              <text x={p.x + 12} y={p.y + 20} class="ad-node-name">
                {a.name.length > 20 ? `${a.name.slice(0, 19)}…` : a.name}
              </text>
              <text x={p.x + 12} y={p.y + 37} class="ad-node-id">
                {sites ? `entry · ${sites.join(", ")}`.slice(0, 26) : a.id.slice(0, 24)}
                {drafts.has(a.id) ? " · draft" : ""}
              </text>
            </a>
          );
        })}
      </svg>
      <figcaption class="ad-legend">
        <span class="ad-key ad-key-delegate">delegates to</span>
        <span class="ad-key ad-key-transfer">may transfer to</span>
        <span class="ad-key ad-key-fallback">falls back to</span>
        <span class="ad-key ad-key-entry">entry agent of a site</span>
      </figcaption>
    </figure>
  );
}
