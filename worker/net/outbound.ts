/**
 * The one outbound-fetch guard: every URL fetched on a tenant's behalf (knowledge pages and
 * sitemaps, HTTP tools, webhooks, an agent's own model endpoint) goes through here, and the
 * same check runs when such a URL is saved.
 *
 * Rules: http and https only; no loopback, private, link-local, CGNAT, multicast,
 * unspecified, reserved or cloud-metadata address, in any notation a URL parser or
 * inet_aton accepts (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`, `[::ffff:127.0.0.1]`, a
 * trailing dot …); no local names (`localhost`, `*.localhost`, `*.local`, `*.internal`,
 * single-label names, …). Redirects are followed by hand, at most MAX_REDIRECTS hops, each
 * hop checked again; credentials and the caller's secret headers are dropped once a redirect
 * leaves the first origin. Network failures of every kind (refused, unreachable, timeout,
 * DNS) give one message, so the errors are no port scanner.
 *
 * `ALLOW_PRIVATE_URLS` (comma-separated `host` or `host:port`) opens named hosts: a
 * development setting, for a model or a test server on this machine.
 *
 * Names are checked as written: a Worker has no DNS API, so a public name that resolves to
 * a private address is not caught here. On Cloudflare's network a Worker's fetch reaches only
 * the public internet; a self-hosted deployment needs an egress firewall for that case.
 */
import type { Env } from "../env";

export const MAX_REDIRECTS = 5;

/** A URL the rules refuse; `message` names the rule ("127.0.0.1 is a loopback address"). */
export class UrlRefused extends Error {
  readonly code = "url_refused";
}

/** The fetch did not get an answer. One message for every cause, on purpose. */
export class FetchFailed extends Error {
  readonly code = "fetch_failed";
  constructor(url: string, reason = "no answer") {
    super(`could not fetch ${url}: ${reason}`);
  }
}

// ---- Addresses ---------------------------------------------------------------------------

/**
 * An IPv4 address the way the WHATWG URL parser (and inet_aton) reads one: one to four
 * dot-separated parts, each decimal, octal (leading 0) or hex (0x); the last part fills the
 * remaining bytes (`127.1` is 127.0.0.1, `2130706433` is too). A trailing dot is ignored.
 * Answers the 32-bit address, null when the host is not a number, or "invalid" when it ends
 * in a number but is not a valid address (a URL parser refuses such hosts).
 */
export function parseIPv4(host: string): number | null | "invalid" {
  const parts = host.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  const last = parts[parts.length - 1] ?? "";
  const endsInNumber = /^(\d+|0[xX][0-9a-fA-F]*)$/.test(last);
  if (!endsInNumber) return null;
  if (parts.length > 4) return "invalid";
  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseIPv4Number(part);
    if (n === null) return "invalid";
    numbers.push(n);
  }
  const tail = numbers.pop() as number;
  if (numbers.some((n) => n > 255)) return "invalid";
  if (tail >= 256 ** (4 - numbers.length)) return "invalid";
  let address = tail;
  numbers.forEach((n, i) => (address += n * 256 ** (3 - i)));
  return address;
}

function parseIPv4Number(part: string): number | null {
  if (part === "") return null;
  let radix = 10;
  let digits = part;
  if (/^0[xX]/.test(part)) {
    radix = 16;
    digits = part.slice(2);
  } else if (part.length > 1 && part.startsWith("0")) {
    radix = 8;
    digits = part.slice(1);
  }
  if (digits === "") return 0;
  const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^\d+$/;
  if (!valid.test(digits)) return null;
  const n = parseInt(digits, radix);
  return Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER;
}

/** An IPv6 address (brackets optional) as eight 16-bit pieces, or null. Zone ids are refused. */
export function parseIPv6(input: string): number[] | null {
  let host = input;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (!host.includes(":") || host.includes("%")) return null;
  // A dotted IPv4 tail fills the last two pieces.
  const tail: number[] = [];
  const dotted = host.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const v4 = (dotted[2] ?? "").split(".").map(Number);
    if (v4.some((n) => !Number.isInteger(n) || n > 255)) return null;
    tail.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    host = (dotted[1] ?? "").endsWith("::") ? (dotted[1] ?? "") : (dotted[1] ?? "").slice(0, -1);
  }
  const halves = host.split("::");
  if (halves.length > 2) return null;
  const piece = (s: string) => (/^[0-9a-fA-F]{1,4}$/.test(s) ? parseInt(s, 16) : null);
  const read = (s: string) => (s === "" ? [] : s.split(":").map(piece));
  const head = read(halves[0] ?? "");
  const rest = halves.length === 2 ? read(halves[1] ?? "") : [];
  if (head.includes(null) || rest.includes(null)) return null;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 && given !== 8) return null;
  if (halves.length === 2 && given > 7) return null;
  const zeros = new Array<number>(8 - given).fill(0);
  return [...(head as number[]), ...(halves.length === 2 ? zeros : []), ...(rest as number[]), ...tail];
}

const ipv4Text = (a: number) => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join(".");
const inRange = (a: number, base: string, bits: number) => {
  const b = parseIPv4(base) as number;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
};

/** Why an IPv4 address may not be fetched on a tenant's behalf, or null when it may. */
export function ipv4Rule(a: number): string | null {
  if (a === (parseIPv4("169.254.169.254") as number) || a === (parseIPv4("100.100.100.200") as number)) return "a cloud metadata address";
  if (a === 0) return "the unspecified address";
  if (inRange(a, "0.0.0.0", 8)) return "an unspecified (this-network) address";
  if (inRange(a, "127.0.0.0", 8)) return "a loopback address";
  if (inRange(a, "10.0.0.0", 8) || inRange(a, "172.16.0.0", 12) || inRange(a, "192.168.0.0", 16)) return "a private address";
  if (inRange(a, "100.64.0.0", 10)) return "a shared (CGNAT) address";
  if (inRange(a, "169.254.0.0", 16)) return "a link-local address";
  if (inRange(a, "224.0.0.0", 4)) return "a multicast address";
  if (a === 0xffffffff) return "the broadcast address";
  if (
    inRange(a, "240.0.0.0", 4) ||
    inRange(a, "192.0.0.0", 24) ||
    inRange(a, "192.0.2.0", 24) ||
    inRange(a, "192.88.99.0", 24) ||
    inRange(a, "198.18.0.0", 15) ||
    inRange(a, "198.51.100.0", 24) ||
    inRange(a, "203.0.113.0", 24)
  ) {
    return "a reserved address";
  }
  return null;
}

/** Why an IPv6 address may not be fetched on a tenant's behalf, or null when it may. */
export function ipv6Rule(p: number[]): string | null {
  const [p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0] = p;
  const embedded = (p6 << 16 >>> 0) + p7;
  const via = (how: string, v4: number) => {
    const rule = ipv4Rule(v4 >>> 0);
    return rule ? `${how} ${ipv4Text(v4 >>> 0)}, ${rule}` : null;
  };
  if (p0 === 0xfd00 && p1 === 0x0ec2 && p2 === 0 && p3 === 0 && p4 === 0 && p5 === 0 && p6 === 0 && p7 === 0x254) return "a cloud metadata address";
  if (p0 === 0 && p1 === 0 && p2 === 0 && p3 === 0 && p4 === 0) {
    if (p5 === 0 && p6 === 0 && p7 === 0) return "the unspecified address";
    if (p5 === 0 && p6 === 0 && p7 === 1) return "a loopback address";
    if (p5 === 0xffff) return via("an IPv4-mapped address of", embedded) ?? null;
    if (p5 === 0) return via("an IPv4-compatible address of", embedded) ?? "a reserved address";
    return "a reserved address";
  }
  if (p0 === 0x64 && p1 === 0xff9b && p2 === 0 && p3 === 0 && p4 === 0 && p5 === 0) return via("a NAT64 address of", embedded);
  if (p0 === 0x64 && p1 === 0xff9b && p2 === 1) return "a private (local NAT64) address";
  if (p0 === 0x2002) return via("a 6to4 address of", ((p1 << 16) >>> 0) + p2);
  if (p0 === 0x2001 && p1 === 0) return "a reserved (Teredo) address";
  if (p0 === 0x2001 && p1 === 0x0db8) return "a reserved (documentation) address";
  if (p0 === 0x0100 && p1 === 0 && p2 === 0 && p3 === 0) return "a reserved (discard) address";
  if ((p0 & 0xfe00) === 0xfc00) return "a private (unique local) address";
  if ((p0 & 0xffc0) === 0xfe80) return "a link-local address";
  if ((p0 & 0xffc0) === 0xfec0) return "a private (site-local) address";
  if ((p0 & 0xff00) === 0xff00) return "a multicast address";
  return null;
}

/** Names that always mean this machine or a private network, whatever DNS says. */
const LOCAL_SUFFIXES: [string, string][] = [
  ["localhost", "a loopback name"],
  ["local", "a local-network (mDNS) name"],
  ["internal", "an internal name"],
  ["localdomain", "a local-network name"],
  ["home.arpa", "a local-network name"],
  ["lan", "a local-network name"],
  ["intranet", "a local-network name"],
  ["corp", "a local-network name"],
  ["private", "a local-network name"],
];
/** Public names known to resolve to loopback, or to whatever address they spell. */
const LOOPBACK_NAMES = ["localtest.me", "lvh.me", "vcap.me"];
const WILDCARD_IP_NAMES = ["nip.io", "sslip.io", "xip.io"];

/** Why a URL host (as `URL.hostname` gives it) may not be fetched, or null when it may. */
export function hostRule(hostname: string): string | null {
  const host = hostname.toLowerCase();
  const v6 = host.startsWith("[") ? parseIPv6(host) : null;
  if (host.startsWith("[")) return v6 ? ipv6Rule(v6) : "not a valid IPv6 address";
  const v4 = parseIPv4(host);
  if (v4 === "invalid") return "not a valid IPv4 address";
  if (v4 !== null) return ipv4Rule(v4);
  const name = host.replace(/\.+$/, "");
  if (name === "") return "not a host name";
  if (name === "metadata.google.internal" || name === "metadata" || name === "instance-data") return "a cloud metadata name";
  const under = (suffix: string) => name === suffix || name.endsWith(`.${suffix}`);
  for (const [suffix, rule] of LOCAL_SUFFIXES) if (under(suffix)) return rule;
  if (LOOPBACK_NAMES.some(under)) return "a name for the loopback address";
  if (WILDCARD_IP_NAMES.some(under)) return "a wildcard-DNS name for IP addresses";
  if (!name.includes(".")) return "a single-label (local-network) name";
  return null;
}

// ---- The allow list ----------------------------------------------------------------------

interface Allowed {
  hostname: string;
  port: number | null;
}

const allowCache = new Map<string, Allowed[]>();

/** `ALLOW_PRIVATE_URLS`: `host` or `host:port` entries, commas or spaces between them. */
export function allowedHosts(env: Pick<Env, "ALLOW_PRIVATE_URLS">): Allowed[] {
  const raw = typeof env.ALLOW_PRIVATE_URLS === "string" ? env.ALLOW_PRIVATE_URLS : "";
  let list = allowCache.get(raw);
  if (!list) {
    list = raw
      .split(/[\s,]+/)
      .filter(Boolean)
      .flatMap((entry) => {
        const m = entry.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "").match(/^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/);
        if (!m) return [];
        try {
          return [{ hostname: new URL(`http://${m[1]}/`).hostname, port: m[2] ? Number(m[2]) : null }];
        } catch {
          return [];
        }
      });
    allowCache.set(raw, list);
  }
  return list;
}

const effectivePort = (url: URL) => (url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80);

function isAllowed(env: Pick<Env, "ALLOW_PRIVATE_URLS">, url: URL): boolean {
  return allowedHosts(env).some((a) => a.hostname === url.hostname && (a.port === null || a.port === effectivePort(url)));
}

// ---- Checking a URL ----------------------------------------------------------------------

/** The URL, checked: throws UrlRefused naming the rule it breaks. */
export function checkOutboundUrl(env: Pick<Env, "ALLOW_PRIVATE_URLS">, raw: string | URL): URL {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new UrlRefused(`${String(raw).slice(0, 200)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UrlRefused(`${url.protocol} URLs are not fetched; only http and https`);
  if (isAllowed(env, url)) return url;
  const rule = hostRule(url.hostname);
  if (rule) throw new UrlRefused(`${url.hostname} is ${rule}`);
  return url;
}

/** The rule a URL breaks (for answering a 400 when it is saved), or null. */
export function outboundUrlProblem(env: Pick<Env, "ALLOW_PRIVATE_URLS">, raw: string): string | null {
  try {
    checkOutboundUrl(env, raw);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

// ---- Fetching ----------------------------------------------------------------------------

export interface OutboundInit extends RequestInit {
  /** Header names that must not follow a redirect to another origin (besides credentials). */
  secretHeaders?: string[];
  /** Gives up (with the one generic message) after this long. */
  timeoutMs?: number;
}

export interface OutboundResult {
  response: Response;
  /** The URL that answered, after redirects. */
  url: string;
}

const CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "cookie"];
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches `raw` under the rules, following redirects by hand. Throws UrlRefused when a URL
 * (the first or a redirect's) breaks a rule, FetchFailed when no answer came, and the
 * caller's own abort reason when `init.signal` aborted.
 */
export async function guardedFetch(env: Pick<Env, "ALLOW_PRIVATE_URLS">, raw: string | URL, init: OutboundInit = {}): Promise<OutboundResult> {
  const { secretHeaders = [], timeoutMs, signal: callerSignal, ...rest } = init;
  const timeout = timeoutMs ? AbortSignal.timeout(timeoutMs) : null;
  const signal = callerSignal && timeout ? AbortSignal.any([callerSignal, timeout]) : (callerSignal ?? timeout ?? undefined);
  const replayable = rest.body === undefined || rest.body === null || typeof rest.body === "string" || rest.body instanceof ArrayBuffer || ArrayBuffer.isView(rest.body) || rest.body instanceof URLSearchParams;

  let url = checkOutboundUrl(env, raw);
  const firstOrigin = url.origin;
  let method = (rest.method ?? "GET").toUpperCase();
  let body = rest.body;
  const headers = new Headers(rest.headers);
  let crossed = false;

  for (let hop = 0; ; hop++) {
    let response: Response;
    try {
      response = await fetch(url.href, { ...rest, method, headers, body, redirect: "manual", ...(signal ? { signal } : {}) });
    } catch (error) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      throw new FetchFailed(url.href);
    }
    const location = response.headers.get("location");
    if (!REDIRECTS.has(response.status) || !location) return { response, url: url.href };
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new FetchFailed(url.href, `more than ${MAX_REDIRECTS} redirects`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new FetchFailed(url.href, "a redirect to an invalid URL");
    }
    url = checkOutboundUrl(env, next);
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
      if (method !== "HEAD") method = "GET";
      body = undefined;
      headers.delete("content-type");
      headers.delete("content-length");
    } else if (body !== undefined && body !== null && !replayable) {
      throw new FetchFailed(url.href, "a redirect that would resend a streamed body");
    }
    if (!crossed && url.origin !== firstOrigin) {
      crossed = true;
      for (const name of [...CREDENTIAL_HEADERS, ...secretHeaders]) headers.delete(name);
    }
  }
}

/**
 * A `fetch` under the guard, for SDKs that take their own (`new OpenAI({ fetch })`): for model
 * endpoints an agent chose. `Authorization` never follows a redirect to another origin.
 */
export function tenantFetch(env: Pick<Env, "ALLOW_PRIVATE_URLS">): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    if (input instanceof Request) {
      const { response } = await guardedFetch(env, input.url, {
        method: input.method,
        headers: input.headers,
        body: input.body,
        signal: input.signal,
        ...init,
      });
      return response;
    }
    const { response } = await guardedFetch(env, input instanceof URL ? input.href : input, init);
    return response;
  }) as typeof fetch;
}
