/**
 * Signing in and out of the console: email and password (staff accounts), an ADMIN_TOKEN
 * for platform operators (kept in this tab only), signing a new org up, accepting an
 * invitation link, the page a support agent sees, and changing one's password.
 */
import { useEffect, useState } from "preact/hooks";
import type { StaffMember } from "../../../shared/staff";
import { MIN_PASSWORD_LENGTH } from "../../../shared/limits";
import { auth } from "../api";
import { acceptInvitation, changePassword, inspectInvitation, listOrgs, signup, signupStatus, staffLogin } from "../endpoints";
import { Link, navigate } from "../router";
import { useSession } from "../session";
import { Button, ErrorNote, Loading, notify, PageHeader, TextField, useAction, useLoad } from "../ui";

function AuthCard({ title, children }: { title: string; children: preact.ComponentChildren }) {
  return (
    <main class="ad-auth" id="main">
      <div class="ad-auth-card">
        <p class="ad-brand-line">Switchboard console</p>
        <h1 tabIndex={-1} id="ad-title">
          {title}
        </h1>
        {children}
      </div>
    </main>
  );
}

export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [orgId, setOrgId] = useState("");
  const [needOrg, setNeedOrg] = useState(false);
  const [token, setToken] = useState("");
  const login = useAction();
  const withToken = useAction();
  const open = useLoad(signupStatus, []);
  return (
    <AuthCard title="Sign in">
      <form
        class="ad-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const ok = await login.run(async () => {
            auth.useToken(null);
            const me = await staffLogin(email, password, needOrg ? orgId : undefined);
            auth.useCsrf(me.csrfToken);
          });
          if (ok) onSignedIn();
        }}
      >
        <TextField label="Email" type="email" autoComplete="username" required value={email} onValue={setEmail} />
        <TextField label="Password" type="password" autoComplete="current-password" required value={password} onValue={setPassword} />
        {needOrg || login.error?.code === "org_required" ? (
          <TextField
            label="Org id"
            hint="This email has accounts in several orgs: which one?"
            value={orgId}
            onValue={(v) => {
              setOrgId(v);
              setNeedOrg(true);
            }}
          />
        ) : null}
        <ErrorNote error={login.error} />
        <Button type="submit" kind="primary" busy={login.busy} busyLabel="Signing in…">
          Sign in
        </Button>
      </form>
      {open.data?.open ? (
        <p class="ad-auth-alt">
          New to Switchboard? <Link href="/admin/signup">Create an account for your company</Link>
        </p>
      ) : null}
      <details class="ad-operator">
        <summary>Platform operator? Use an admin token</summary>
        <form
          class="ad-form"
          onSubmit={async (e) => {
            e.preventDefault();
            const ok = await withToken.run(async () => {
              auth.useToken(token.trim());
              try {
                await listOrgs();
              } catch (error) {
                auth.useToken(null);
                throw error;
              }
            });
            if (ok) onSignedIn();
          }}
        >
          <TextField label="Admin token" type="password" autoComplete="off" hint="ADMIN_TOKEN or an issued sbat_… token; kept in this tab only." required value={token} onValue={setToken} />
          <ErrorNote error={withToken.error} />
          <Button type="submit" busy={withToken.busy}>
            Use token
          </Button>
        </form>
      </details>
    </AuthCard>
  );
}

export function SignUpPage({ onSignedIn }: { onSignedIn: () => void }) {
  const open = useLoad(signupStatus, []);
  const [form, setForm] = useState({ company: "", name: "", email: "", password: "" });
  const action = useAction();
  const set = (k: keyof typeof form) => (v: string) => setForm({ ...form, [k]: v });
  if (!open.data) return <AuthCard title="Create an account">{open.error ? <ErrorNote error={open.error} /> : <Loading />}</AuthCard>;
  if (!open.data.open) {
    return (
      <AuthCard title="Sign-up is closed">
        <p>This Switchboard does not let anyone sign up: ask its operator for an invitation.</p>
        <p>
          <Link href="/admin/signin">Sign in</Link>
        </p>
      </AuthCard>
    );
  }
  const f = action.error?.fields ?? {};
  return (
    <AuthCard title="Create an account">
      <p class="ad-sub">Your company gets its own org; you are its owner.</p>
      <form
        class="ad-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const ok = await action.run(async () => {
            auth.useToken(null);
            auth.useCsrf((await signup(form)).csrfToken);
          });
          if (ok) {
            navigate("/admin", { replace: true });
            onSignedIn();
          }
        }}
      >
        <TextField label="Company" required value={form.company} onValue={set("company")} error={f.company} />
        <TextField label="Your name" required autoComplete="name" value={form.name} onValue={set("name")} error={f.name} />
        <TextField label="Email" type="email" required autoComplete="email" value={form.email} onValue={set("email")} error={f.email} />
        <TextField
          label="Password"
          type="password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          autoComplete="new-password"
          hint={`At least ${MIN_PASSWORD_LENGTH} characters, not a common password.`}
          value={form.password}
          onValue={set("password")}
          error={f.password}
        />
        {Object.keys(f).length ? null : <ErrorNote error={action.error} />}
        <Button type="submit" kind="primary" busy={action.busy} busyLabel="Creating…">
          Create account
        </Button>
      </form>
      <p class="ad-auth-alt">
        Have an account? <Link href="/admin/signin">Sign in</Link>
      </p>
    </AuthCard>
  );
}

export function InvitePage({ onSignedIn }: { onSignedIn: () => void }) {
  const token = location.hash.slice(1);
  const info = useLoad(() => inspectInvitation(token), [token]);
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction();
  const f = action.error?.fields ?? {};
  return (
    <AuthCard title="Join your team">
      {info.error ? <ErrorNote error={info.error} /> : null}
      {!info.data && !info.error ? <Loading label="Checking the invitation…" /> : null}
      {info.data ? (
        <>
          <p>
            You are invited to <strong>{info.data.orgName}</strong> as {info.data.role === "agent" ? "a support agent" : `an ${info.data.role}`}.
          </p>
          <form
            class="ad-form"
            onSubmit={async (e) => {
              e.preventDefault();
              const ok = await action.run(async () => {
                auth.useToken(null);
                const me = await acceptInvitation({ token, name, password, ...(info.data?.email ? {} : { email }) });
                auth.useCsrf(me.csrfToken);
              });
              if (ok) {
                history.replaceState(null, "", "/admin");
                onSignedIn();
              }
            }}
          >
            <TextField label="Your name" required autoComplete="name" value={name} onValue={setName} error={f.name} />
            {info.data.email ? (
              <p class="ad-hint">You will sign in as {info.data.email}.</p>
            ) : (
              <TextField label="Email" type="email" required autoComplete="email" value={email} onValue={setEmail} error={f.email} />
            )}
            <TextField
              label="Password"
              type="password"
              required
              minLength={MIN_PASSWORD_LENGTH}
              autoComplete="new-password"
              hint={`At least ${MIN_PASSWORD_LENGTH} characters, not a common password.`}
              value={password}
              onValue={setPassword}
              error={f.password}
            />
            {Object.keys(f).length ? null : <ErrorNote error={action.error} />}
            <Button type="submit" kind="primary" busy={action.busy} busyLabel="Joining…">
              Join
            </Button>
          </form>
        </>
      ) : null}
    </AuthCard>
  );
}

export function AgentRefusedPage({ staff, onSignOut }: { staff: StaffMember; onSignOut: () => void }) {
  return (
    <AuthCard title="The console is for owners and admins">
      <p>
        You are signed in as {staff.email}, a support agent. Your work is in the inbox; the console (sites, agents, knowledge, budgets) is for your org's owners and admins —
        ask one of them if you need access.
      </p>
      <p class="ad-actions">
        <a class="ad-btn ad-primary" href="/inbox">
          Open the inbox
        </a>
        <Button onClick={onSignOut}>Sign out</Button>
      </p>
    </AuthCard>
  );
}

export function AccountRoute() {
  const session = useSession();
  return <AccountPage staff={session.who.kind === "staff" ? session.who.staff : null} />;
}

export function AccountPage({ staff }: { staff: StaffMember | null }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const action = useAction();
  useEffect(() => () => action.clear(), []);
  if (!staff) {
    return (
      <>
        <PageHeader title="Account" />
        <p>You are signed in with an admin token, kept in this browser tab only. Close the tab or sign out to forget it.</p>
      </>
    );
  }
  const f = action.error?.fields ?? {};
  return (
    <>
      <PageHeader title="Account" subtitle={`${staff.name} · ${staff.email} · ${staff.role}`} />
      <section class="ad-section" aria-labelledby="pw-h">
        <h2 id="pw-h">Change your password</h2>
        <form
          class="ad-form ad-narrow"
          onSubmit={async (e) => {
            e.preventDefault();
            if (
              await action.run(async () => {
                await changePassword(current, next);
              })
            ) {
              setCurrent("");
              setNext("");
              notify("Password changed; your other sessions were signed out");
            }
          }}
        >
          <TextField label="Current password" type="password" autoComplete="current-password" required value={current} onValue={setCurrent} error={f.currentPassword} />
          <TextField
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            hint={`At least ${MIN_PASSWORD_LENGTH} characters. Your other sessions are signed out.`}
            value={next}
            onValue={setNext}
            error={f.newPassword}
          />
          {f.currentPassword || f.newPassword ? null : <ErrorNote error={action.error} />}
          <Button type="submit" kind="primary" busy={action.busy}>
            Change password
          </Button>
        </form>
      </section>
    </>
  );
}
