/**
 * Budgets: token rules per org or team, per day or month, each with this period's spend as a
 * bar; adding and removing rules.
 */
import { useState } from "preact/hooks";
import { createBudget, deleteBudget, listBudgets } from "../endpoints";
import type { PageProps } from "../routes";
import { Await, Button, DangerButton, Empty, ErrorNote, notify, PageHeader, Section, SelectField, TextField, useAction, useLoad } from "../ui";

export function BudgetsPage({ org }: PageProps) {
  const rules = useLoad(() => listBudgets(org), [org]);
  const [period, setPeriod] = useState<"day" | "month">("month");
  const [limit, setLimit] = useState("1000000");
  const [team, setTeam] = useState("");
  const add = useAction();
  const remove = useAction();
  return (
    <>
      <PageHeader title="Budgets" subtitle="Token limits for the whole org or one team. When a limit is reached, agents stop and the conversation goes to a person." />
      <Await load={rules}>
        {({ rules: list }) =>
          list.length === 0 ? (
            <Empty title="No budget rule">
              <p>Without a rule, agents spend what they need. Add a monthly limit to cap the bill.</p>
            </Empty>
          ) : (
            <ul class="ad-budgets">
              {list.map((r) => {
                const pct = Math.min(100, Math.round(((r.used + r.reserved) / r.limitTokens) * 100));
                return (
                  <li key={r.id} class="ad-card">
                    <div class="ad-card-body">
                      <h2 class="ad-card-title">
                        {r.team ? `Team ${r.team}` : "Whole org"} · per {r.period}
                      </h2>
                      <div
                        class={pct >= 90 ? "ad-bar ad-bar-hot" : "ad-bar"}
                        role="meter"
                        aria-valuemin={0}
                        aria-valuemax={r.limitTokens}
                        aria-valuenow={r.used}
                        aria-label={`${r.team ? `Team ${r.team}` : "Whole org"}, ${r.period}: ${r.used.toLocaleString()} of ${r.limitTokens.toLocaleString()} tokens`}
                      >
                        <span class="ad-bar-fill" ref={(el) => el?.style.setProperty("width", `${pct}%`)} />
                      </div>
                      <p class="ad-sub">
                        {r.used.toLocaleString()} of {r.limitTokens.toLocaleString()} tokens used this {r.period} ({r.window}){r.reserved ? `, ${r.reserved.toLocaleString()} reserved by calls in flight` : ""}
                      </p>
                    </div>
                    <DangerButton
                      label={`remove the ${r.period} rule${r.team ? ` of team ${r.team}` : ""}`}
                      busy={remove.busy}
                      onConfirm={async () => {
                        if (await remove.run(() => deleteBudget(org, r.id))) {
                          notify("Rule removed");
                          void rules.reload();
                        }
                      }}
                    >
                      Remove
                    </DangerButton>
                  </li>
                );
              })}
            </ul>
          )
        }
      </Await>
      <ErrorNote error={remove.error} />
      <Section title="Add a rule">
        <form
          class="ad-row ad-end"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await add.run(() => createBudget(org, { period, limitTokens: Number(limit), ...(team ? { team } : {}) }))) {
              notify("Rule added");
              void rules.reload();
            }
          }}
        >
          <SelectField
            label="Period"
            value={period}
            onValue={setPeriod}
            options={[
              { value: "day", label: "Per day" },
              { value: "month", label: "Per month" },
            ]}
          />
          <TextField label="Token limit" type="number" min={1} required value={limit} onValue={setLimit} error={add.error?.fields.limitTokens} />
          <TextField label="Team (optional)" placeholder="all agents" value={team} onValue={setTeam} error={add.error?.fields.team} />
          <Button type="submit" kind="primary" busy={add.busy}>
            Add rule
          </Button>
        </form>
        {add.error && !Object.keys(add.error.fields).length ? <ErrorNote error={add.error} /> : null}
      </Section>
    </>
  );
}
