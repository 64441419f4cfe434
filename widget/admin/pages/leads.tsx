/**
 * Leads: the emails visitors left (the pre-chat form, the email form when nobody could
 * answer, an agent's capture_lead), each with its score from the insights API (verified
 * identity, fields given, pages visited, intent, outcome: the reasons shown), sortable by
 * score or date, and the CSV for a spreadsheet or a CRM (with or without the scores).
 */
import { useState } from "preact/hooks";
import type { ScoredLead } from "../../../shared/insights";
import { download } from "../api";
import { insightsLeads, leadsCsvPath, listLeads } from "../endpoints";
import type { PageProps } from "../routes";
import { Link } from "../router";
import {
  Await,
  Button,
  Empty,
  ErrorNote,
  PageHeader,
  TableWrap,
  useAction,
  useLoad,
  when,
} from "../ui";
import { CsvLink } from "./insights-frame";

type Sort = "score" | "newest";
/** Scores cover leads of the last two years (the insights API's longest period). */
const SCORED = { days: 731, limit: 5000 } as const;

export function LeadsPage({ org }: PageProps) {
  // A credential without insights:read still sees its leads, unscored.
  const leads = useLoad(() => Promise.all([listLeads(org), insightsLeads(org, SCORED).catch(() => null)]), [org]);
  const [sort, setSort] = useState<Sort>("score");
  const csv = useAction();
  return (
    <>
      <PageHeader title="Leads" subtitle="People who left their email, scored from what is known about them.">
        <Button busy={csv.busy} busyLabel="Preparing…" onClick={() => void csv.run(() => download(leadsCsvPath(org), `leads-${org}.csv`))}>
          Download CSV
        </Button>
        <CsvLink org={org} table="leads" query={SCORED} name={`leads-scored-${org}`} label="Download CSV with scores" />
      </PageHeader>
      <ErrorNote error={csv.error} />
      <Await load={leads}>
        {([{ leads: list }, scored]) => {
          if (list.length === 0)
            return (
              <Empty title="No lead yet">
                <p>Turn on the pre-chat form in a site's Behaviour tab, or give an agent the “capture a lead” tool.</p>
              </Empty>
            );
          const scores = new Map<string, ScoredLead>((scored?.leads ?? []).map((l) => [l.id, l]));
          const rows = list.map((l) => ({ ...l, scored: scores.get(l.id) ?? null }));
          if (sort === "score" && scored) rows.sort((a, b) => (b.scored?.score ?? -1) - (a.scored?.score ?? -1) || (a.createdAt < b.createdAt ? 1 : -1));
          const header = (key: Sort, label: string) => (
            <th scope="col" aria-sort={sort === key ? "descending" : undefined}>
              <button type="button" class="ad-sort" onClick={() => setSort(key)} aria-pressed={sort === key}>
                {label}
                <span aria-hidden="true">{sort === key ? " ▼" : ""}</span>
              </button>
            </th>
          );
          return (
            <TableWrap label="Leads">
              <table class="ad-table" data-table="leads">
                <caption class="ad-offscreen">Leads, {sort === "score" ? "highest score first" : "newest first"}</caption>
                <thead>
                  <tr>
                    {scored ? header("score", "Score") : null}
                    <th scope="col">Email</th>
                    <th scope="col">Name</th>
                    <th scope="col">Note</th>
                    <th scope="col">How</th>
                    <th scope="col">Site</th>
                    {header("newest", "When")}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((l) => (
                    <tr key={l.id} data-lead={l.id}>
                      {scored ? (
                        <td data-col="score">
                          {l.scored ? (
                            <details class="ad-reasons">
                              <summary>
                                <strong>{l.scored.score}</strong>
                                {l.scored.intent && l.scored.intent !== "none" ? <span class="ad-badge">{l.scored.intent} intent</span> : null}
                              </summary>
                              <ul>
                                {l.scored.reasons.map((r) => (
                                  <li key={r.factor + r.detail}>
                                    {r.points > 0 ? "+" : ""}
                                    {r.points} {r.detail}
                                  </li>
                                ))}
                              </ul>
                            </details>
                          ) : (
                            "—"
                          )}
                        </td>
                      ) : null}
                      <td>{l.email}</td>
                      <td>{l.name ?? "—"}</td>
                      <td class="ad-ellipsis">{l.note ?? "—"}</td>
                      <td>{l.source}</td>
                      <td>{l.siteKey}</td>
                      <td>{l.conversationId ? <Link href={`/admin/orgs/${org}/conversations/${l.conversationId}`}>{when(l.createdAt)}</Link> : when(l.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          );
        }}
      </Await>
    </>
  );
}
