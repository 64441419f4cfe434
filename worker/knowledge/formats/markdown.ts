/**
 * Markdown into sections: each ATX (`## Refunds`) or setext (`Refunds\n---`) heading starts
 * a section; headings inside fenced code do not. A YAML front matter block is read for the
 * few keys a help-center export carries (`title`, `url`, `lang`) and left out of the text.
 * The Markdown itself is kept (the widget renders it).
 */
import { tidy, type Section } from "./types";

export interface MarkdownSections {
  title: string | null;
  url?: string;
  lang?: string;
  sections: Section[];
}

/** Flat `key: value` pairs of a front matter block; nested YAML is ignored. */
export function frontMatter(markdown: string): { data: Record<string, string>; body: string } {
  const m = markdown.match(/^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/);
  if (!m) return { data: {}, body: markdown.replace(/^\uFEFF/, "") };
  const data: Record<string, string> = {};
  for (const line of (m[1] ?? "").split(/\r?\n/)) {
    const kv = line.match(/^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$/);
    if (!kv) continue;
    let value = kv[2] ?? "";
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    if (value && !/^[|>]$/.test(value)) data[(kv[1] ?? "").toLowerCase()] = value;
  }
  return { data, body: markdown.slice(m[0].length) };
}

const httpUrl = (s: string | undefined) => (s && /^https?:\/\/\S+$/i.test(s) ? s : undefined);

export function markdownSections(markdown: string): MarkdownSections {
  const { data, body } = frontMatter(markdown);
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  const sections: Section[] = [];
  let heading: string | undefined;
  let current: string[] = [];
  let fence: string | null = null;
  let firstH1: string | null = null;

  const flush = () => {
    const text = tidy(current.join("\n"));
    if (text) sections.push({ ...(heading ? { heading } : {}), text });
    current = [];
  };
  const startSection = (level: number, text: string, line: string) => {
    flush();
    heading = text;
    if (level === 1) firstH1 ??= text;
    current.push(line);
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const fenceMark = line.match(/^ {0,3}(`{3,}|~{3,})/);
    if (fenceMark) {
      const mark = fenceMark[1] ?? "";
      if (!fence) fence = mark[0]!.repeat(mark.length);
      else if (mark[0] === fence[0] && mark.length >= fence.length) fence = null;
      current.push(line);
      continue;
    }
    if (fence) {
      current.push(line);
      continue;
    }
    const atx = line.match(/^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/);
    if (atx) {
      startSection(atx[1]!.length, stripInline(atx[2] ?? ""), line);
      continue;
    }
    // Setext: a text line underlined with === (level 1) or --- (level 2).
    const next = lines[i + 1] ?? "";
    if (line.trim() && !/^\s*([-*_>]|\d+\.)\s/.test(line) && /^ {0,3}(=+|-{2,})[ \t]*$/.test(next) && (current.length === 0 || !(current[current.length - 1] ?? "").trim())) {
      startSection(next.trim().startsWith("=") ? 1 : 2, stripInline(line.trim()), `${line}\n${next}`);
      i++;
      continue;
    }
    current.push(line);
  }
  flush();
  const title = data.title || firstH1 || null;
  const url = httpUrl(data.url) ?? httpUrl(data.canonical_url) ?? httpUrl(data.html_url) ?? httpUrl(data.permalink);
  const lang = data.lang || data.locale || data.language;
  return { title, ...(url ? { url } : {}), ...(lang ? { lang } : {}), sections };
}

/** A heading as plain words: links, emphasis and code marks removed. */
function stripInline(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*_`~]+/g, "")
    .replace(/\s+/g, " ")
    .trim();
}
