/**
 * What the built widget loads, read from the build itself (dist/public): widget.js, the app,
 * the chunks the app imports up front, and the chunks it imports lazily — a locale's strings
 * (one per visitor) and the extras (files, the rating question, the email form, past
 * conversations). Sizes are gzip -9.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT } from "./switchboard";

export const PUBLIC = join(ROOT, "dist", "public");
export const gz = (file: string) => gzipSync(readFileSync(join(PUBLIC, file)), { level: 9 }).byteLength;

/** The files a built module imports: `from"./x.js"`, `import"./x.js"` (static) and `import("./x.js")` (lazy), quoted either way. */
function importsOf(file: string): { static: string[]; lazy: string[] } {
  const code = readFileSync(join(PUBLIC, file), "utf8");
  const resolve = (spec: string) => relative(PUBLIC, join(PUBLIC, dirname(file), spec));
  return {
    static: [...code.matchAll(/(?:from|import)\s*["`](\.{1,2}\/[^"`]+\.js)["`]/g)].map((m) => resolve(m[1] as string)),
    lazy: [...code.matchAll(/import\(\s*["`](\.{1,2}\/[^"`]+\.js)["`]\s*\)/g)].map((m) => resolve(m[1] as string)),
  };
}

/** A module and every file it imports statically, transitively. */
function withStatic(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const dep of importsOf(file).static) withStatic(dep, seen);
  return seen;
}

export interface WidgetFiles {
  /** widget.js, the app and what it imports up front: every visitor who opens the widget. */
  upFront: string[];
  /** Each locale's chunk (and what it needs that is not up front already). */
  locales: { file: string; files: string[] }[];
  /** Every other lazily loaded chunk (and what it needs). */
  extras: string[];
}

export function widgetFiles(): WidgetFiles {
  const upFront = new Set(["widget.js", ...withStatic("widget/app.js")]);
  const lazy = new Set<string>();
  const queue = [...upFront];
  while (queue.length) {
    const file = queue.pop() as string;
    for (const dep of importsOf(file).lazy) if (!lazy.has(dep) && !upFront.has(dep)) (lazy.add(dep), queue.push(...withStatic(dep)));
  }
  const beyond = (file: string) => [...withStatic(file)].filter((f) => !upFront.has(f));
  const localeFiles = [...lazy].filter((f) => /\/(en|fr|ar)-[^/]+\.js$/.test(f));
  const inLocales = new Set(localeFiles.flatMap(beyond));
  return {
    upFront: [...upFront],
    locales: localeFiles.map((file) => ({ file, files: beyond(file) })),
    extras: [...new Set([...lazy].flatMap(beyond))].filter((f) => !inLocales.has(f)),
  };
}

export const total = (files: string[]) => files.reduce((n, f) => n + gz(f), 0);
