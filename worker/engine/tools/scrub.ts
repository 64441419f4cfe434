/**
 * Keeps an org's secrets out of what an HTTP tool answers (an endpoint that echoes its
 * request must not hand the secret header to the model). A secret is replaced by `[secret]`
 * in the raw text in every form an echo commonly takes — as is, JSON-escaped (`\/`,
 * `\u00xx`), URL-encoded, hex, and base64/base64url at any byte alignment — and then, when the
 * answer is JSON, in the parsed tree, where escapes are already undone: any string value or
 * key that contains a secret, or decodes (percent, base64, hex) to something that does, is
 * replaced.
 */

const MASK = "[secret]";
/** Encoded forms of very short secrets would match ordinary text; those are scrubbed as is only. */
const MIN_ENCODED = 6;

const utf8 = new TextEncoder();
const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const toUrl = (b64: string) => b64.replace(/\+/g, "-").replace(/\//g, "_");

/** Every text form of `secret` worth looking for, longest first. */
function forms(secret: string): string[] {
  const out = new Set([secret]);
  if (secret.length >= MIN_ENCODED) {
    const bytes = utf8.encode(secret);
    const json = JSON.stringify(secret).slice(1, -1);
    out.add(json);
    out.add(json.replace(/\//g, "\\/"));
    out.add([...secret].map((ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`).join(""));
    const encoded = encodeURIComponent(secret);
    out.add(encoded);
    out.add(encoded.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
    out.add(encoded.replace(/%20/g, "+"));
    out.add([...bytes].map((b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`).join(""));
    out.add(hex(bytes));
    out.add(hex(bytes).toUpperCase());
    // Base64 of a secret inside a longer value depends on where it starts: for each of the
    // three alignments, the characters that come from the secret's bits alone.
    for (let k = 0; k < 3; k++) {
      const shifted = new Uint8Array(k + bytes.length);
      shifted.set(bytes, k);
      const b64 = base64(shifted);
      const core = b64.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
      if (core.length >= MIN_ENCODED) {
        out.add(core);
        out.add(toUrl(core));
      }
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}

export interface Scrubber {
  /** The text with every form of every secret masked. */
  text(text: string): string;
  /** A parsed JSON value with every secret-bearing string (or key) masked. */
  value(value: unknown): unknown;
}

export function secretScrubber(secrets: string[]): Scrubber {
  const real = secrets.filter((s) => s.length > 0);
  const patterns = real.flatMap(forms);
  const text = (t: string) => patterns.reduce((acc, p) => (acc.includes(p) ? acc.split(p).join(MASK) : acc), t);
  const hides = (s: string) => real.some((secret) => s.includes(secret)) || decodings(s).some((d) => real.some((secret) => d.includes(secret)));
  const str = (s: string) => {
    const masked = text(s);
    return hides(masked) ? MASK : masked;
  };
  const value = (v: unknown): unknown => {
    if (typeof v === "string") return str(v);
    if (Array.isArray(v)) return v.map(value);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [str(k), value(x)]));
    return v;
  };
  return real.length ? { text, value } : { text: (t) => t, value: (v) => v };
}

/** What a string may decode to: percent-decoding, base64/base64url, hex. */
function decodings(s: string): string[] {
  const out: string[] = [];
  const decoder = new TextDecoder();
  try {
    if (s.includes("%")) out.push(decodeURIComponent(s.replace(/\+/g, " ")));
  } catch {
    // not percent-encoded
  }
  const compact = s.replace(/\s+/g, "");
  if (compact.length >= 8 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
    try {
      const bin = atob(compact.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "").padEnd(Math.ceil(compact.replace(/=+$/, "").length / 4) * 4, "="));
      out.push(decoder.decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0))));
    } catch {
      // not base64
    }
  }
  if (compact.length >= 8 && compact.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(compact)) {
    out.push(decoder.decode(Uint8Array.from(compact.match(/../g) ?? [], (h) => parseInt(h, 16))));
  }
  return out;
}
