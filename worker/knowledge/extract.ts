/**
 * Readable text from what site owners upload or point at: plain text as is, Markdown with
 * its markup kept (the widget renders it), HTML reduced to its visible text with the page
 * chrome (scripts, styles, navigation, header, footer, forms) left out. HTML goes through
 * the runtime's streaming HTMLRewriter, so broken markup is handled the way a browser would;
 * its text comes as written in the source, so character references are decoded once, on the
 * joined text (a reference can be split across text chunks).
 */
import { decodeEntities } from "./formats/entities";

const SKIP = "script, style, noscript, template, svg, nav, header, footer, form, iframe, head";
const BLOCK = new Set([
  "p", "div", "section", "article", "main", "aside", "li", "ul", "ol", "br", "hr", "tr", "table",
  "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "dd", "dt", "figcaption",
]);

export interface Extracted {
  title: string | null;
  text: string;
}

export async function extractHtml(html: string): Promise<Extracted> {
  const parts: string[] = [];
  let skipDepth = 0;
  let title = "";
  let inTitle = false;
  let h1 = "";
  let inH1 = false;
  const rewriter = new HTMLRewriter()
    .on(SKIP, {
      element(el) {
        skipDepth++;
        el.onEndTag(() => {
          skipDepth--;
        });
      },
    })
    .on("title", {
      element(el) {
        inTitle = true;
        el.onEndTag(() => {
          inTitle = false;
        });
      },
      text(t) {
        title += t.text;
      },
    })
    .on("h1", {
      element(el) {
        inH1 = !h1;
        el.onEndTag(() => {
          inH1 = false;
        });
      },
    })
    .on("*", {
      element(el) {
        if (BLOCK.has(el.tagName)) {
          parts.push("\n");
          el.onEndTag(() => {
            parts.push("\n");
          });
        }
      },
      text(t) {
        if (inTitle) return;
        if (skipDepth > 0) return;
        if (inH1) h1 += t.text;
        parts.push(t.text);
      },
    });
  await rewriter.transform(new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } })).arrayBuffer();
  const text = decodeEntities(parts.join(""))
    .replace(/[ \t\u00a0]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  const clean = (s: string) => decodeEntities(s).replace(/\s+/g, " ").trim();
  return { title: clean(title) || clean(h1) || null, text };
}

export function markdownTitle(markdown: string): string | null {
  return markdown.match(/^#\s+(.+)$/m)?.[1]?.trim() ?? null;
}
