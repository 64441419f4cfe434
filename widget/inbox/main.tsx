/**
 * /inbox: the staff support inbox. Sign in, then the inbox (Inbox.tsx): the queue live with
 * search and filters, a conversation with its visitor and trace, claim / take over /
 * reassign / resolve / return to the bot, replies with canned replies, internal notes,
 * labels, presence, keyboard shortcuts — on a desk or a phone.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { login, logout, type Me, me } from "./api";
import { Inbox } from "./Inbox";

function App() {
  const [session, setSession] = useState<Me | null | undefined>(undefined);
  useEffect(() => {
    me().then(setSession, () => setSession(null));
  }, []);
  if (session === undefined) return <p class="ib-loading">Loading…</p>;
  if (!session) return <Login onIn={setSession} />;
  return (
    <Inbox
      session={session}
      onOut={() => {
        void logout().finally(() => setSession(null));
      }}
    />
  );
}

function Login({ onIn }: { onIn(m: Me): void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <main class="ib-login">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          login(email, password).then(onIn, (err: Error) => setError(err.message));
        }}
      >
        <h1>Support inbox</h1>
        <label>
          Email
          <input type="email" autocomplete="username" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Password
          <input type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        {error ? (
          <p class="ib-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

render(<App />, document.getElementById("inbox") as HTMLElement);
