/**
 * Who is signed in to the console, and which orgs they see: a staff session (owner or
 * admin; an `agent` is shown the way to the inbox) or a platform operator's ADMIN_TOKEN.
 */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Org } from "../../shared/admin";
import type { StaffMember } from "../../shared/staff";
import { ApiFailure, auth } from "./api";
import { listOrgs, staffLogout, staffMe } from "./endpoints";

export type Who = { kind: "staff"; staff: StaffMember } | { kind: "token" };

export interface Session {
  who: Who;
  orgs: Org[];
}

export type Boot = { state: "signed-out" } | { state: "agent"; staff: StaffMember } | { state: "in"; session: Session };

/** Works out the session on load (or after signing in). */
export async function boot(): Promise<Boot> {
  if (auth.token()) {
    try {
      return { state: "in", session: { who: { kind: "token" }, orgs: (await listOrgs()).orgs } };
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 401) {
        auth.useToken(null);
        return { state: "signed-out" };
      }
      throw e;
    }
  }
  try {
    const me = await staffMe();
    auth.useCsrf(me.csrfToken);
    if (me.staff.role === "agent") return { state: "agent", staff: me.staff };
    return { state: "in", session: { who: { kind: "staff", staff: me.staff }, orgs: (await listOrgs()).orgs } };
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 401) return { state: "signed-out" };
    throw e;
  }
}

export async function signOut(): Promise<void> {
  if (auth.token()) auth.useToken(null);
  else await staffLogout().catch(() => {});
}

export interface SessionApi extends Session {
  /** Reads the session again (after an org is created, a sign-in…). */
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
  /** What this session may not open (an `admin` reads no secrets or tokens). */
  canSecrets: boolean;
}

export const SessionContext = createContext<SessionApi | null>(null);

export function useSession(): SessionApi {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside the signed-in console");
  return s;
}
