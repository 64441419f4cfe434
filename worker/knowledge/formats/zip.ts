/**
 * Reading ZIP archives someone uploaded, without trusting them. The central directory is read
 * first and checked before anything is inflated: entry count, each file's declared size, the
 * total, names (no absolute paths, no `..`, no control characters), and that no two entries
 * share compressed bytes (the overlapping-entry zip bomb). Each file is then inflated in small
 * steps that stop the moment it passes its declared size, and its CRC-32 is checked, so a
 * lying header costs at most a few KB of work. fflate does the inflating.
 */
import { Inflate } from "fflate";
import { malformed, tooLarge, unsafeArchive, unsupported, type FormatLimits, type Skipped } from "./types";

export interface ZipFileEntry {
  path: string;
  bytes: Uint8Array;
}

interface CentralEntry {
  path: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const MAX_PATH = 512;
/** Compressed bytes pushed per inflate step: one step can produce at most ~1000× this. */
const STEP = 2048;

export const isZip = (bytes: Uint8Array) => bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6);

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * A name as a safe relative path, or an error for one that tries to leave the archive.
 * Backslashes count as separators (Windows zips); "." segments are dropped.
 */
export function safePath(raw: string): string {
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw unsafeArchive(`the archive holds a file name with control characters (${JSON.stringify(raw.slice(0, 80))})`);
  const name = raw.replace(/\\/g, "/");
  if (name.startsWith("/") || /^[a-zA-Z]:/.test(name)) throw unsafeArchive(`the archive holds an absolute path (${JSON.stringify(raw.slice(0, 80))})`);
  const segments = name.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw unsafeArchive(`the archive holds a path that leaves it (${JSON.stringify(raw.slice(0, 80))})`);
  const path = segments.join("/");
  if (path.length > MAX_PATH) throw unsafeArchive(`the archive holds a path longer than ${MAX_PATH} characters`);
  return path;
}

/** Files every OS adds to archives that are nobody's content. */
const junk = (path: string) => path.split("/").some((s) => s.startsWith(".") || s === "__MACOSX") || /(^|\/)(Thumbs\.db|desktop\.ini)$/i.test(path);

function centralDirectory(bytes: Uint8Array, limits: FormatLimits): CentralEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end record is in the last 22 bytes plus a comment of up to 64 KB.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw malformed("not a ZIP archive, or a truncated one: its central directory is missing");
  const disk = view.getUint16(eocd + 4, true);
  const cdDisk = view.getUint16(eocd + 6, true);
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (disk !== 0 || cdDisk !== 0) throw unsupported("multi-part ZIP archives are not supported");
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) throw unsupported("ZIP64 archives are not supported (the archive is too large)");
  if (count > limits.zipEntries) throw tooLarge(`the archive lists ${count} entries; at most ${limits.zipEntries}`);
  if (cdOffset + cdSize > eocd) throw malformed("the ZIP central directory points past the end of the archive");

  const entries: CentralEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || view.getUint32(p, true) !== SIG_CENTRAL) throw malformed("the ZIP central directory is corrupt");
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    const compressedSize = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const localOffset = view.getUint32(p + 42, true);
    if (p + 46 + nameLen > eocd) throw malformed("the ZIP central directory is corrupt");
    const rawName = new TextDecoder(flags & 0x800 ? "utf-8" : "utf-8", { fatal: false }).decode(bytes.subarray(p + 46, p + 46 + nameLen));
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) throw unsupported("ZIP64 archives are not supported (the archive is too large)");
    entries.push({ path: rawName, flags, method, crc, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

export interface ReadZipResult {
  files: ZipFileEntry[];
  skipped: Skipped[];
}

/**
 * The files of `bytes` that `accept` wants, inflated and checked. Entries it does not want
 * are listed in `skipped` and never inflated. Oversized single files are skipped too; an
 * archive over the count or total caps, or one built to attack, is refused whole.
 */
export function readZip(bytes: Uint8Array, limits: FormatLimits, accept: (path: string) => boolean): ReadZipResult {
  const { wanted, skipped } = planZip(bytes, limits, accept);
  const files: ZipFileEntry[] = [];
  for (const e of wanted) {
    const data = bytes.subarray(e.dataStart, e.dataStart + e.compressedSize);
    const out = e.method === 0 ? data.slice() : inflateCapped(data, e.size, e.path);
    if (out.length !== e.size) throw unsafeArchive(`${e.path} holds ${out.length} bytes but declares ${e.size}`);
    if (crc32(out) !== e.crc) throw malformed(`${e.path} is corrupt (CRC mismatch)`);
    files.push({ path: e.path, bytes: out });
  }
  return { files, skipped };
}

/**
 * Every check `readZip` makes before it inflates anything (entry and file counts, names,
 * declared sizes, shared data), without inflating: cheap enough for an upload's request,
 * so a hostile archive is refused there rather than in the background.
 */
export function inspectZip(bytes: Uint8Array, limits: FormatLimits, accept: (path: string) => boolean): { files: number; skipped: Skipped[] } {
  const { wanted, skipped } = planZip(bytes, limits, accept);
  return { files: wanted.length, skipped };
}

function planZip(bytes: Uint8Array, limits: FormatLimits, accept: (path: string) => boolean): { wanted: (CentralEntry & { dataStart: number })[]; skipped: Skipped[] } {
  if (bytes.length > limits.fileBytes) throw tooLarge(`the archive is larger than ${limits.fileBytes} bytes`);
  if (!isZip(bytes)) throw malformed("not a ZIP archive");
  const entries = centralDirectory(bytes, limits);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const skipped: Skipped[] = [];
  const wanted: (CentralEntry & { dataStart: number })[] = [];
  const seen = new Set<string>();
  let declaredTotal = 0;

  for (const e of entries) {
    const path = safePath(e.path);
    if (e.path.endsWith("/") || e.path.endsWith("\\") || !path || junk(path)) continue;
    if (seen.has(path)) throw unsafeArchive(`the archive holds ${JSON.stringify(path)} twice`);
    seen.add(path);
    if (!accept(path)) {
      skipped.push({ path, reason: "not a supported file type" });
      continue;
    }
    if (e.flags & 1) {
      skipped.push({ path, reason: "encrypted" });
      continue;
    }
    if (e.method !== 0 && e.method !== 8) {
      skipped.push({ path, reason: `compression method ${e.method} is not supported` });
      continue;
    }
    if (e.size > limits.zipEntryBytes) {
      skipped.push({ path, reason: `larger than ${limits.zipEntryBytes} bytes` });
      continue;
    }
    if (e.method === 0 && e.size !== e.compressedSize) throw malformed(`${path}: stored sizes disagree`);
    if (e.localOffset + 30 > bytes.length || view.getUint32(e.localOffset, true) !== SIG_LOCAL) throw malformed(`${path}: its local header is missing`);
    const dataStart = e.localOffset + 30 + view.getUint16(e.localOffset + 26, true) + view.getUint16(e.localOffset + 28, true);
    if (dataStart + e.compressedSize > bytes.length) throw malformed(`${path}: the archive is truncated`);
    declaredTotal += e.size;
    if (declaredTotal > limits.zipTotalBytes) throw tooLarge(`the archive's files add up to more than ${limits.zipTotalBytes} bytes uncompressed`);
    wanted.push({ ...e, path, dataStart });
  }
  if (wanted.length > limits.zipFiles) throw tooLarge(`the archive holds ${wanted.length} files to read; at most ${limits.zipFiles}`);

  // Entries must not share bytes: overlapping entries let a small archive inflate one stream many times.
  const byOffset = [...wanted].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1]!;
    if (byOffset[i]!.localOffset < prev.dataStart + prev.compressedSize) throw unsafeArchive(`${byOffset[i]!.path} overlaps ${prev.path}: the archive reuses compressed data`);
  }

  return { wanted, skipped };
}

/** Inflates `data`, refusing the moment the output passes `declared` bytes. */
function inflateCapped(data: Uint8Array, declared: number, path: string): Uint8Array {
  const out = new Uint8Array(declared);
  let size = 0;
  let done = false;
  const inflater = new Inflate((chunk, final) => {
    if (size + chunk.length > declared) throw unsafeArchive(`${path} inflates past its declared size of ${declared} bytes`);
    out.set(chunk, size);
    size += chunk.length;
    if (final) done = true;
  });
  try {
    for (let i = 0; i < data.length; i += STEP) inflater.push(data.subarray(i, i + STEP), i + STEP >= data.length);
    if (data.length === 0) inflater.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof Error && "status" in error) throw error;
    throw malformed(`${path} is corrupt: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!done && size !== declared) throw malformed(`${path} is corrupt: its compressed data ends early`);
  return out.subarray(0, size);
}
