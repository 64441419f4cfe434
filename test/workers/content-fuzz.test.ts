/**
 * Damaged uploads never crash a parser: deterministic byte flips, cuts and splices of real
 * PDF, DOCX, ZIP, VTT and CSV files each end in a parsed document or a clear 4xx ApiError,
 * nothing else (no TypeError from deep inside a library, no 500).
 */
import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../worker/http/errors";
import { parseContent } from "../../worker/knowledge/formats";
import { makeDocx, makePdf } from "./content-fixtures";

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutations(bytes: Uint8Array, seed: number, count: number): Uint8Array[] {
  const rand = rng(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const copy = bytes.slice();
    const kind = i % 3;
    if (kind === 0) for (let k = 0; k < 1 + Math.floor(rand() * 8); k++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
    if (kind === 1) {
      out.push(copy.subarray(0, Math.floor(rand() * copy.length)));
      continue;
    }
    if (kind === 2) {
      const at = Math.floor(rand() * copy.length);
      const len = Math.floor(rand() * 64);
      copy.copyWithin(at, Math.floor(rand() * copy.length), Math.floor(rand() * copy.length) + len);
    }
    out.push(copy);
  }
  return out;
}

async function settles(bytes: Uint8Array, filename: string): Promise<"parsed" | string> {
  try {
    const r = await parseContent({ bytes, filename });
    expect(r.documents.length).toBeGreaterThan(0);
    return "parsed";
  } catch (error) {
    if (!(error instanceof ApiError)) throw new Error(`${filename}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(500);
    return error.code;
  }
}

describe("damaged files", () => {
  it("PDF, DOCX, ZIP, VTT and CSV: a document or a 4xx, never anything else", async () => {
    const pdf = await makePdf([{ heading: "Title", lines: ["Line one.", "Line two."] }, { lines: ["Page two."] }], { title: "T" });
    const docx = makeDocx([{ style: "Heading1", text: "Heading" }, { text: "Body text." }]);
    const zip = zipSync({ "a.md": strToU8("# A\ntext"), "b.html": strToU8("<h1>B</h1><p>x</p>") });
    const vtt = strToU8("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n\n00:00:03.000 --> 00:00:04.000\nWorld\n");
    const csv = strToU8('question,answer\n"Why?","Because."\nHow?,Like this.\n');
    const outcomes = new Map<string, number>();
    for (const [bytes, name, seed] of [[pdf, "f.pdf", 1], [docx, "f.docx", 2], [zip, "f.zip", 3], [vtt, "f.vtt", 4], [csv, "f.csv", 5]] as const) {
      for (const variant of mutations(bytes, seed, 24)) {
        const outcome = await settles(variant, name);
        outcomes.set(`${name}:${outcome}`, (outcomes.get(`${name}:${outcome}`) ?? 0) + 1);
      }
    }
    // Most damage is caught as such: each binary format refused at least some variants.
    for (const name of ["f.pdf", "f.docx", "f.zip"]) {
      expect([...outcomes.keys()].some((k) => k.startsWith(`${name}:`) && !k.endsWith(":parsed")), name).toBe(true);
    }
  });
});
