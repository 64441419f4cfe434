/**
 * The console's building blocks: loading and error states for every request, labelled
 * fields that show the server's message for their path, buttons that say when they are busy,
 * copy buttons, and a polite live region for "saved".
 */
import type { ComponentChildren, JSX } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiFailure } from "./api";

// ---- requests -----------------------------------------------------------------------------

export interface Loaded<T> {
  data: T | undefined;
  error: ApiFailure | null;
  loading: boolean;
  reload: () => Promise<void>;
  setData: (value: T) => void;
}

const asFailure = (e: unknown) => (e instanceof ApiFailure ? e : new ApiFailure(0, "error", e instanceof Error ? e.message : String(e)));

/** Runs `load` now and whenever `deps` change; the latest answer wins. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    setLoading(true);
    try {
      const value = await load();
      if (ticket === latest.current) {
        setData(value);
        setError(null);
      }
    } catch (e) {
      if (ticket === latest.current) setError(asFailure(e));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload, setData };
}

export interface Action {
  busy: boolean;
  error: ApiFailure | null;
  run: (fn: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
}

/** A button's request: busy while it runs, its failure kept for the form to show. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | null>(null);
  const run = useCallback(async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      setError(asFailure(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}

// ---- notices ------------------------------------------------------------------------------

let announce: (text: string) => void = () => {};
/** Says something briefly in the page's polite live region ("Saved", "Copied"). */
export const notify = (text: string) => announce(text);

export function Notices() {
  const [text, setText] = useState("");
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    announce = (t) => {
      setText(t);
      clearTimeout(timer);
      timer = setTimeout(() => setText(""), 4000);
    };
    return () => clearTimeout(timer);
  }, []);
  return (
    <div class="ad-notice" role="status" aria-live="polite" data-shown={text ? "true" : "false"}>
      {text}
    </div>
  );
}

// ---- states -------------------------------------------------------------------------------

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p class="ad-loading" role="status" aria-live="polite">
      <span class="ad-spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function ErrorNote({ error, retry }: { error: ApiFailure | null | undefined; retry?: () => void }) {
  if (!error) return null;
  return (
    <div class="ad-error" role="alert">
      <p>{error.message}</p>
      {retry ? (
        <button type="button" class="ad-btn ad-small" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** Loading, failed, or the data: what every page does with a request. */
export function Await<T>({ load, children, label }: { load: Loaded<T>; children: (data: T) => ComponentChildren; label?: string }) {
  if (load.data !== undefined) return <>{children(load.data)}</>;
  if (load.error) return <ErrorNote error={load.error} retry={() => void load.reload()} />;
  return <Loading {...(label ? { label } : {})} />;
}

/** A table that scrolls sideways on a narrow screen (reachable by keyboard when it does). */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="ad-table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="ad-empty">
      <p class="ad-empty-title">{title}</p>
      {children}
    </div>
  );
}

// ---- layout -------------------------------------------------------------------------------

export function PageHeader({ title, subtitle, children }: { title: string; subtitle?: ComponentChildren; children?: ComponentChildren }) {
  return (
    <header class="ad-page-head">
      <div>
        <h1 tabIndex={-1} id="ad-title">
          {title}
        </h1>
        {subtitle ? <p class="ad-sub">{subtitle}</p> : null}
      </div>
      {children ? <div class="ad-head-actions">{children}</div> : null}
    </header>
  );
}

export function Section({ title, description, children, id }: { title: string; description?: ComponentChildren; children: ComponentChildren; id?: string }) {
  return (
    <section class="ad-section" aria-labelledby={id ? `${id}-h` : undefined} id={id}>
      <h2 id={id ? `${id}-h` : undefined}>{title}</h2>
      {description ? <p class="ad-sub">{description}</p> : null}
      {children}
    </section>
  );
}

// ---- fields -------------------------------------------------------------------------------

let fieldSeq = 0;
/** A stable id for a field's label, hint and error. */
export function useId(prefix = "f"): string {
  const ref = useRef("");
  if (!ref.current) ref.current = `${prefix}-${++fieldSeq}`;
  return ref.current;
}

interface FieldProps {
  label: ComponentChildren;
  hint?: ComponentChildren;
  /** The server's message for this field (from ApiFailure.fields). */
  error?: string | undefined;
  children: (props: { id: string; "aria-describedby"?: string; "aria-invalid"?: boolean }) => ComponentChildren;
  class?: string;
}

export function Field({ label, hint, error, children, class: cls }: FieldProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : "", error ? `${id}-err` : ""].filter(Boolean).join(" ");
  return (
    <div class={`ad-field ${cls ?? ""}`}>
      <label for={id}>{label}</label>
      {children({ id, ...(described ? { "aria-describedby": described } : {}), ...(error ? { "aria-invalid": true } : {}) })}
      {hint ? (
        <p class="ad-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p class="ad-field-error" id={`${id}-err`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "value" | "onInput" | "label"> & {
  label: ComponentChildren;
  value: string;
  onValue: (value: string) => void;
  hint?: ComponentChildren;
  error?: string | undefined;
};

export function TextField({ label, value, onValue, hint, error, class: cls, ...rest }: InputProps) {
  return (
    <Field label={label} hint={hint} error={error} {...(typeof cls === "string" ? { class: cls } : {})}>
      {(p) => <input {...rest} {...p} value={value} onInput={(e) => onValue((e.target as HTMLInputElement).value)} />}
    </Field>
  );
}

type AreaProps = Omit<JSX.TextareaHTMLAttributes<HTMLTextAreaElement>, "value" | "onInput" | "label"> & {
  label: ComponentChildren;
  value: string;
  onValue: (value: string) => void;
  hint?: ComponentChildren;
  error?: string | undefined;
};

export function TextArea({ label, value, onValue, hint, error, class: cls, ...rest }: AreaProps) {
  return (
    <Field label={label} hint={hint} error={error} {...(typeof cls === "string" ? { class: cls } : {})}>
      {(p) => <textarea {...rest} {...p} value={value} onInput={(e) => onValue((e.target as HTMLTextAreaElement).value)} />}
    </Field>
  );
}

export function SelectField<T extends string>({
  label,
  value,
  onValue,
  options,
  hint,
  error,
}: {
  label: ComponentChildren;
  value: T;
  onValue: (value: T) => void;
  options: readonly (T | { value: T; label: string })[];
  hint?: ComponentChildren;
  error?: string | undefined;
}) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => onValue((e.target as HTMLSelectElement).value as T)}>
          {options.map((o) => {
            const opt = typeof o === "string" ? { value: o, label: o } : o;
            return (
              <option key={opt.value} value={opt.value}>
                {opt.label}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
}

export function CheckField({ label, checked, onValue, hint }: { label: ComponentChildren; checked: boolean; onValue: (v: boolean) => void; hint?: ComponentChildren }) {
  const id = useId("c");
  return (
    <div class="ad-check">
      <input type="checkbox" id={id} checked={checked} onChange={(e) => onValue((e.target as HTMLInputElement).checked)} {...(hint ? { "aria-describedby": `${id}-hint` } : {})} />
      <label for={id}>{label}</label>
      {hint ? (
        <p class="ad-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A set of checkboxes over `options`, holding the chosen values. */
export function CheckGroup({
  legend,
  options,
  value,
  onValue,
  hint,
  error,
  empty,
}: {
  legend: string;
  options: { value: string; label: ComponentChildren }[];
  value: string[];
  onValue: (v: string[]) => void;
  hint?: ComponentChildren;
  error?: string | undefined;
  empty?: ComponentChildren;
}) {
  const id = useId("g");
  return (
    <fieldset class="ad-group" aria-describedby={[hint ? `${id}-hint` : "", error ? `${id}-err` : ""].filter(Boolean).join(" ") || undefined}>
      <legend>{legend}</legend>
      {hint ? (
        <p class="ad-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {options.length === 0 ? <p class="ad-hint">{empty ?? "Nothing to choose from yet."}</p> : null}
      <div class="ad-group-options">
        {options.map((o) => (
          <CheckField
            key={o.value}
            label={o.label}
            checked={value.includes(o.value)}
            onValue={(on) => onValue(on ? [...value, o.value] : value.filter((v) => v !== o.value))}
          />
        ))}
      </div>
      {error ? (
        <p class="ad-field-error" id={`${id}-err`}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

// ---- buttons ------------------------------------------------------------------------------

type ButtonProps = JSX.ButtonHTMLAttributes<HTMLButtonElement> & { busy?: boolean; kind?: "primary" | "danger" | "plain"; small?: boolean; busyLabel?: string };

export function Button({ busy, kind = "plain", small, busyLabel, children, disabled, class: cls, type, ...rest }: ButtonProps) {
  return (
    <button
      type={(type as "button" | "submit" | undefined) ?? "button"}
      class={`ad-btn ad-${kind}${small ? " ad-small" : ""} ${cls ?? ""}`}
      disabled={Boolean(disabled) || busy}
      aria-busy={busy ? "true" : undefined}
      {...rest}
    >
      {busy ? (busyLabel ?? "Working…") : children}
    </button>
  );
}

/** A destructive action asks once more, in place (no dialog to dismiss). */
export function DangerButton({ onConfirm, children, busy, label }: { onConfirm: () => void; children: ComponentChildren; busy?: boolean; label?: string }) {
  const [asking, setAsking] = useState(false);
  useEffect(() => {
    if (!asking) return;
    const t = setTimeout(() => setAsking(false), 5000);
    return () => clearTimeout(t);
  }, [asking]);
  return (
    <Button
      kind="danger"
      small
      busy={busy ?? false}
      title={label}
      onClick={() => {
        if (asking) {
          setAsking(false);
          onConfirm();
        } else setAsking(true);
      }}
    >
      {asking ? "Click again to confirm" : children}
    </Button>
  );
}

async function writeClipboard(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Older browsers and unfocused pages: the selection route.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "ad-offscreen";
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      small
      onClick={async () => {
        await writeClipboard(text);
        setCopied(true);
        notify("Copied to the clipboard");
        setTimeout(() => setCopied(false), 2000);
      }}
    >
      {copied ? "Copied" : label}
    </Button>
  );
}

export function Tabs<T extends string>({ tabs, value, onValue, label }: { tabs: { id: T; label: string }[]; value: T; onValue: (t: T) => void; label: string }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const index = tabs.findIndex((t) => t.id === value);
  return (
    <div class="ad-tabs" role="tablist" aria-label={label}>
      {tabs.map((t, i) => (
        <button
          key={t.id}
          ref={(el) => void (refs.current[i] = el)}
          type="button"
          role="tab"
          id={`tab-${t.id}`}
          aria-selected={t.id === value}
          aria-controls={`panel-${t.id}`}
          tabIndex={t.id === value ? 0 : -1}
          onClick={() => onValue(t.id)}
          onKeyDown={(e) => {
            const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
            if (!step) return;
            e.preventDefault();
            const next = tabs[(index + step + tabs.length) % tabs.length];
            if (next) {
              onValue(next.id);
              refs.current[(index + step + tabs.length) % tabs.length]?.focus();
            }
          }}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

export function TabPanel({ id, children }: { id: string; children: ComponentChildren }) {
  return (
    <div role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} class="ad-tabpanel">
      {children}
    </div>
  );
}

/** A JSON value edited as text: the value changes only while the text parses. */
export function JsonField({ label, value, onValue, error, hint, rows = 3 }: { label: string; value: unknown; onValue: (v: Record<string, unknown> | undefined) => void; error?: string | undefined; hint?: string; rows?: number }) {
  const [text, setText] = useState(JSON.stringify(value, null, 2));
  const [bad, setBad] = useState<string | null>(null);
  useEffect(() => {
    try {
      if (JSON.stringify(JSON.parse(text)) !== JSON.stringify(value)) setText(JSON.stringify(value, null, 2));
    } catch {
      // keep what the user is typing
    }
  }, [JSON.stringify(value)]);
  return (
    <TextArea
      label={label}
      rows={rows}
      class="ad-mono"
      spellcheck={false}
      value={text}
      onValue={(t) => {
        setText(t);
        try {
          const parsed = t.trim() ? JSON.parse(t) : {};
          if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("a JSON object");
          setBad(null);
          onValue(parsed as Record<string, unknown>);
        } catch {
          setBad("not a JSON object yet: the last valid value is kept");
        }
      }}
      error={bad ?? error}
      {...(hint ? { hint } : {})}
    />
  );
}

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "—");
export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;
