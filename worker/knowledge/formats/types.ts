/**
 * One shape for every content format. A parser turns a file into documents; a document is
 * a title and sections; a section keeps where its text came from (the heading it sits under,
 * the PDF page, the second of the video), so a chunk cut from it can be cited as "page 4" or
 * linked to `#t=93`.
 */
import { ApiError } from "../../http/errors";

export type ContentFormat = "pdf" | "docx" | "csv" | "json" | "vtt" | "srt" | "zip" | "markdown" | "html" | "text";

export interface Section {
  heading?: string;
  /** 1-based page of a PDF. */
  page?: number;
  /** Seconds from the start of a video or recording. */
  startSec?: number;
  text: string;
}

export interface ParsedDocument {
  format: ContentFormat;
  title: string | null;
  sections: Section[];
  /** BCP 47 tag when the file says (PDF Lang, DOCX settings, `<html lang>`, VTT Language). */
  lang?: string;
  /**
   * Where the document sits inside what was uploaded: a file's path in a ZIP, a slug of the
   * question in an FAQ export. Absent when the upload is the document.
   */
  path?: string;
  /** A URL the file itself names (front matter `url`, a video's page). */
  url?: string;
}

export interface Skipped {
  path: string;
  reason: string;
}

export interface ParseResult {
  format: ContentFormat;
  documents: ParsedDocument[];
  /** What an archive or export held that did not become a document, and why. */
  skipped: Skipped[];
}

/**
 * Caps that keep one upload within a Worker's 128 MB and its CPU time. Extracted text is
 * capped per document because D1 stores each document's text in one row (2 MB at most).
 */
export interface FormatLimits {
  /** A PDF, DOCX or ZIP upload. */
  fileBytes: number;
  /** A text upload: CSV, JSON, VTT, SRT, Markdown, HTML, plain text. */
  textBytes: number;
  /** UTF-8 bytes of text one document may yield. */
  documentTextBytes: number;
  pdfPages: number;
  /** Entries a ZIP's central directory may list (files and folders). */
  zipEntries: number;
  /** Files of a ZIP that become documents. */
  zipFiles: number;
  /** Uncompressed size of one file in a ZIP (declared and actual). */
  zipEntryBytes: number;
  /** Uncompressed size of all files read from a ZIP. */
  zipTotalBytes: number;
  /**
   * One XML part of a Word file (word/document.xml of a long manual can be large, and mammoth
   * holds it as a DOM several times its size: 12 MB of XML is ~1,500 pages).
   */
  docxPartBytes: number;
  /** Question/answer pairs of one FAQ export. */
  faqPairs: number;
  /** Characters of one CSV field or JSON question/answer. */
  faqFieldChars: number;
  captionCues: number;
}

export const FORMAT_LIMITS: FormatLimits = {
  fileBytes: 20 * 1024 * 1024,
  textBytes: 5 * 1024 * 1024,
  documentTextBytes: 1_500_000,
  pdfPages: 500,
  zipEntries: 5000,
  zipFiles: 1000,
  zipEntryBytes: 4 * 1024 * 1024,
  zipTotalBytes: 32 * 1024 * 1024,
  docxPartBytes: 12 * 1024 * 1024,
  faqPairs: 5000,
  faqFieldChars: 20_000,
  captionCues: 20_000,
};

export function limitsWith(overrides?: Partial<FormatLimits>): FormatLimits {
  return { ...FORMAT_LIMITS, ...overrides };
}

/** The errors a parser throws: the admin API passes them on as they are (4xx, code, message). */
export const tooLarge = (message: string) => new ApiError(413, "payload_too_large", message);
export const malformed = (message: string) => new ApiError(422, "malformed_file", message);
export const unsupported = (message: string) => new ApiError(415, "unsupported_type", message);
export const unsafeArchive = (message: string) => new ApiError(422, "unsafe_archive", message);
export const encrypted = (message: string) => new ApiError(422, "encrypted_file", message);
export const noContent = (message: string) => new ApiError(422, "empty_document", message);

export const utf8Bytes = (text: string) => new TextEncoder().encode(text).byteLength;

/** Whitespace as a reader sees it: runs of spaces collapsed, at most one blank line. */
export function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t\u00a0\f\v]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Throws when a document's sections add up to more text than one document may hold. */
export function checkDocumentText(sections: Section[], limits: FormatLimits, what: string): void {
  let bytes = 0;
  for (const s of sections) bytes += utf8Bytes(s.text) + 2;
  if (bytes > limits.documentTextBytes) {
    throw tooLarge(`${what} has more than ${limits.documentTextBytes} bytes of text; split it into smaller files`);
  }
}

/** A readable title from a file name: "getting-started_guide.md" → "Getting started guide". */
export function titleFromFilename(name: string): string {
  const base = (name.split("/").pop() ?? name).replace(/\.[a-z0-9]+$/i, "");
  const words = base.replace(/[-_.]+/g, " ").replace(/\s+/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : name;
}
