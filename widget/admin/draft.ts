/**
 * Editing a copy of what the server sent, and sending back only what changed: `setIn` for
 * immutable edits by path, `mergePatchOf` for the JSON merge patch (RFC 7396) between the
 * original and the edit — which is what `PATCH …/sites/:key` takes.
 */
import { useState } from "preact/hooks";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => a[k] !== undefined || b[k] !== undefined));
    return [...keys].every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** `obj` with the value at `path` replaced (undefined removes it). */
export function setIn<T>(obj: T, path: (string | number)[], value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const base: Json | unknown[] = Array.isArray(obj) ? [...obj] : isObject(obj) ? { ...obj } : typeof head === "number" ? [] : {};
  const next = setIn((base as Record<string | number, unknown>)[head], rest, value);
  if (next === undefined && !Array.isArray(base)) delete (base as Json)[head as string];
  else (base as Record<string | number, unknown>)[head] = next;
  return base as T;
}

/**
 * The merge patch that turns `before` into `after`: changed fields, `null` for removed ones,
 * objects patched field by field — except the `whole` paths, sent whole when they change.
 */
export function mergePatchOf(before: unknown, after: unknown, whole: string[] = [], at = ""): unknown {
  if (deepEqual(before, after)) return undefined;
  if (!isObject(before) || !isObject(after) || whole.includes(at)) return after === undefined ? null : after;
  const out: Json = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const d = mergePatchOf(before[key], after[key], whole, at ? `${at}.${key}` : key);
    if (d !== undefined) out[key] = d;
  }
  return Object.keys(out).length ? out : undefined;
}

/** A form's copy of a server object: edit it by path, see whether it changed, start again. */
export function useDraft<T>(original: T) {
  const [base, setBase] = useState(original);
  const [draft, setDraft] = useState(original);
  return {
    draft,
    base,
    dirty: !deepEqual(base, draft),
    set: (path: string, value: unknown) => setDraft((d) => setIn(d, path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)), value)),
    replace: setDraft,
    /** After a save: what the server answered is the new original. */
    saved: (value: T) => {
      setBase(value);
      setDraft(value);
    },
    reset: () => setDraft(base),
  };
}
