/**
 * Video transcripts from WebVTT and SRT caption files. Cues are grouped into passages of a
 * few sentences (a new one after ~600 characters, 90 seconds or a pause of 8 seconds), each
 * keeping the second it starts at, so an answer can link to the moment: `video#t=93`.
 * Rolling captions (each cue repeating the line before, as auto-generated captions do) are
 * folded so the text reads once.
 */
import { decodeEntities } from "./entities";
import { checkDocumentText, malformed, noContent, tidy, tooLarge, type FormatLimits, type ParsedDocument, type Section } from "./types";

export interface Cue {
  startSec: number;
  endSec: number;
  text: string;
}

const PASSAGE_CHARS = 600;
const PASSAGE_SECONDS = 90;
const PAUSE_SECONDS = 8;

const TIMING = /^\s*((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)(?:\s+.*)?$/;

/** "01:02:03.500", "02:03,5" → seconds. */
export function parseTimestamp(stamp: string): number {
  const [clock = "", frac = ""] = stamp.trim().split(/[.,]/);
  const parts = clock.split(":").map(Number);
  let sec = 0;
  for (const p of parts) sec = sec * 60 + p;
  return sec + (frac ? Number(`0.${frac}`) : 0);
}


/** A cue's payload as plain text: voice spans become "Name: ", other tags and SRT styling go. */
function cueText(lines: string[]): string {
  const markup = lines
    .join("\n")
    .replace(/<v(?:\.[\w.-]+)?\s+([^>]+)>/g, "$1: ")
    .replace(/<[^>]*>/g, "")
    .replace(/\{\\[^}]*\}/g, "");
  return decodeEntities(markup)
    .replace(/[\u200e\u200f]/g, "")
    .split("\n")
    .map((l) => l.replace(/\s+/g, " ").trim())
    .filter(Boolean)
    .join("\n");
}

function blocks(text: string): string[][] {
  return text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n/)
    .map((b) => b.split("\n"))
    .filter((b) => b.some((l) => l.trim()));
}

function cuesFrom(blockList: string[][], limits: FormatLimits, kind: string): Cue[] {
  const cues: Cue[] = [];
  for (const block of blockList) {
    const t = block.findIndex((l) => TIMING.test(l));
    // Only the first two lines may hold the timing (after an optional identifier).
    if (t < 0 || t > 1) continue;
    const m = block[t]!.match(TIMING)!;
    const startSec = parseTimestamp(m[1]!);
    const endSec = parseTimestamp(m[2]!);
    const text = cueText(block.slice(t + 1));
    if (!text) continue;
    cues.push({ startSec, endSec: Math.max(endSec, startSec), text });
    if (cues.length > limits.captionCues) throw tooLarge(`the ${kind} file has more than ${limits.captionCues} cues`);
  }
  return cues;
}

export interface CaptionFile {
  cues: Cue[];
  /** Text after "WEBVTT " on the first line, if any. */
  title?: string;
  lang?: string;
}

export function parseVtt(text: string, limits: FormatLimits): CaptionFile {
  const list = blocks(text);
  const header = list[0] ?? [];
  const first = header[0]?.trim() ?? "";
  if (!/^WEBVTT(?:[ \t].*)?$/.test(first)) throw malformed("not a WebVTT file: it must start with WEBVTT");
  const title = first.slice(6).trim().replace(/^-\s*/, "") || undefined;
  const lang = header.map((l) => l.match(/^Language:\s*(\S+)/i)?.[1]).find(Boolean);
  // Header, NOTE, STYLE and REGION blocks carry no timing and are skipped by cuesFrom.
  const cues = cuesFrom(list.slice(1).concat(header.some((l) => TIMING.test(l)) ? [header.slice(header.findIndex((l) => TIMING.test(l)))] : []), limits, "WebVTT");
  cues.sort((a, b) => a.startSec - b.startSec);
  return { cues, ...(title ? { title } : {}), ...(lang ? { lang } : {}) };
}

export function parseSrt(text: string, limits: FormatLimits): CaptionFile {
  const cues = cuesFrom(blocks(text), limits, "SRT");
  cues.sort((a, b) => a.startSec - b.startSec);
  return { cues };
}

/** WEBVTT header, else SRT if it has timings, else null. */
export function sniffCaptions(text: string): "vtt" | "srt" | null {
  const head = text.replace(/^\uFEFF/, "").trimStart();
  if (/^WEBVTT(\s|$)/.test(head)) return "vtt";
  if (/^\s*(\d+\s*\n)?\s*(\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}\s*-->/m.test(head.slice(0, 2000))) return "srt";
  return null;
}

/** Folds rolling captions: lines a cue repeats from the cue before are dropped. */
function fold(cues: Cue[]): Cue[] {
  const out: Cue[] = [];
  let previous: string[] = [];
  for (const cue of cues) {
    const lines = cue.text.split("\n");
    let k = 0;
    while (k < lines.length && previous.includes(lines[k]!)) k++;
    previous = lines;
    const fresh = lines.slice(k).join(" ");
    if (fresh) out.push({ ...cue, text: fresh });
  }
  return out;
}

/** Cues grouped into timed passages; each becomes a section starting at its first cue. */
export function cuesToSections(cues: Cue[]): Section[] {
  const sections: Section[] = [];
  let start = 0;
  let last = 0;
  let parts: string[] = [];
  let size = 0;
  const flush = () => {
    const text = tidy(parts.join(" "));
    if (text) sections.push({ startSec: Math.floor(start), text });
    parts = [];
    size = 0;
  };
  for (const cue of fold(cues)) {
    if (parts.length && (size + cue.text.length > PASSAGE_CHARS || cue.startSec - start > PASSAGE_SECONDS || cue.startSec - last > PAUSE_SECONDS)) flush();
    if (!parts.length) start = cue.startSec;
    parts.push(cue.text);
    size += cue.text.length + 1;
    last = Math.max(cue.endSec, cue.startSec);
  }
  flush();
  return sections;
}

export function captionsDocument(file: CaptionFile, format: "vtt" | "srt", limits: FormatLimits, meta: { title?: string | null; url?: string; lang?: string } = {}): ParsedDocument {
  const sections = cuesToSections(file.cues);
  if (sections.length === 0) throw noContent(`the ${format === "vtt" ? "WebVTT" : "SRT"} file has no caption text`);
  checkDocumentText(sections, limits, "the transcript");
  const lang = meta.lang ?? file.lang;
  return {
    format,
    title: meta.title ?? file.title ?? null,
    sections,
    ...(lang ? { lang } : {}),
    ...(meta.url ? { url: meta.url } : {}),
  };
}

export function parseCaptions(text: string, format: "vtt" | "srt", limits: FormatLimits, meta?: { title?: string | null; url?: string; lang?: string }): ParsedDocument {
  const file = format === "vtt" ? parseVtt(text, limits) : parseSrt(text, limits);
  if (file.cues.length === 0) throw noContent(`no caption cues found in the ${format === "vtt" ? "WebVTT" : "SRT"} file`);
  return captionsDocument(file, format, limits, meta);
}

/** "1:33", "1:02:03": how a citation shows a moment. */
export function formatTimestamp(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}
