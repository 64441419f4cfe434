/**
 * The console's one way to the server: the admin API, as any script could call it. Two ways
 * to be signed in — a staff session (the inbox's HttpOnly cookie; writes carry its CSRF
 * token) or a platform operator's ADMIN_TOKEN (kept in this tab's sessionStorage only) — and
 * one error shape: the server's `{error: {code, message}}`, with the message split into the
 * fields it names (`theme.primaryColor: …; key: …`), so forms show each where it belongs.
 */

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Messages by field path (`theme.primaryColor`), from the server's message. */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

const TOKEN_KEY = "switchboard.adminToken";
let csrf = "";

export const auth = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  useToken(token: string | null): void {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  useCsrf(token: string): void {
    csrf = token;
  },
};

/** `theme.primaryColor: must be …; key: …` → `{ "theme.primaryColor": "must be …", key: "…" }`. */
export function fieldMessages(message: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of message.split("; ")) {
    const m = part.match(/^([A-Za-z_][\w]*(?:\.[\w]+)*): (.+)$/);
    if (m?.[1] && m[2] && !(m[1] in out)) out[m[1]] = m[2];
  }
  return out;
}

function headers(method: string, json: boolean): Record<string, string> {
  const token = auth.token();
  return {
    ...(json ? { "content-type": "application/json" } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(method !== "GET" && !token ? { "x-csrf-token": csrf } : {}),
  };
}

async function failure(res: Response): Promise<ApiFailure> {
  const data = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  const message = data.error?.message ?? `the server answered ${res.status}`;
  return new ApiFailure(res.status, data.error?.code ?? "error", message, fieldMessages(message));
}

export async function request<T>(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: headers(method, body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiFailure(0, "network", "could not reach the server: check your connection and try again");
  }
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** A multipart upload (a file for the ingestion jobs). */
export async function upload<T>(path: string, form: FormData): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { method: "POST", credentials: "same-origin", headers: headers("POST", false), body: form });
  } catch {
    throw new ApiFailure(0, "network", "could not reach the server: check your connection and try again");
  }
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** Downloads an authenticated file (a link cannot carry the token header). */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { credentials: "same-origin", headers: headers("GET", false) });
  if (!res.ok) throw await failure(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const get = <T>(path: string) => request<T>("GET", path);
export const post = <T>(path: string, body: unknown = {}) => request<T>("POST", path, body);
export const put = <T>(path: string, body: unknown) => request<T>("PUT", path, body);
export const patch = <T>(path: string, body: unknown) => request<T>("PATCH", path, body);
export const del = <T>(path: string) => request<T>("DELETE", path);
