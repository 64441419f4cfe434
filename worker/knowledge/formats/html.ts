/**
 * HTML into sections: each `<h1>`…`<h6>` starts a section under that heading, so a help
 * article's "Billing › Refunds" part can be cited by its heading. The page chrome (scripts,
 * styles, navigation, header, footer, forms) is left out as in `../extract.ts`. The runtime's
 * HTMLRewriter copes with broken markup the way a browser would; it hands text over with its
 * character references as written, so they are decoded here.
 */
import { decodeEntities } from "./entities";
import { tidy, type Section } from "./types";

const SKIP = new Set(["script", "style", "noscript", "template", "svg", "nav", "header", "footer", "form", "iframe", "head"]);
const BLOCK = new Set([
  "p", "div", "section", "article", "main", "aside", "li", "ul", "ol", "br", "hr", "tr", "table", "td", "th",
  "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "dd", "dt", "figcaption", "caption",
]);
const HEADING = /^h[1-6]$/;
const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"]);

export interface HtmlSections {
  title: string | null;
  lang?: string;
  sections: Section[];
}

const oneLine = (s: string) => decodeEntities(s).replace(/\s+/g, " ").trim();

export async function htmlSections(html: string): Promise<HtmlSections> {
  const sections: Section[] = [];
  let heading: string | undefined;
  let parts: string[] = [];
  let headingParts: string[] | null = null;
  let skipDepth = 0;
  let inTitle = false;
  let title = "";
  let firstH1 = "";
  let lang: string | undefined;

  const flush = () => {
    const text = tidy(decodeEntities(parts.join("")));
    if (text) sections.push({ ...(heading ? { heading } : {}), text });
    parts = [];
  };

  const rewriter = new HTMLRewriter()
    .on("html", {
      element(el) {
        lang ??= el.getAttribute("lang")?.trim() || undefined;
      },
    })
    .on("*", {
      element(el) {
        const tag = el.tagName;
        // A void element (<br>, <img>) has no end tag to wait for.
        const closes = !VOID.has(tag);
        if (tag === "title") {
          inTitle = true;
          if (closes) el.onEndTag(() => void (inTitle = false));
          return;
        }
        if (SKIP.has(tag)) {
          skipDepth++;
          if (closes) el.onEndTag(() => void skipDepth--);
          else skipDepth--;
          return;
        }
        if (HEADING.test(tag) && skipDepth === 0) {
          flush();
          headingParts = [];
          if (closes)
            el.onEndTag(() => {
              const raw = (headingParts ?? []).join("").replace(/\s+/g, " ").trim();
              headingParts = null;
              const text = oneLine(raw);
              if (!text) return;
              heading = text;
              if (tag === "h1" && !firstH1) firstH1 = text;
              // The heading is also the section's first line: it is part of what was written.
              parts.push(`${raw}\n`);
            });
          return;
        }
        if (BLOCK.has(tag)) {
          parts.push("\n");
          if (closes) el.onEndTag(() => void parts.push("\n"));
        }
      },
    })
    .onDocument({
      text(t) {
        if (inTitle) {
          title += t.text;
          return;
        }
        if (skipDepth > 0) return;
        if (headingParts) headingParts.push(t.text);
        else parts.push(t.text);
      },
    });
  await rewriter.transform(new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } })).arrayBuffer();
  flush();
  return { title: oneLine(title) || firstH1 || null, ...(lang ? { lang } : {}), sections };
}

/** The visible text of an HTML fragment (an FAQ answer written in HTML). */
export async function htmlToText(html: string): Promise<string> {
  const { sections } = await htmlSections(html);
  return sections.map((s) => s.text).join("\n\n");
}

/** Whether a string looks like markup rather than text that happens to hold a "<". */
export const looksLikeHtml = (text: string) => /<\/?[a-z][a-z0-9]*(\s[^<>]*)?\/?>/i.test(text);
