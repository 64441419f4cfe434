/**
 * Org secrets (model keys, HTTP tool credentials): names and when each was last set; set
 * or rotate a value (never shown again), or delete one. Agents name them.
 */
import { useState } from "preact/hooks";
import { deleteSecret, listSecrets, putSecret } from "../endpoints";
import type { PageProps } from "../routes";
import {
  Await,
  Button,
  DangerButton,
  Empty,
  ErrorNote,
  notify,
  PageHeader,
  Section,
  TableWrap,
  TextField,
  useAction,
  useLoad,
  when,
} from "../ui";

export function SecretsPage({ org }: PageProps) {
  const secrets = useLoad(() => listSecrets(org), [org]);
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const set = useAction();
  const remove = useAction();
  const save = async (n: string, v: string) => {
    if (await set.run(() => putSecret(org, n, v))) {
      notify(`${n} saved`);
      setName("");
      setValue("");
      void secrets.reload();
    }
  };
  return (
    <>
      <PageHeader title="Secrets" subtitle="Keys your agents use (a model's API key, a header for your API). Encrypted at rest; values are never shown again." />
      <Await load={secrets}>
        {({ secrets: list }) =>
          list.length === 0 ? (
            <Empty title="No secret yet">
              <p>Add one below, then pick it in an agent's model (API key) or an HTTP tool's secret headers.</p>
            </Empty>
          ) : (
            <TableWrap label="Secrets">
            <table class="ad-table">
              <caption class="ad-offscreen">Secrets</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Last set</th>
                  <th scope="col">
                    <span class="ad-offscreen">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((s) => (
                  <tr key={s.name}>
                    <td>
                      <code>{s.name}</code>
                    </td>
                    <td>{when(s.updatedAt)}</td>
                    <td class="ad-actions">
                      <Button small onClick={() => setName(s.name)}>
                        Rotate
                      </Button>
                      <DangerButton
                        label={`delete ${s.name}`}
                        busy={remove.busy}
                        onConfirm={async () => {
                          if (await remove.run(() => deleteSecret(org, s.name))) {
                            notify(`${s.name} deleted`);
                            void secrets.reload();
                          }
                        }}
                      >
                        Delete
                      </DangerButton>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            </TableWrap>
          )
        }
      </Await>
      <ErrorNote error={remove.error} />
      <Section title={name && secrets.data?.secrets.some((s) => s.name === name) ? `Rotate ${name}` : "Set a secret"}>
        <form
          class="ad-form ad-narrow"
          onSubmit={(e) => {
            e.preventDefault();
            void save(name, value);
          }}
        >
          <TextField label="Name" required pattern="[A-Z][A-Z0-9_]*" placeholder="BILLING_API_KEY" value={name} onValue={(v) => setName(v.toUpperCase())} hint="A-Z, 0-9 and _, starting with a letter." error={set.error?.fields.name} />
          <TextField label="Value" type="password" autoComplete="off" required value={value} onValue={setValue} error={set.error?.fields.value} />
          {set.error && !Object.keys(set.error.fields).length ? <ErrorNote error={set.error} /> : null}
          <Button type="submit" kind="primary" busy={set.busy}>
            Save secret
          </Button>
        </form>
      </Section>
    </>
  );
}
