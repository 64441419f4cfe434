/** Change your own password: the current one, then a new one twice. Other sessions end. */
import { useState } from "preact/hooks";
import { MIN_PASSWORD_LENGTH } from "../../shared/limits";
import { changePassword } from "./api";

export function PasswordForm({ onDone }: { onDone(): void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const field = (label: string, value: string, set: (v: string) => void, autocomplete: string) => (
    <label>
      {label}
      <input type="password" autocomplete={autocomplete} required minLength={autocomplete === "new-password" ? MIN_PASSWORD_LENGTH : 1} value={value} onInput={(e) => set((e.target as HTMLInputElement).value)} />
    </label>
  );
  return (
    <form
      class="ib-password"
      aria-label="Change password"
      onSubmit={(e) => {
        e.preventDefault();
        if (next !== again) return setMessage({ ok: false, text: "The new passwords do not match." });
        changePassword(current, next).then(
          () => {
            setCurrent("");
            setNext("");
            setAgain("");
            setMessage({ ok: true, text: "Password changed. Your other sessions were signed out." });
          },
          (err: Error) => setMessage({ ok: false, text: err.message }),
        );
      }}
    >
      {field("Current password", current, setCurrent, "current-password")}
      {field(`New password (${MIN_PASSWORD_LENGTH}+ characters)`, next, setNext, "new-password")}
      {field("New password again", again, setAgain, "new-password")}
      <button type="submit">Change password</button>
      <button type="button" class="ib-link" onClick={onDone}>
        Close
      </button>
      {message ? (
        <p class={message.ok ? "ib-ok" : "ib-error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      ) : null}
    </form>
  );
}
