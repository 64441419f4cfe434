/**
 * FAQ exports: a CSV with a question and an answer column, or JSON — an array of
 * `{question, answer}`-like objects, an object holding such an array, schema.org `FAQPage`
 * JSON-LD, or a `{"question?": "answer"}` map. Each pair becomes its own document titled
 * with the question, so a search hit is one answer and a citation names its question.
 */
import { ApiError } from "../../http/errors";
import { htmlToText, looksLikeHtml } from "./html";
import { malformed, noContent, tidy, tooLarge, type FormatLimits, type ParsedDocument } from "./types";

export interface FaqPair {
  question: string;
  answer: string;
  url?: string;
}

const QUESTION_KEYS = ["question", "questions", "q", "frage", "pregunta", "question_text", "query", "prompt", "title", "name"];
const ANSWER_KEYS = ["answer", "answers", "a", "antwort", "respuesta", "réponse", "reponse", "answer_text", "response", "reply", "acceptedanswer", "body", "content", "text"];
const URL_KEYS = ["url", "link", "href", "source", "source_url", "html_url"];

const norm = (key: string) => key.trim().toLowerCase().replace(/[\s-]+/g, "_");
/** The first of `keys` (in preference order) among `names`, as an index. */
function pick(names: string[], keys: string[]): number {
  const normalised = names.map(norm);
  for (const k of keys) {
    const i = normalised.indexOf(k);
    if (i >= 0) return i;
  }
  return -1;
}

/**
 * RFC 4180 CSV: quoted fields may hold delimiters, quotes ("") and line breaks. The delimiter
 * (comma, semicolon or tab) is the one the header line uses most outside quotes.
 */
export function parseCsv(text: string, limits: FormatLimits): string[][] {
  const src = text.replace(/^\uFEFF/, "");
  const newline = src.search(/\r|\n/);
  const firstLine = (newline < 0 ? src : src.slice(0, newline)).replace(/"[^"]*"/g, "");
  const delimiter = [",", ";", "\t"].map((d) => ({ d, n: firstLine.split(d).length })).sort((a, b) => b.n - a.n)[0]!.d;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let quoteLine = 0;
  const endField = () => {
    if (field.length > limits.faqFieldChars) throw tooLarge(`CSV line ${line}: a field is longer than ${limits.faqFieldChars} characters`);
    row.push(field);
    field = "";
  };
  const endRow = () => {
    endField();
    if (row.some((f) => f.trim())) rows.push(row);
    // Header plus pairs; a little slack for blank answers that will be skipped.
    if (rows.length > limits.faqPairs + 1) throw tooLarge(`the CSV has more than ${limits.faqPairs} rows`);
    row = [];
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
        if (field.length > limits.faqFieldChars) throw tooLarge(`CSV line ${quoteLine}: a field is longer than ${limits.faqFieldChars} characters`);
      }
    } else if (ch === '"' && field.trim() === "") {
      quoted = true;
      quoteLine = line;
      field = "";
    } else if (ch === delimiter) endField();
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && src[i + 1] === "\n") i++;
      endRow();
      line++;
    } else field += ch;
  }
  if (quoted) throw malformed(`CSV line ${quoteLine}: a quoted field is never closed`);
  if (field || row.length) endRow();
  return rows;
}

export function faqFromCsv(text: string, limits: FormatLimits): { pairs: FaqPair[]; skipped: number } {
  const rows = parseCsv(text, limits);
  if (rows.length === 0) throw noContent("the CSV is empty");
  const header = rows[0]!;
  let q = pick(header, QUESTION_KEYS);
  let a = pick(header.map((h, i) => (i === q ? "" : h)), ANSWER_KEYS);
  const u = pick(header, URL_KEYS);
  let body = rows.slice(1);
  if (q < 0 || a < 0 || q === a) {
    // No header we recognise: two columns are read as question, answer from the first row.
    if (header.length === 2 && rows.every((r) => r.length <= 2)) {
      q = 0;
      a = 1;
      body = rows;
    } else {
      throw new FaqColumnsError(`could not find the question and answer columns in the CSV header (${header.slice(0, 8).map((h) => JSON.stringify(h.trim())).join(", ")}); name them "question" and "answer"`);
    }
  }
  const pairs: FaqPair[] = [];
  let skipped = 0;
  for (const r of body) {
    const question = tidy(r[q] ?? "");
    const answer = tidy(r[a] ?? "");
    if (!question || !answer) {
      skipped++;
      continue;
    }
    const url = u >= 0 ? httpUrl(r[u]) : undefined;
    pairs.push({ question, answer, ...(url ? { url } : {}) });
  }
  return { pairs, skipped };
}

/** An export whose questions and answers cannot be told apart. */
class FaqColumnsError extends ApiError {
  constructor(message: string) {
    super(422, "no_faq_pairs", message);
  }
}

function httpUrl(v: unknown): string | undefined {
  return typeof v === "string" && /^https?:\/\/\S+$/i.test(v.trim()) ? v.trim() : undefined;
}

/** A JSON answer: a string, `{text}` (schema.org Answer), or a list of those. */
function answerText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) {
    const parts = v.map(answerText).filter((s): s is string => !!s);
    return parts.length ? parts.join("\n\n") : undefined;
  }
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return answerText(o.text ?? o.value ?? o.body ?? o.content);
  }
  return undefined;
}

function pairFromObject(o: Record<string, unknown>): FaqPair | null | undefined {
  const keys = Object.keys(o);
  const q = pick(keys, QUESTION_KEYS);
  const a = pick(keys.map((k, i) => (i === q ? "" : k)), ANSWER_KEYS);
  if (q < 0 || a < 0) return undefined; // not an FAQ item at all
  const question = answerText(o[keys[q]!]);
  const answer = answerText(o[keys[a]!]);
  if (!question?.trim() || !answer?.trim()) return null; // an FAQ item with a blank side
  const u = pick(keys, URL_KEYS);
  const url = u >= 0 ? httpUrl(o[keys[u]!]) : undefined;
  return { question, answer, ...(url ? { url } : {}) };
}

/** The list of items an FAQ JSON holds, wherever it is. */
function findItems(data: unknown): { items: unknown[]; map?: Record<string, string> } | null {
  if (Array.isArray(data)) return { items: data };
  if (!data || typeof data !== "object") return null;
  const o = data as Record<string, unknown>;
  // schema.org FAQPage: mainEntity is a list of Question with acceptedAnswer.
  if (o.mainEntity) return { items: Array.isArray(o.mainEntity) ? o.mainEntity : [o.mainEntity] };
  if (Array.isArray(o["@graph"])) {
    const page = (o["@graph"] as unknown[]).find((n) => n && typeof n === "object" && JSON.stringify((n as Record<string, unknown>)["@type"] ?? "").includes("FAQPage"));
    if (page) return findItems(page);
  }
  for (const key of ["faqs", "faq", "items", "questions", "entries", "data", "results", "records", "articles"]) {
    const v = o[Object.keys(o).find((k) => k.toLowerCase() === key) ?? ""];
    if (Array.isArray(v)) return { items: v };
    if (v && typeof v === "object") {
      const inner = findItems(v);
      if (inner) return inner;
    }
  }
  const values = Object.values(o);
  if (values.length && values.every((v) => typeof v === "string") && Object.keys(o).some((k) => k.trim().endsWith("?"))) {
    return { items: [], map: o as Record<string, string> };
  }
  const arrays = values.filter(Array.isArray);
  if (arrays.length === 1) return { items: arrays[0] as unknown[] };
  return null;
}

export async function faqFromJson(text: string, limits: FormatLimits): Promise<{ pairs: FaqPair[]; skipped: number }> {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw malformed(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const found = findItems(data);
  if (!found) throw new FaqColumnsError('could not find question/answer pairs in the JSON; use a list of {"question": …, "answer": …}');
  const raw: FaqPair[] = [];
  let skipped = 0;
  if (found.map) for (const [question, answer] of Object.entries(found.map)) raw.push({ question, answer });
  if (found.items.length > limits.faqPairs) throw tooLarge(`the JSON has more than ${limits.faqPairs} items`);
  for (const item of found.items) {
    const pair = item && typeof item === "object" && !Array.isArray(item) ? pairFromObject(item as Record<string, unknown>) : undefined;
    if (pair) raw.push(pair);
    else skipped++;
  }
  if (raw.length === 0) throw new FaqColumnsError('the JSON items have no question and answer fields with text; name them "question" and "answer"');
  if (raw.length > limits.faqPairs) throw tooLarge(`the JSON has more than ${limits.faqPairs} pairs`);
  const pairs: FaqPair[] = [];
  for (const p of raw) {
    if (p.question.length > limits.faqFieldChars || p.answer.length > limits.faqFieldChars) throw tooLarge(`a question or answer is longer than ${limits.faqFieldChars} characters`);
    const question = tidy(looksLikeHtml(p.question) ? await htmlToText(p.question) : p.question);
    const answer = tidy(looksLikeHtml(p.answer) ? await htmlToText(p.answer) : p.answer);
    if (question && answer) pairs.push({ ...p, question, answer });
    else skipped++;
  }
  return { pairs, skipped };
}

/** URL-safe, stable name of a question: re-importing an edited answer replaces its document. */
export function questionSlug(question: string): string {
  const slug = question
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
  return slug || "question";
}

export function faqDocuments(pairs: FaqPair[], format: "csv" | "json"): ParsedDocument[] {
  if (pairs.length === 0) throw new FaqColumnsError("the export holds no question with an answer");
  const used = new Map<string, number>();
  return pairs.map((p) => {
    const base = questionSlug(p.question);
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return {
      format,
      title: p.question,
      path: n === 1 ? base : `${base}-${n}`,
      sections: [{ heading: p.question, text: p.answer }],
      ...(p.url ? { url: p.url } : {}),
    };
  });
}
