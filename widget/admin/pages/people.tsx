/**
 * People: the org's staff accounts and roles, invitations with a one-time link (role, an
 * optional email, expiry), revoking an invitation, removing an account.
 */
import { useState } from "preact/hooks";
import type { StaffRole } from "../../../shared/staff";
import { createInvitation, deleteStaff, listInvitations, listStaff, revokeInvitation } from "../endpoints";
import type { PageProps } from "../routes";
import { useSession } from "../session";
import {
  Await,
  Button,
  CopyButton,
  DangerButton,
  Empty,
  ErrorNote,
  notify,
  PageHeader,
  Section,
  SelectField,
  TableWrap,
  TextField,
  useAction,
  useLoad,
  when,
} from "../ui";

const ROLES: { value: StaffRole; label: string }[] = [
  { value: "agent", label: "Support agent — the inbox only" },
  { value: "admin", label: "Admin — the console, without secrets and tokens" },
  { value: "owner", label: "Owner — everything" },
];

export function PeoplePage({ org }: PageProps) {
  const session = useSession();
  const me = session.who.kind === "staff" ? session.who.staff.id : null;
  const load = useLoad(() => Promise.all([listStaff(org), listInvitations(org)]), [org]);
  const [role, setRole] = useState<StaffRole>("agent");
  const [email, setEmail] = useState("");
  const [link, setLink] = useState<string | null>(null);
  const invite = useAction();
  const revoke = useAction();
  const remove = useAction();
  return (
    <>
      <PageHeader title="People" subtitle="Who works in this org: owners and admins use the console, support agents the inbox." />
      <Await load={load}>
        {([{ staff }, { invitations }]) => (
          <>
            <Section title="Team">
              <TableWrap label="Staff accounts">
              <table class="ad-table">
                <caption class="ad-offscreen">Staff accounts</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Since</th>
                    <th scope="col">
                      <span class="ad-offscreen">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {staff.map((s) => (
                    <tr key={s.id}>
                      <td>{s.name}</td>
                      <td>{s.email}</td>
                      <td>{s.role}</td>
                      <td>{when(s.createdAt)}</td>
                      <td>
                        {s.id === me ? (
                          <span class="ad-sub">you</span>
                        ) : (
                          <DangerButton
                            label={`remove ${s.name}`}
                            busy={remove.busy}
                            onConfirm={async () => {
                              if (await remove.run(() => deleteStaff(org, s.id))) {
                                notify(`${s.name} removed`);
                                void load.reload();
                              }
                            }}
                          >
                            Remove
                          </DangerButton>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              </TableWrap>
              <ErrorNote error={remove.error} />
            </Section>
            <Section title="Invite someone" description="They get a link to set their name and password. It works once and expires in 7 days.">
              <form
                class="ad-row ad-end"
                onSubmit={async (e) => {
                  e.preventDefault();
                  setLink(null);
                  let url = "";
                  if (await invite.run(async () => void (url = (await createInvitation(org, { role, ...(email ? { email } : {}) })).url))) {
                    setLink(url);
                    setEmail("");
                    void load.reload();
                  }
                }}
              >
                <SelectField label="Role" value={role} onValue={setRole} options={ROLES} />
                <TextField label="Email (optional)" type="email" value={email} onValue={setEmail} hint="If given, the account must use it." error={invite.error?.fields.email} />
                <Button type="submit" kind="primary" busy={invite.busy}>
                  Create invitation link
                </Button>
              </form>
              {invite.error && !invite.error.fields.email ? <ErrorNote error={invite.error} /> : null}
              {link ? (
                <div class="ad-ok" role="status">
                  <p>Send this link to the person you invite (it is shown once):</p>
                  <p>
                    <code class="ad-link-out" id="ad-invite-link">
                      {link}
                    </code>{" "}
                    <CopyButton text={link} label="Copy link" />
                  </p>
                </div>
              ) : null}
            </Section>
            <Section title="Invitations">
              {invitations.length === 0 ? (
                <Empty title="No invitation yet" />
              ) : (
                <TableWrap label="Invitations">
                <table class="ad-table">
                  <caption class="ad-offscreen">Invitations</caption>
                  <thead>
                    <tr>
                      <th scope="col">For</th>
                      <th scope="col">Role</th>
                      <th scope="col">Status</th>
                      <th scope="col">Expires</th>
                      <th scope="col">
                        <span class="ad-offscreen">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {invitations.map((i) => (
                      <tr key={i.id} data-status={i.status}>
                        <td>{i.email ?? "anyone with the link"}</td>
                        <td>{i.role}</td>
                        <td>
                          <span class={`ad-badge ad-i-${i.status}`}>{i.status}</span>
                        </td>
                        <td>{when(i.expiresAt)}</td>
                        <td>
                          {i.status === "pending" ? (
                            <Button
                              small
                              busy={revoke.busy}
                              onClick={async () => {
                                if (await revoke.run(() => revokeInvitation(org, i.id))) {
                                  notify("Invitation revoked");
                                  void load.reload();
                                }
                              }}
                            >
                              Revoke
                            </Button>
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                </TableWrap>
              )}
              <ErrorNote error={revoke.error} />
            </Section>
          </>
        )}
      </Await>
    </>
  );
}
