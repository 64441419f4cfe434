/**
 * Checks an org's agents as a delegation graph before a write is accepted: every delegate,
 * transfer and fallback must exist, delegation must not loop (A → B → A), and no chain may be
 * longer than the engine allows. The engine refuses these at run time too; refusing them at
 * write time tells the owner which path is wrong before a visitor meets it.
 */
import type { AgentConfig } from "../../shared/config";

export function agentGraphProblem(agents: AgentConfig[], maxDepth: number): string | null {
  const byId = new Map(agents.map((a) => [a.id, a]));
  for (const a of agents) {
    for (const [kind, target] of [
      ...a.delegates.map((d) => ["delegate", d] as const),
      ...a.transfers.map((t) => ["transfer", t] as const),
      ...(a.fallbackAgent ? [["fallback", a.fallbackAgent] as const] : []),
    ]) {
      if (!byId.has(target)) return `${a.id} → ${target}: no agent "${target}" exists (${kind})`;
    }
  }

  // Depth-first over delegate edges: a repeated node on the path is a cycle; the longest
  // path is the deepest chain a conversation could build.
  let longest: string[] = [];
  const visit = (id: string, path: string[]): string | null => {
    if (path.includes(id)) return `delegation cycle: ${[...path.slice(path.indexOf(id)), id].join(" → ")}`;
    const next = [...path, id];
    if (next.length > longest.length) longest = next;
    for (const d of byId.get(id)?.delegates ?? []) {
      const problem = visit(d, next);
      if (problem) return problem;
    }
    return null;
  };
  for (const a of agents) {
    const problem = visit(a.id, []);
    if (problem) return problem;
  }
  if (longest.length - 1 > maxDepth) {
    return `delegation chain too deep: ${longest.join(" → ")} is ${longest.length - 1} hops; the limit is ${maxDepth}`;
  }
  return null;
}

/** Agents and sites that name `id`, so it cannot be deleted from under them. */
export function referrers(agents: AgentConfig[], id: string): string[] {
  return agents
    .filter((a) => a.id !== id && (a.delegates.includes(id) || a.transfers.includes(id) || a.fallbackAgent === id))
    .map((a) => `agent ${a.id}`);
}
