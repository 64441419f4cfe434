/**
 * Sites: the list, a new site (with an assistant and a knowledge collection when the org has
 * no agent yet), and one site's settings — brand with a live preview of the real widget,
 * per-locale texts, behaviour (entry agent, hours, handoff, lead form), embedding (origins,
 * the snippet, identity verification) and the webhook (test event, deliveries). Saving sends
 * only what changed (PATCH), so write-only secrets stay as they are.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { SiteOut, SitePatch, WebhookDelivery } from "../../../shared/admin";
import { WRITE_ONLY } from "../../../shared/admin-constants";
import type { PublicSiteConfig } from "../../../shared/config";
import { ApiFailure } from "../api";
import { mergePatchOf, useDraft } from "../draft";
import {
  createAgent,
  createCollection,
  createSite,
  deleteAgent,
  deleteCollection,
  deleteSite,
  getSite,
  listAgents,
  listCollections,
  listSites,
  listWebhookDeliveries,
  publicSiteConfig,
  sendTestWebhook,
  updateSite,
} from "../endpoints";
import type { PageProps } from "../routes";
import { Link, navigate, setQuery } from "../router";
import {
  Await,
  Button,
  CheckField,
  CopyButton,
  DangerButton,
  Empty,
  ErrorNote,
  Field,
  notify,
  PageHeader,
  Section,
  SelectField,
  TableWrap,
  TabPanel,
  Tabs,
  TextArea,
  TextField,
  useAction,
  useLoad,
  when,
} from "../ui";

const slugify = (text: string) =>
  text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);

// ---- the list -----------------------------------------------------------------------------

export function SitesPage({ org }: PageProps) {
  const sites = useLoad(() => listSites(org), [org]);
  return (
    <>
      <PageHeader title="Sites" subtitle="Each site is one place your assistant lives, with its own look, texts and agents.">
        <Link class="ad-btn ad-primary" href={`/admin/orgs/${org}/sites/new`}>
          New site
        </Link>
      </PageHeader>
      <Await load={sites}>
        {({ sites: list }) =>
          list.length === 0 ? (
            <Empty title="No site yet">
              <p>Create a site to get the script tag for your pages. It takes a minute.</p>
              <Link class="ad-btn ad-primary" href={`/admin/orgs/${org}/sites/new`}>
                Create your first site
              </Link>
            </Empty>
          ) : (
            <ul class="ad-cards">
              {list.map((s) => (
                <li key={s.key} class="ad-card">
                  <span class="ad-swatch" data-color={s.theme.primaryColor} ref={(el) => el?.style.setProperty("--swatch", s.theme.primaryColor)} aria-hidden="true" />
                  <div class="ad-card-body">
                    <h2 class="ad-card-title">
                      <Link href={`/admin/orgs/${org}/sites/${s.key}`}>{s.name}</Link>
                    </h2>
                    <p class="ad-sub">
                      key <code>{s.key}</code> · answers: {s.entryAgent} · {s.allowedOrigins.length ? s.allowedOrigins.join(", ") : "no origin allowed yet"}
                    </p>
                  </div>
                </li>
              ))}
            </ul>
          )
        }
      </Await>
    </>
  );
}

// ---- a new site ---------------------------------------------------------------------------

export function NewSitePage({ org }: PageProps) {
  const agents = useLoad(() => listAgents(org), [org]);
  const [name, setName] = useState("");
  const [key, setKey] = useState("");
  const [keyTouched, setKeyTouched] = useState(false);
  const [origin, setOrigin] = useState("");
  const [agent, setAgent] = useState("__new");
  const action = useAction();
  const siteKey = keyTouched ? key : slugify(name);
  const f = action.error?.fields ?? {};
  return (
    <>
      <PageHeader title="New site" subtitle="Name it and say where it will run; you can change everything later." />
      <Await load={agents}>
        {({ agents: list }) => (
          <form
            class="ad-form ad-narrow"
            onSubmit={async (e) => {
              e.preventDefault();
              const ok = await action.run(async () => {
                let entryAgent = agent;
                // What this form made, undone if the site cannot be created (a taken key, say).
                const undo: (() => Promise<unknown>)[] = [];
                if (agent === "__new") {
                  // A fresh org gets a working assistant: an agent that reads the site's own collection.
                  const collection = `${siteKey}-help`.slice(0, 64);
                  const existing = (await listCollections(org)).collections.some((c) => c.id === collection);
                  await createCollection(org, collection, `${name} help`);
                  if (!existing) undo.push(() => deleteCollection(org, collection));
                  entryAgent = `${siteKey}-assistant`.slice(0, 64);
                  try {
                    await createAgent(org, {
                      id: entryAgent,
                      name: `${name} Assistant`.slice(0, 80),
                      description: `Answers visitors' questions about ${name} from its help articles.`,
                      instructions: `You are the assistant on ${name}'s website. Answer from the help articles you find, cite them, and offer a person when you cannot help.`,
                      tools: ["search_knowledge", "handoff_to_human", "capture_lead"],
                      knowledge: [collection],
                    });
                    undo.unshift(() => deleteAgent(org, entryAgent));
                  } catch (error) {
                    if (!(error instanceof ApiFailure && error.status === 409)) throw error;
                  }
                }
                try {
                  await createSite(org, { key: siteKey, name, entryAgent, allowedOrigins: origin.trim() ? [origin.trim().replace(/\/+$/, "")] : [], theme: { title: name.slice(0, 80) } });
                } catch (error) {
                  for (const step of undo) await step().catch(() => {});
                  throw error;
                }
              });
              if (ok) {
                notify("Site created");
                navigate(`/admin/orgs/${org}/sites/${siteKey}`);
              }
            }}
          >
            <TextField label="Site name" required value={name} onValue={setName} error={f.name} hint="Your company or product, as visitors know it." />
            <TextField
              label="Site key"
              required
              pattern="[a-z0-9][a-z0-9_-]*"
              value={siteKey}
              onValue={(v) => {
                setKey(v);
                setKeyTouched(true);
              }}
              error={f.key}
              hint="Goes in the script tag; lowercase letters, digits, - and _. Never reused."
            />
            <TextField
              label="Your website's address"
              type="url"
              placeholder="https://www.example.com"
              value={origin}
              onValue={setOrigin}
              error={f["allowedOrigins.0"]}
              hint="The widget only works on origins you allow (you can add more later)."
            />
            <SelectField
              label="Who answers"
              value={agent}
              onValue={setAgent}
              options={[{ value: "__new", label: "A new assistant for this site (recommended)" }, ...list.map((a) => ({ value: a.id, label: `${a.name} (${a.id})` }))]}
              error={f.entryAgent}
              hint="The agent visitors talk to first; it can delegate to specialists."
            />
            {Object.keys(f).length ? null : <ErrorNote error={action.error} />}
            <div class="ad-actions">
              <Button type="submit" kind="primary" busy={action.busy} busyLabel="Creating…">
                Create site
              </Button>
              <Link class="ad-btn" href={`/admin/orgs/${org}/sites`}>
                Cancel
              </Link>
            </div>
          </form>
        )}
      </Await>
    </>
  );
}

// ---- one site -----------------------------------------------------------------------------

type Tab = "brand" | "texts" | "behaviour" | "embed" | "webhook";
const TABS: { id: Tab; label: string }[] = [
  { id: "brand", label: "Brand" },
  { id: "texts", label: "Texts" },
  { id: "behaviour", label: "Behaviour" },
  { id: "embed", label: "Embed" },
  { id: "webhook", label: "Webhook" },
];

export function SitePage({ org, params, query }: PageProps) {
  const key = params.key as string;
  const load = useLoad(() => Promise.all([getSite(org, key), listAgents(org), publicSiteConfig(key).catch(() => null)]), [org, key]);
  return (
    <Await load={load}>
      {([site, agents, pub]) => <SiteEditor org={org} site={site} agents={agents.agents.map((a) => ({ id: a.id, name: a.name }))} pub={pub} tab={(query.get("tab") as Tab) ?? "brand"} />}
    </Await>
  );
}

function SiteEditor({ org, site, agents, pub, tab }: { org: string; site: SiteOut; agents: { id: string; name: string }[]; pub: PublicSiteConfig | null; tab: Tab }) {
  const d = useDraft(site);
  const save = useAction();
  const s = d.draft;
  const f = save.error?.fields ?? {};
  const current = TABS.some((t) => t.id === tab) ? tab : "brand";
  const doSave = async () => {
    const change = mergePatchOf(d.base, d.draft, ["businessHours"]) as SitePatch | undefined;
    if (!change) return;
    let saved: SiteOut | null = null;
    if (await save.run(async () => void (saved = await updateSite(org, site.key, change)))) {
      d.saved(saved as unknown as SiteOut);
      notify("Saved");
    }
  };
  return (
    <>
      <PageHeader title={s.name} subtitle={<>Site key <code>{site.key}</code></>}>
        <Link class="ad-btn" href={`/admin/orgs/${org}/playground?site=${site.key}`}>
          Try in playground
        </Link>
      </PageHeader>
      <div class="ad-split">
        <form
          class="ad-split-main"
          onSubmit={(e) => {
            e.preventDefault();
            void doSave();
          }}
        >
          <Tabs label="Site settings" tabs={TABS} value={current} onValue={(t) => setQuery({ tab: t === "brand" ? undefined : t })} />
          <TabPanel id={current}>
            {current === "brand" ? <BrandTab d={d} f={f} /> : null}
            {current === "texts" ? <TextsTab d={d} f={f} /> : null}
            {current === "behaviour" ? <BehaviourTab org={org} d={d} f={f} agents={agents} /> : null}
            {current === "embed" ? <EmbedTab d={d} f={f} /> : null}
            {current === "webhook" ? <WebhookTab org={org} d={d} f={f} /> : null}
          </TabPanel>
          <div class={d.dirty ? "ad-savebar ad-dirty" : "ad-savebar"}>
            {Object.keys(f).length ? <p class="ad-field-error" role="alert">Some fields need a look: {Object.keys(f).join(", ")}.</p> : <ErrorNote error={save.error} />}
            <span class="ad-sub">{d.dirty ? "Unsaved changes" : "All changes saved"}</span>
            <Button onClick={() => d.reset()} disabled={!d.dirty || save.busy}>
              Discard
            </Button>
            <Button type="submit" kind="primary" busy={save.busy} busyLabel="Saving…" disabled={!d.dirty}>
              Save changes
            </Button>
          </div>
        </form>
        <aside class="ad-split-side" aria-label="Live preview">
          <Preview site={s} pub={pub} />
        </aside>
      </div>
    </>
  );
}

type Draft = ReturnType<typeof useDraft<SiteOut>>;
type Errors = Record<string, string>;

// ---- preview ------------------------------------------------------------------------------

/** The real widget in a frame; every unsaved change is sent to it (Switchboard("preview", …)). */
function Preview({ site, pub }: { site: SiteOut; pub: PublicSiteConfig | null }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [locale, setLocale] = useState("");
  const [screen, setScreen] = useState<"phone" | "desktop">("phone");
  const config: PublicSiteConfig = {
    key: site.key,
    name: site.name,
    theme: site.theme,
    texts: site.texts,
    locale: locale || site.locale,
    leadForm: site.leadForm,
    provider: pub?.provider ?? "offline",
    identityRequired: pub?.identityRequired ?? false,
  };
  const send = () => frame.current?.contentWindow?.postMessage({ type: "switchboard:preview", config }, location.origin);
  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      if (e.origin === location.origin && e.source === frame.current?.contentWindow && (e.data as { type?: string })?.type === "switchboard:preview-ready") send();
    };
    window.addEventListener("message", onMessage);
    return () => window.removeEventListener("message", onMessage);
  });
  useEffect(send, [JSON.stringify(config)]);
  const locales = ["", "en", "fr", "ar", ...Object.keys(site.texts)].filter((l, i, all) => all.indexOf(l) === i);
  return (
    <div class="ad-preview">
      <div class="ad-preview-head">
        <h2>Preview</h2>
        <SelectField label="As a visitor in" value={locale} onValue={setLocale} options={locales.map((l) => ({ value: l, label: l || `the site's locale (${site.locale})` }))} />
      </div>
      <fieldset class="ad-group ad-inline ad-seg">
        <legend class="ad-offscreen">Screen</legend>
        {(["phone", "desktop"] as const).map((s) => (
          <label key={s} class="ad-radio">
            <input type="radio" name="ad-screen" value={s} checked={screen === s} onChange={() => setScreen(s)} /> {s === "phone" ? "Phone" : "Desktop (scaled)"}
          </label>
        ))}
      </fieldset>
      <div class={`ad-stage ad-stage-${screen}`}>
        <iframe ref={frame} class="ad-preview-frame" src={`/admin/preview/${site.key}`} title={`Preview of the ${site.name} widget`} />
      </div>
      <p class="ad-hint">The real widget with your unsaved changes. Messages you send here are real conversations.</p>
    </div>
  );
}

// ---- tabs ---------------------------------------------------------------------------------

function BrandTab({ d, f }: { d: Draft; f: Errors }) {
  const t = d.draft.theme;
  return (
    <>
      <Section title="Look">
        <div class="ad-row">
          <Field label="Colour" error={f["theme.primaryColor"]} hint="Buttons, the launcher and your messages.">
            {(p) => (
              <div class="ad-color">
                <input type="color" value={t.primaryColor} onInput={(e) => d.set("theme.primaryColor", (e.target as HTMLInputElement).value)} aria-label="Colour picker" />
                <input {...p} value={t.primaryColor} pattern="#[0-9a-fA-F]{6}" onInput={(e) => d.set("theme.primaryColor", (e.target as HTMLInputElement).value)} />
              </div>
            )}
          </Field>
          <SelectField
            label="Position"
            value={t.position}
            onValue={(v) => d.set("theme.position", v)}
            options={[
              { value: "right", label: "Bottom right" },
              { value: "left", label: "Bottom left" },
            ]}
            error={f["theme.position"]}
          />
        </div>
        <TextField label="Logo URL" type="url" placeholder="https://…/logo.png" value={t.logoUrl ?? ""} onValue={(v) => d.set("theme.logoUrl", v || undefined)} error={f["theme.logoUrl"]} hint="A square image shown in the header (https)." />
      </Section>
      <Section title="Words">
        <TextField label="Title" maxLength={80} value={t.title} onValue={(v) => d.set("theme.title", v)} error={f["theme.title"]} />
        <TextField label="Subtitle" maxLength={160} value={t.subtitle} onValue={(v) => d.set("theme.subtitle", v)} error={f["theme.subtitle"]} hint="Typical reply time, opening hours…" />
        <TextArea label="Welcome message" rows={3} maxLength={1000} value={t.welcome} onValue={(v) => d.set("theme.welcome", v)} error={f["theme.welcome"]} />
        <ListEditor label="Suggested questions" hint="Up to 6 one-tap starters on the widget's first screen." max={6} items={t.suggestions} onItems={(v) => d.set("theme.suggestions", v)} error={f["theme.suggestions"]} />
        <SelectField
          label="Assistant tone"
          value={d.draft.tone}
          onValue={(v) => d.set("tone", v)}
          options={[
            { value: "friendly", label: "Friendly" },
            { value: "professional", label: "Professional" },
            { value: "concise", label: "Concise" },
            { value: "playful", label: "Playful" },
          ]}
          hint="Added to what the answering agent is told, for this site only."
          error={f.tone}
        />
        <TextField
          label="Locale"
          value={d.draft.locale}
          onValue={(v) => d.set("locale", v)}
          error={f.locale}
          hint="auto follows the visitor's browser; or en, fr, ar (right to left)…"
          list="ad-locales"
        />
        <datalist id="ad-locales">
          {["auto", "en", "fr", "ar", "de", "es", "it", "pt", "nl"].map((l) => (
            <option key={l} value={l} />
          ))}
        </datalist>
      </Section>
    </>
  );
}

/** An editable list of short strings. */
function ListEditor({ label, hint, items, onItems, max, error }: { label: string; hint?: string; items: string[]; onItems: (v: string[]) => void; max: number; error?: string | undefined }) {
  return (
    <fieldset class="ad-group">
      <legend>{label}</legend>
      {hint ? <p class="ad-hint">{hint}</p> : null}
      {items.map((item, i) => (
        <div class="ad-list-row" key={i}>
          <Field label={`${label} ${i + 1}`} class="ad-grow">
            {(p) => <input {...p} value={item} maxLength={120} onInput={(e) => onItems(items.map((x, j) => (j === i ? (e.target as HTMLInputElement).value : x)))} />}
          </Field>
          <Button small onClick={() => onItems(items.filter((_, j) => j !== i))} aria-label={`Remove ${label.toLowerCase()} ${i + 1}`}>
            Remove
          </Button>
        </div>
      ))}
      {items.length < max ? (
        <Button small onClick={() => onItems([...items, ""])}>
          Add
        </Button>
      ) : null}
      {error ? <p class="ad-field-error">{error}</p> : null}
    </fieldset>
  );
}

function TextsTab({ d, f }: { d: Draft; f: Errors }) {
  const [adding, setAdding] = useState("");
  const texts = d.draft.texts;
  return (
    <Section title="Texts per language" description="Your own words for visitors in a language; anything left empty falls back to the Brand tab's.">
      {Object.keys(texts).length === 0 ? <p class="ad-hint">No language of its own yet: every visitor sees the Brand tab's words.</p> : null}
      {Object.entries(texts).map(([locale, t]) => (
        <fieldset class="ad-group" key={locale}>
          <legend>{locale}</legend>
          <TextField label={`Title (${locale})`} maxLength={80} value={t.title ?? ""} onValue={(v) => d.set(`texts.${locale}.title`, v || undefined)} error={f[`texts.${locale}.title`]} />
          <TextField label={`Subtitle (${locale})`} maxLength={160} value={t.subtitle ?? ""} onValue={(v) => d.set(`texts.${locale}.subtitle`, v || undefined)} error={f[`texts.${locale}.subtitle`]} />
          <TextArea label={`Welcome (${locale})`} rows={2} maxLength={1000} value={t.welcome ?? ""} onValue={(v) => d.set(`texts.${locale}.welcome`, v || undefined)} error={f[`texts.${locale}.welcome`]} />
          <ListEditor label={`Suggestions (${locale})`} max={6} items={t.suggestions ?? []} onItems={(v) => d.set(`texts.${locale}.suggestions`, v.length ? v : undefined)} error={f[`texts.${locale}.suggestions`]} />
          <Button small kind="danger" onClick={() => d.set(`texts.${locale}`, undefined)}>
            Remove {locale}
          </Button>
        </fieldset>
      ))}
      <div class="ad-row ad-end">
        <TextField label="Add a language" placeholder="fr, ar, pt-BR…" value={adding} onValue={setAdding} error={f.texts} />
        <Button
          onClick={() => {
            const l = adding.trim();
            if (!l || texts[l]) return;
            d.set(`texts.${l}`, {});
            setAdding("");
          }}
        >
          Add language
        </Button>
      </div>
    </Section>
  );
}

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function BehaviourTab({ org, d, f, agents }: { org: string; d: Draft; f: Errors; agents: { id: string; name: string }[] }) {
  const s = d.draft;
  const hours = s.businessHours;
  const remove = useAction();
  return (
    <>
      <Section title="General">
        <TextField label="Site name" value={s.name} onValue={(v) => d.set("name", v)} error={f.name} />
        <SelectField
          label="Entry agent"
          value={s.entryAgent}
          onValue={(v) => d.set("entryAgent", v)}
          options={agents.map((a) => ({ value: a.id, label: `${a.name} (${a.id})` }))}
          error={f.entryAgent}
          hint={
            <>
              The agent visitors talk to first. <Link href={`/admin/orgs/${org}/agents`}>See the agents</Link>
            </>
          }
        />
      </Section>
      <Section title="When a person is needed">
        <CheckField
          label="Business hours (outside them, the widget asks for an email)"
          checked={!!hours}
          onValue={(on) => d.set("businessHours", on ? { timezone: "UTC", days: { "1": ["09:00", "17:00"], "2": ["09:00", "17:00"], "3": ["09:00", "17:00"], "4": ["09:00", "17:00"], "5": ["09:00", "17:00"] } } : undefined)}
        />
        {hours ? (
          <div class="ad-hours">
            <TextField label="Time zone" value={hours.timezone} onValue={(v) => d.set("businessHours.timezone", v)} error={f["businessHours.timezone"]} hint="An IANA name such as Europe/Paris." />
            {DAYS.map((name, i) => {
              const day = hours.days[String(i)];
              return (
                <div class="ad-day" key={name}>
                  <CheckField label={name} checked={!!day} onValue={(on) => d.set(`businessHours.days.${i}`, on ? ["09:00", "17:00"] : undefined)} />
                  {day ? (
                    <>
                      <TextField label={`${name} opens`} type="time" value={day[0]} onValue={(v) => d.set(`businessHours.days.${i}`, [v, day[1]])} />
                      <TextField label={`${name} closes`} type="time" value={day[1]} onValue={(v) => d.set(`businessHours.days.${i}`, [day[0], v])} />
                    </>
                  ) : null}
                </div>
              );
            })}
          </div>
        ) : null}
        <TextField
          label="Handoff timeout (seconds)"
          type="number"
          min={1}
          max={86400}
          value={String(s.handoffTimeoutSec)}
          onValue={(v) => d.set("handoffTimeoutSec", Number(v))}
          error={f.handoffTimeoutSec}
          hint="If nobody claims a waiting conversation this long, the widget asks for an email."
        />
        <SelectField
          label="Lead form"
          value={s.leadForm}
          onValue={(v) => d.set("leadForm", v)}
          options={[
            { value: "off", label: "Off" },
            { value: "pre-chat", label: "Ask for name and email before the chat" },
          ]}
          error={f.leadForm}
        />
      </Section>
      <Section title="Delete this site">
        <p class="ad-sub">Its conversations stay readable; its key is never reused.</p>
        <ErrorNote error={remove.error} />
        <DangerButton
          label={`delete ${s.name}`}
          busy={remove.busy}
          onConfirm={async () => {
            if (await remove.run(() => deleteSite(org, s.key))) {
              notify("Site deleted");
              navigate(`/admin/orgs/${org}/sites`);
            }
          }}
        >
          Delete site
        </DangerButton>
      </Section>
    </>
  );
}

/** A new random secret (for the identity and webhook secrets). */
function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A write-only secret: whether it is set, and a way to replace or remove it (never read back). */
function SecretControl({ label, value, onValue, error, hint, optional = true }: { label: string; value: string | undefined; onValue: (v: string | undefined) => void; error?: string | undefined; hint?: string; optional?: boolean }) {
  const isSet = value === WRITE_ONLY;
  const fresh = value && value !== WRITE_ONLY ? value : null;
  return (
    <div class="ad-secret">
      <Field label={label} error={error} hint={hint}>
        {(p) => (
          <input
            {...p}
            type="text"
            autoComplete="off"
            spellcheck={false}
            value={fresh ?? ""}
            placeholder={isSet ? "Set (hidden). Type or generate to replace it." : "Not set"}
            onInput={(e) => {
              const v = (e.target as HTMLInputElement).value;
              onValue(v ? v : isSet ? WRITE_ONLY : undefined);
            }}
          />
        )}
      </Field>
      <div class="ad-actions">
        <Button small onClick={() => onValue(newSecret())}>
          Generate
        </Button>
        {fresh ? <CopyButton text={fresh} label="Copy secret" /> : null}
        {optional && (isSet || fresh) ? (
          <Button small kind="danger" onClick={() => onValue(undefined)}>
            Remove
          </Button>
        ) : null}
      </div>
      {fresh ? <p class="ad-hint">Copy it now: once saved, it is never shown again.</p> : null}
    </div>
  );
}

function EmbedTab({ d, f }: { d: Draft; f: Errors }) {
  const s = d.draft;
  const [origins, setOrigins] = useState(s.allowedOrigins.join("\n"));
  useEffect(() => setOrigins(s.allowedOrigins.join("\n")), [s.allowedOrigins.join("\n")]);
  const snippet = `<script src="${location.origin}/widget.js" data-site-key="${s.key}" async></script>`;
  const originError = Object.entries(f).find(([k]) => k.startsWith("allowedOrigins"))?.[1];
  return (
    <>
      <Section title="Where it may run" description="The widget answers only on these origins (scheme, host and port).">
        <TextArea
          label="Allowed origins (one per line)"
          rows={4}
          placeholder={"https://www.example.com\nhttp://localhost:*"}
          value={origins}
          onValue={(v) => {
            setOrigins(v);
            d.set(
              "allowedOrigins",
              v
                .split(/\s+/)
                .map((o) => o.trim().replace(/\/+$/, ""))
                .filter(Boolean),
            );
          }}
          error={originError}
          hint="https://www.example.com, or http://localhost:* for any port."
        />
      </Section>
      <Section title="The snippet" description="Paste it before </body> on every page that should have the chat (save your origins first).">
        <pre class="ad-code" id="ad-snippet" tabIndex={0} aria-label="The snippet">
          <code>{snippet}</code>
        </pre>
        <CopyButton text={snippet} label="Copy snippet" />
      </Section>
      <Section title="Identity verification" description="Sign who your logged-in visitors are, so nobody can claim another customer's conversations.">
        <SecretControl label="Identity secret" value={s.identitySecret} onValue={(v) => d.set("identitySecret", v)} error={f.identitySecret} hint="At least 16 characters. Your backend signs with it; it never leaves your server." />
        <p class="ad-sub">Your backend computes the signature and passes it to the widget:</p>
        <pre class="ad-code" tabIndex={0} aria-label="Signing identities on your backend">
          <code>{`Switchboard("identify", { userId, name, email, signature });

// signature = hex(HMAC-SHA256(userId + "\\n" + (email ?? ""), IDENTITY_SECRET))
crypto.createHmac("sha256", secret).update(\`\${userId}\\n\${email ?? ""}\`).digest("hex")            // Node
hmac.new(secret.encode(), f"{user_id}\\n{email or ''}".encode(), hashlib.sha256).hexdigest()      # Python
hash_hmac('sha256', $userId . "\\n" . ($email ?? ''), $secret)                                   // PHP
OpenSSL::HMAC.hexdigest("SHA256", secret, "#{user_id}\\n#{email}")                                # Ruby`}</code>
        </pre>
      </Section>
    </>
  );
}

function WebhookTab({ org, d, f }: { org: string; d: Draft; f: Errors }) {
  const s = d.draft;
  const hook = s.webhook;
  const saved = d.base.webhook;
  const deliveries = useLoad(() => (saved ? listWebhookDeliveries(org, s.key) : Promise.resolve({ deliveries: [] as WebhookDelivery[] })), [org, s.key, saved?.url]);
  const test = useAction();
  const unsaved = JSON.stringify(hook) !== JSON.stringify(saved);
  return (
    <>
      <Section title="Webhook" description="Switchboard POSTs signed JSON events here: conversation.handoff, message.human, conversation.resolved.">
        <CheckField label="Send events to a webhook" checked={!!hook} onValue={(on) => d.set("webhook", on ? { url: "", secret: "" } : undefined)} />
        {hook ? (
          <>
            <TextField label="Webhook URL" type="url" placeholder="https://example.com/hooks/switchboard" value={hook.url} onValue={(v) => d.set("webhook.url", v)} error={f["webhook.url"] ?? f.webhook} />
            <SecretControl
              label="Signing secret"
              optional={false}
              value={hook.secret || undefined}
              onValue={(v) => d.set("webhook.secret", v ?? "")}
              error={f["webhook.secret"]}
              hint="Verify x-switchboard-signature: sha256=hex(HMAC-SHA256(secret, timestamp + '.' + body))."
            />
          </>
        ) : null}
      </Section>
      {saved ? (
        <Section title="Deliveries" description="The latest events sent to your webhook, newest first.">
          <div class="ad-actions">
            <Button
              busy={test.busy}
              disabled={unsaved}
              onClick={async () => {
                if (await test.run(() => sendTestWebhook(org, s.key))) {
                  notify("Test event queued");
                  // The outbox delivers from its alarm: look again as it goes.
                  for (let i = 0; i < 10; i++) {
                    await deliveries.reload();
                    await new Promise((r) => setTimeout(r, 400));
                  }
                }
              }}
            >
              Send test event
            </Button>
            <Button onClick={() => void deliveries.reload()} busy={deliveries.loading} busyLabel="Refreshing…">
              Refresh
            </Button>
            {unsaved ? <span class="ad-hint">Save your webhook changes first.</span> : null}
          </div>
          <ErrorNote error={test.error} />
          <Await load={deliveries}>
            {({ deliveries: list }) =>
              list.length === 0 ? (
                <p class="ad-hint">No delivery yet: send a test event.</p>
              ) : (
                <TableWrap label="Webhook deliveries">
                <table class="ad-table">
                  <caption class="ad-offscreen">Webhook deliveries</caption>
                  <thead>
                    <tr>
                      <th scope="col">Event</th>
                      <th scope="col">Status</th>
                      <th scope="col">Attempts</th>
                      <th scope="col">When</th>
                      <th scope="col">Last error</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((x) => (
                      <tr key={x.id} data-status={x.status}>
                        <td>{x.type}</td>
                        <td>
                          <span class={`ad-badge ad-b-${x.status}`}>{x.status}</span>
                        </td>
                        <td>{x.attempts}</td>
                        <td>{when(x.createdAt)}</td>
                        <td>{x.lastError ?? "—"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                </TableWrap>
              )
            }
          </Await>
        </Section>
      ) : null}
    </>
  );
}

