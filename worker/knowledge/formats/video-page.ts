/**
 * A video page's transcript: the caption files it links — `<track kind="captions|subtitles">`
 * inside `<video>`, and schema.org `VideoObject` JSON-LD (`caption`, `transcript`) — found
 * here, fetched by the caller's `fetch` (the outbound-fetch guard, so every URL a tenant
 * names is checked), parsed as WebVTT or SRT. Citations point at the page the video plays
 * on, with `#t=` for the moment.
 */
import { readLimited } from "../../http/read-limited";
import { ApiError } from "../../http/errors";
import { captionsDocument, parseSrt, parseVtt, sniffCaptions } from "./captions";
import { checkDocumentText, tidy, type FormatLimits, type ParsedDocument } from "./types";

export interface CaptionTrack {
  url: string;
  kind: "captions" | "subtitles";
  lang?: string;
  label?: string;
  /** The `<track default>`, or the only caption of a JSON-LD video. */
  isDefault: boolean;
  from: "track" | "json-ld";
  /** A declared MIME type (JSON-LD `encodingFormat`). */
  type?: string;
}

export interface VideoPage {
  title: string | null;
  /** The video's own address, if the page names one (`<video src>`, JSON-LD `contentUrl`). */
  videoUrl?: string;
  tracks: CaptionTrack[];
  /** Transcripts written into the page's JSON-LD (`VideoObject.transcript`). */
  transcripts: { text: string; lang?: string }[];
}

function absolute(raw: string | null | undefined, base: string): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw.trim(), base);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const asArray = <T>(v: T | T[] | undefined | null): T[] => (v == null ? [] : Array.isArray(v) ? v : [v]);
const typeOf = (node: Record<string, unknown>) => asArray(node["@type"] as string | string[] | undefined).map(String);

/** Every object of a JSON-LD value, depth-first (`@graph`, nested `video`, arrays). */
function* objects(value: unknown, depth = 0): Generator<Record<string, unknown>> {
  if (depth > 12 || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const v of value) yield* objects(v, depth + 1);
    return;
  }
  const node = value as Record<string, unknown>;
  yield node;
  for (const v of Object.values(node)) if (v && typeof v === "object") yield* objects(v, depth + 1);
}

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v.trim() || undefined;
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    return str(o["@value"]) ?? str(o.name) ?? str(o.alternateName);
  }
  return undefined;
}

export async function findCaptionTracks(html: string, pageUrl: string): Promise<VideoPage> {
  const tracks: CaptionTrack[] = [];
  const transcripts: VideoPage["transcripts"] = [];
  const scripts: string[] = [];
  let current: string[] | null = null;
  let title = "";
  let inTitle = false;
  let videoUrl: string | undefined;
  let ldTitle: string | undefined;

  await new HTMLRewriter()
    .on("title", {
      element(el) {
        inTitle = true;
        el.onEndTag(() => void (inTitle = false));
      },
      text(t) {
        if (inTitle) title += t.text;
      },
    })
    .on("video[src], video source[src]", {
      element(el) {
        videoUrl ??= absolute(el.getAttribute("src"), pageUrl);
      },
    })
    .on("track[src]", {
      element(el) {
        // A track without `kind` is subtitles (HTML's default); chapters and metadata are not speech.
        const kind = (el.getAttribute("kind") ?? "subtitles").trim().toLowerCase();
        if (kind !== "captions" && kind !== "subtitles") return;
        const url = absolute(el.getAttribute("src"), pageUrl);
        if (!url) return;
        const lang = el.getAttribute("srclang")?.trim();
        const label = el.getAttribute("label")?.trim();
        tracks.push({ url, kind, isDefault: el.hasAttribute("default"), from: "track", ...(lang ? { lang } : {}), ...(label ? { label } : {}) });
      },
    })
    .on('script[type="application/ld+json"]', {
      element(el) {
        current = [];
        scripts.push("");
        el.onEndTag(() => {
          scripts[scripts.length - 1] = (current ?? []).join("");
          current = null;
        });
      },
      text(t) {
        current?.push(t.text);
      },
    })
    .transform(new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } }))
    .arrayBuffer();

  for (const script of scripts) {
    let data: unknown;
    try {
      data = JSON.parse(script);
    } catch {
      continue; // A broken JSON-LD block is the page's problem, not a reason to fail.
    }
    for (const node of objects(data)) {
      if (!typeOf(node).includes("VideoObject")) continue;
      ldTitle ??= str(node.name);
      videoUrl ??= absolute(str(node.contentUrl), pageUrl);
      const videoLang = str(node.inLanguage);
      const captions = asArray(node.caption as unknown);
      for (const caption of captions) {
        const c = typeof caption === "string" ? { contentUrl: caption } : (caption as Record<string, unknown>);
        if (!c || typeof c !== "object") continue;
        const url = absolute(str(c.contentUrl) ?? str(c.url) ?? (typeof caption === "string" ? caption : undefined), pageUrl);
        if (!url) continue;
        const lang = str(c.inLanguage) ?? videoLang;
        const type = str(c.encodingFormat);
        tracks.push({ url, kind: "captions", isDefault: captions.length === 1, from: "json-ld", ...(lang ? { lang } : {}), ...(type ? { type } : {}) });
      }
      const transcript = str(node.transcript);
      if (transcript) transcripts.push({ text: transcript, ...(videoLang ? { lang: videoLang } : {}) });
    }
  }

  const seen = new Set<string>();
  const unique = tracks.filter((t) => !seen.has(t.url) && seen.add(t.url));
  return { title: ldTitle ?? (title.replace(/\s+/g, " ").trim() || null), ...(videoUrl ? { videoUrl } : {}), tracks: unique, transcripts };
}

/**
 * The track a reader of `lang` would pick: one in that language (exact tag, then the same
 * primary language), then the page's default, then captions before subtitles, then page order.
 */
export function pickTrack(tracks: CaptionTrack[], lang?: string): CaptionTrack | undefined {
  const want = lang?.toLowerCase();
  const score = (t: CaptionTrack) => {
    const l = t.lang?.toLowerCase();
    let s = 0;
    if (want && l === want) s += 8;
    else if (want && l && l.split("-")[0] === want.split("-")[0]) s += 4;
    if (t.isDefault) s += 2;
    if (t.kind === "captions") s += 1;
    return s;
  };
  return tracks.map((t, i) => ({ t, i, s: score(t) })).sort((a, b) => b.s - a.s || a.i - b.i)[0]?.t;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * The transcript of the video on `pageUrl`, whose HTML the caller already fetched. Caption
 * files are fetched with `fetch` (pass the outbound guard) and read up to `limits.textBytes`.
 */
export async function transcriptFromVideoPage(
  pageUrl: string,
  html: string,
  fetch: FetchLike,
  limits: FormatLimits,
  options: { lang?: string; signal?: AbortSignal } = {},
): Promise<ParsedDocument> {
  const page = await findCaptionTracks(html, pageUrl);
  const track = pickTrack(page.tracks, options.lang);
  if (track) {
    const response = await fetch(track.url, { headers: { accept: "text/vtt, application/x-subrip, text/plain;q=0.5" }, ...(options.signal ? { signal: options.signal } : {}) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new ApiError(502, "fetch_failed", `the captions at ${track.url} answered ${response.status}`);
    }
    const { bytes, truncated, reader } = await readLimited(response.body, limits.textBytes, options.signal);
    if (truncated) {
      await reader?.cancel();
      throw new ApiError(413, "payload_too_large", `the captions at ${track.url} are larger than ${limits.textBytes} bytes`);
    }
    const text = new TextDecoder().decode(bytes);
    const format = sniffCaptions(text);
    if (!format) throw new ApiError(422, "malformed_file", `the captions at ${track.url} are neither WebVTT nor SRT`);
    const file = format === "vtt" ? parseVtt(text, limits) : parseSrt(text, limits);
    const lang = track.lang ?? file.lang;
    return captionsDocument(file, format, limits, { title: page.title ?? file.title ?? null, url: pageUrl, ...(lang ? { lang } : {}) });
  }
  const transcript = page.transcripts.find((t) => !options.lang || t.lang?.toLowerCase().startsWith(options.lang.toLowerCase().split("-")[0]!)) ?? page.transcripts[0];
  if (transcript) {
    // A transcript written into the page has no timings: one untimed section.
    const sections = [{ text: tidy(transcript.text) }];
    checkDocumentText(sections, limits, "the transcript");
    return { format: "text", title: page.title, sections, url: pageUrl, ...(transcript.lang ? { lang: transcript.lang } : {}) };
  }
  throw new ApiError(422, "no_captions", `${pageUrl} links no captions or transcript (no <track kind="captions|subtitles"> and no VideoObject caption or transcript)`);
}
