#!/usr/bin/env node
// Finds import circles among the worker's modules, type-only imports included (a type that
// several layers need belongs in a module below all of them). Prints each circle and exits
// 1 when there is one. `node scripts/import-cycles.mjs [dir]` (default: worker).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

export function importGraph(root) {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) files.push(path);
    }
  };
  walk(root);
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const info = ts.preProcessFile(text, true, true);
    // `import("…").Type` in a type position is an import too.
    const specifiers = [...info.importedFiles.map((f) => f.fileName), ...[...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1])];
    const edges = new Set();
    for (const spec of specifiers) {
      if (!spec.startsWith(".")) continue;
      const base = resolve(dirname(file), spec);
      const target = [`${base}.ts`, `${base}.tsx`, join(base, "index.ts")].find((p) => known.has(p));
      if (target) edges.add(target);
    }
    graph.set(file, edges);
  }
  return graph;
}

/** Strongly connected components with more than one module (or a module importing itself). */
export function cycles(graph) {
  let index = 0;
  const stack = [];
  const on = new Set();
  const idx = new Map();
  const low = new Map();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(process.argv[2] ?? "worker");
  const found = cycles(importGraph(root));
  for (const component of found) console.log(`circle: ${component.map((f) => relative(process.cwd(), f)).join(", ")}`);
  console.log(found.length ? `${found.length} import circle(s)` : "no import circles");
  process.exit(found.length ? 1 : 0);
}
