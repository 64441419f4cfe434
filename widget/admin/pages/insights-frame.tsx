/**
 * What every insights page shares: the section's own navigation (topics, gaps, sources,
 * outcomes, digest), the site and period pickers (kept in the address, so a view is a link
 * to share), and the "Download CSV" link to a table's `.csv` twin with the same query.
 */
import type { ComponentChildren } from "preact";
import { auth, download } from "../api";
import { type InsightsQuery, insightsCsvPath, listSites } from "../endpoints";
import { Link, setQuery, useLocation } from "../router";
import { ErrorNote, PageHeader, SelectField, useAction, useLoad } from "../ui";

export const PERIODS = [
  { value: "7", label: "Last 7 days" },
  { value: "30", label: "Last 30 days" },
  { value: "90", label: "Last 90 days" },
  { value: "365", label: "Last 12 months" },
];

/** The insights query in the address: `site`, `days` (default 30), and `asOf` for outcomes (a link may pin it). */
export function insightsQuery(query: URLSearchParams): InsightsQuery & { days: number } {
  const days = Number(query.get("days") ?? 30);
  const site = query.get("site") ?? "";
  const asOf = query.get("asOf") ?? "";
  return { days: Number.isInteger(days) && days >= 1 && days <= 731 ? days : 30, ...(site ? { site } : {}), ...(asOf ? { asOf } : {}) };
}

const SECTIONS = [
  { label: "Topics", path: "" },
  { label: "Content gaps", path: "/gaps" },
  { label: "Sources", path: "/sources" },
  { label: "Outcomes & quality", path: "/outcomes" },
  { label: "Digest & settings", path: "/digest" },
];

export const insightsPath = (org: string, path = "") => {
  const q = new URLSearchParams(location.search);
  for (const k of [...q.keys()]) if (!["site", "days", "asOf"].includes(k)) q.delete(k);
  return `/admin/orgs/${org}/insights${path}${q.size ? `?${q}` : ""}`;
};

export function InsightsFrame({
  org,
  title,
  subtitle,
  actions,
  pickers = true,
  children,
}: {
  org: string;
  title: string;
  subtitle?: ComponentChildren;
  actions?: ComponentChildren;
  /** The site and period pickers (a topic's page keeps the period only). */
  pickers?: boolean | "period";
  children: ComponentChildren;
}) {
  const { path, query } = useLocation();
  const q = insightsQuery(query);
  const sites = useLoad(() => listSites(org), [org]);
  const base = `/admin/orgs/${org}/insights`;
  return (
    <>
      <PageHeader title={title} subtitle={subtitle}>
        {actions}
      </PageHeader>
      <nav class="ad-subnav" aria-label="Insights">
        <ul>
          {SECTIONS.map((s) => {
            const href = `${base}${s.path}`;
            const current = s.path === "" ? path === base || path.startsWith(`${base}/topics`) : path === href || path.startsWith(`${href}/`) || (s.path === "/gaps" && path.startsWith(`${base}/drafts`));
            return (
              <li key={s.path}>
                <Link href={insightsPath(org, s.path)} aria-current={current ? "page" : undefined}>
                  {s.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      {pickers ? (
        <form class="ad-filters" aria-label="Insights filters" onSubmit={(e) => e.preventDefault()}>
          {pickers === true ? (
            <SelectField
              label="Site"
              value={q.site ?? ""}
              onValue={(v) => setQuery({ site: v })}
              options={[{ value: "", label: "All sites" }, ...(sites.data?.sites ?? []).map((s) => ({ value: s.key, label: s.name }))]}
            />
          ) : null}
          <SelectField label="Period" value={String(q.days)} onValue={(v) => setQuery({ days: v === "30" ? undefined : v })} options={PERIODS.some((p) => p.value === String(q.days)) ? PERIODS : [...PERIODS, { value: String(q.days), label: `Last ${q.days} days` }]} />
        </form>
      ) : null}
      {children}
    </>
  );
}

/**
 * A table's CSV: a plain link with a staff session (the cookie goes along); with an admin
 * token, which a link cannot carry, the file is fetched and handed over.
 */
export function CsvLink({ org, table, query, name, label = "Download CSV" }: { org: string; table: string; query: InsightsQuery; name: string; label?: string }) {
  const path = insightsCsvPath(org, table, query);
  const act = useAction();
  const file = `${name}.csv`;
  return (
    <span class="ad-csv">
      <a
        class="ad-btn ad-small"
        href={path}
        download={file}
        aria-busy={act.busy ? "true" : undefined}
        onClick={(e) => {
          if (!auth.token()) return;
          e.preventDefault();
          void act.run(() => download(path, file));
        }}
      >
        {label}
        <span class="ad-offscreen"> ({name})</span>
      </a>
      <ErrorNote error={act.error} />
    </span>
  );
}

/** A number with its label, in a row of key figures. */
export function Figures({ items }: { items: { label: string; value: ComponentChildren; hint?: string }[] }) {
  return (
    <dl class="ad-figures">
      {items.map((i) => (
        <div class="ad-figure" key={i.label} {...(i.hint ? { title: i.hint } : {})}>
          <dt>{i.label}</dt>
          <dd>{i.value}</dd>
        </div>
      ))}
    </dl>
  );
}
