/**
 * Leads: the emails visitors left (the pre-chat form, the email form when nobody could
 * answer, an agent's capture_lead), newest first, and the CSV for a spreadsheet or a CRM.
 */
import { download } from "../api";
import { leadsCsvPath, listLeads } from "../endpoints";
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

export function LeadsPage({ org }: PageProps) {
  const leads = useLoad(() => listLeads(org), [org]);
  const csv = useAction();
  return (
    <>
      <PageHeader title="Leads" subtitle="People who left their email.">
        <Button busy={csv.busy} busyLabel="Preparing…" onClick={() => void csv.run(() => download(leadsCsvPath(org), `leads-${org}.csv`))}>
          Download CSV
        </Button>
      </PageHeader>
      <ErrorNote error={csv.error} />
      <Await load={leads}>
        {({ leads: list }) =>
          list.length === 0 ? (
            <Empty title="No lead yet">
              <p>Turn on the pre-chat form in a site's Behaviour tab, or give an agent the “capture a lead” tool.</p>
            </Empty>
          ) : (
            <TableWrap label="Leads">
            <table class="ad-table">
              <caption class="ad-offscreen">Leads</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Name</th>
                  <th scope="col">Note</th>
                  <th scope="col">How</th>
                  <th scope="col">Site</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {list.map((l) => (
                  <tr key={l.id}>
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
          )
        }
      </Await>
    </>
  );
}
