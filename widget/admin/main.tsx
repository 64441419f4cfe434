/**
 * widget/admin.js: the site owner's console at /admin (Preact). Every action is an admin API
 * call a script could make (endpoints.ts); pages are modules (pages/*) routed by routes.tsx.
 */
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { createOrgFirst } from "./pages/home";
import { AgentRefusedPage, InvitePage, SignInPage, SignUpPage } from "./pages/accounts";
import { Shell } from "./layout";
import { ROUTES } from "./routes";
import { match, navigate, useLocation } from "./router";
import { type Boot, boot, SessionContext, type SessionApi, signOut } from "./session";
import { ErrorNote, Loading, PageHeader } from "./ui";
import { ApiFailure } from "./api";

function App() {
  const [state, setState] = useState<Boot | null>(null);
  const [failed, setFailed] = useState<ApiFailure | null>(null);
  const { path, query } = useLocation();
  const refresh = async () => {
    try {
      setState(await boot());
      setFailed(null);
    } catch (e) {
      setFailed(e instanceof ApiFailure ? e : new ApiFailure(0, "error", String(e)));
    }
  };
  useEffect(() => void refresh(), []);
  const leave = async () => {
    await signOut();
    navigate("/admin/signin");
    setState({ state: "signed-out" });
  };
  const session = useMemo<SessionApi | null>(() => {
    if (state?.state !== "in") return null;
    const who = state.session.who;
    return { ...state.session, refresh, signOut: leave, canSecrets: who.kind === "token" || who.staff.role === "owner" };
  }, [state]);

  if (failed) return <main class="ad-auth" id="main"><ErrorNote error={failed} retry={() => void refresh()} /></main>;
  if (!state) return <main class="ad-auth" id="main"><Loading /></main>;

  // Pages anyone may open.
  if (path === "/admin/signup") return <SignUpPage onSignedIn={() => void refresh()} />;
  if (path === "/admin/invite") return <InvitePage onSignedIn={() => void refresh()} />;
  if (state.state === "signed-out") {
    return (
      <SignInPage
        onSignedIn={async () => {
          if (path === "/admin/signin") navigate("/admin", { replace: true });
          await refresh();
        }}
      />
    );
  }
  if (state.state === "agent") return <AgentRefusedPage staff={state.staff} onSignOut={() => void leave()} />;
  if (!session) return null;

  const first = session.orgs[0];
  if (path === "/admin" || path === "/admin/signin" || path === "/admin/orgs") {
    if (first) {
      navigate(`/admin/orgs/${first.id}`, { replace: true });
      return null;
    }
    return (
      <SessionContext.Provider value={session}>
        <Shell org={null} title="Welcome">
          {createOrgFirst()}
        </Shell>
      </SessionContext.Provider>
    );
  }
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (!params) continue;
    const org = params.org as string;
    const title = typeof route.title === "function" ? route.title(params) : route.title;
    const known = session.orgs.some((o) => o.id === org);
    return (
      <SessionContext.Provider value={session}>
        <Shell org={known ? org : null} title={known ? title : "Not found"}>
          {known ? <route.page key={path} org={org} params={params} query={query} /> : <NotFound what="This org does not exist, or these credentials cannot see it." />}
        </Shell>
      </SessionContext.Provider>
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Shell org={first?.id ?? null} title="Not found">
        <NotFound what="There is no console page at this address." />
      </Shell>
    </SessionContext.Provider>
  );
}

function NotFound({ what }: { what: string }) {
  return (
    <>
      <PageHeader title="Not found" />
      <p>{what}</p>
      <p>
        <a href="/admin">Back to the console</a>
      </p>
    </>
  );
}

const root = document.getElementById("admin");
if (root) render(<App />, root);
