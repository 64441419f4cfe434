/**
 * The inbox page's calls to the staff API: same-origin, the session cookie rides along,
 * and every state-changing call carries the session's CSRF token.
 */
import type { StaffMember } from "../../shared/staff";

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrf = "";

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(method !== "GET" ? { "x-csrf-token": csrf } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as T & { error?: { code: string; message: string } };
  if (!res.ok) throw new ApiFailure(res.status, data.error?.code ?? "error", data.error?.message ?? `HTTP ${res.status}`);
  return data;
}

export interface Me {
  staff: StaffMember;
  csrfToken: string;
}

export async function me(): Promise<Me | null> {
  try {
    const m = await call<Me>("GET", "/api/staff/me");
    csrf = m.csrfToken;
    return m;
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 401) return null;
    throw e;
  }
}

export async function login(email: string, password: string): Promise<Me> {
  const m = await call<Me>("POST", "/api/staff/login", { email, password });
  csrf = m.csrfToken;
  return m;
}

export const logout = () => call("POST", "/api/staff/logout");
export const get = <T>(path: string) => call<T>("GET", path);
export const post = <T>(path: string, body?: unknown) => call<T>("POST", path, body ?? {});
export const put = <T>(path: string, body: unknown) => call<T>("PUT", path, body);
export const del = <T>(path: string) => call<T>("DELETE", path);

/** Changes the signed-in staff member's password; the server ends their other sessions. */
export const changePassword = (currentPassword: string, newPassword: string) =>
  call<{ ok: boolean }>("POST", "/api/staff/password", { currentPassword, newPassword });
