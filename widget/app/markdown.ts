/**
 * A safe Markdown subset for messages from the model, staff and visitors: paragraphs,
 * line breaks, **bold**, *italic*, `code`, fenced code blocks, bullet and numbered lists,
 * [links](https://…) and bare URLs. It builds Preact nodes, never HTML strings, so any
 * markup in a message renders as text; links are limited to http(s) and mailto and open
 * in a new tab with rel="noopener noreferrer".
 */
import { type ComponentChildren, h } from "preact";

export function safeHref(url: string, base: string): string | null {
  try {
    const parsed = new URL(url, base);
    return ["http:", "https:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

const INLINE = /(\*\*([^*]+)\*\*)|(`([^`]+)`)|(\[([^\]]+)\]\(([^)\s]+)\))|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])|(\*([^*\s][^*]*)\*)/g;

export function inline(text: string, base: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const index = m.index ?? 0;
    if (index > last) out.push(text.slice(last, index));
    if (m[1]) out.push(h("strong", null, inline(m[2] ?? "", base)));
    else if (m[3]) out.push(h("code", null, m[4]));
    else if (m[5]) out.push(link(m[6] ?? "", m[7] ?? "", base));
    else if (m[8]) out.push(link(m[8], m[8], base));
    else if (m[9]) out.push(h("em", null, inline(m[10] ?? "", base)));
    last = index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function link(label: string, url: string, base: string): ComponentChildren {
  const href = safeHref(url, base);
  if (!href) return label;
  return h("a", { href, target: "_blank", rel: "noopener noreferrer" }, label);
}

function withBreaks(text: string, base: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  text.split("\n").forEach((line, i) => {
    if (i) out.push(h("br", null));
    out.push(...inline(line, base));
  });
  return out;
}

export function markdown(text: string, base: string): ComponentChildren[] {
  const blocks: ComponentChildren[] = [];
  const parts = text.replace(/\r\n?/g, "\n").split(/(```[^\n]*\n[\s\S]*?(?:```|$))/);
  for (const part of parts) {
    if (part.startsWith("```")) {
      const body = part.replace(/^```[^\n]*\n/, "").replace(/```$/, "");
      blocks.push(h("pre", null, h("code", null, body.replace(/\n$/, ""))));
      continue;
    }
    for (const block of part.split(/\n{2,}/)) {
      const trimmed = block.trim();
      if (!trimmed) continue;
      const lines = trimmed.split("\n");
      if (lines.every((l) => /^\s*[-*•]\s+/.test(l))) {
        blocks.push(h("ul", null, lines.map((l) => h("li", null, inline(l.replace(/^\s*[-*•]\s+/, ""), base)))));
      } else if (lines.every((l) => /^\s*\d+[.)]\s+/.test(l))) {
        blocks.push(h("ol", null, lines.map((l) => h("li", null, inline(l.replace(/^\s*\d+[.)]\s+/, ""), base)))));
      } else {
        const heading = trimmed.match(/^#{1,6}\s+(.*)$/);
        if (heading && lines.length === 1) blocks.push(h("p", null, h("strong", null, inline(heading[1] ?? "", base))));
        else blocks.push(h("p", null, withBreaks(trimmed, base)));
      }
    }
  }
  return blocks;
}
