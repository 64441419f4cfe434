/**
 * Insights → Sources (per knowledge document: retrieved, cited, votes, never used, stale),
 * Outcomes & quality (the funnel, CSAT, response and resolution times, cost per conversation
 * by model, delegations per specialist, quality per agent), and Digest & settings (the weekly
 * digest as the webhook event carries it, and the org's insights settings).
 */
import { useEffect, useState } from "preact/hooks";
import type { InsightsSettings } from "../../../shared/insights";
import { Bars, Funnel, Line, percent, Trend } from "../charts";
import { getInsightsSettings, insightsAnswers, insightsCosts, insightsDigest, insightsOutcomes, insightsQuality, insightsSources, listAgents, putInsightsSettings } from "../endpoints";
import type { PageProps } from "../routes";
import { Link } from "../router";
import { Await, Button, CheckField, Empty, ErrorNote, Section, SelectField, TableWrap, TextField, notify, useAction, useLoad } from "../ui";
import { CsvLink, Figures, InsightsFrame, insightsPath, insightsQuery } from "./insights-frame";
import { conversationLink, Votes } from "./insights";

// ---- sources --------------------------------------------------------------------------------

export function InsightsSourcesPage({ org, query }: PageProps) {
  const q = insightsQuery(query);
  const load = useLoad(() => insightsSources(org, q), [org, q.site, q.days]);
  return (
    <InsightsFrame org={org} title="Source usage" subtitle="Which documents the assistant finds and cites, and which it never uses.">
      <Await load={load} label="Counting sources…">
        {(s) =>
          s.documents.length === 0 ? (
            <Empty title="No knowledge yet">
              <p>
                Add documents in <Link href={`/admin/orgs/${org}/knowledge`}>Knowledge</Link>: how often each is retrieved and cited shows up here.
              </p>
            </Empty>
          ) : (
            <>
              <Figures
                items={[
                  { label: "Documents", value: s.totals.documents },
                  { label: "Used", value: s.totals.used },
                  { label: "Never used", value: s.totals.neverUsed },
                  { label: `Stale (over ${s.staleDays} days)`, value: s.totals.stale },
                ]}
              />
              <Bars title="Times cited, per document" data={[...s.documents].sort((a, b) => b.cited - a.cited).slice(0, 10).map((d) => ({ label: d.title, value: d.cited }))} />
              <Section title="Documents" id="sources">
                <div class="ad-actions">
                  <CsvLink org={org} table="sources" query={q} name={`sources-${q.site ?? "all"}`} />
                </div>
                <TableWrap label="Source usage">
                  <table class="ad-table" data-table="sources">
                    <caption class="ad-offscreen">Source usage per document</caption>
                    <thead>
                      <tr>
                        <th scope="col">Document</th>
                        <th scope="col">Retrieved</th>
                        <th scope="col">Cited</th>
                        <th scope="col">Feedback</th>
                        <th scope="col">Last used</th>
                        <th scope="col">Fetched</th>
                      </tr>
                    </thead>
                    <tbody>
                      {s.documents.map((d) => (
                        <tr key={d.documentId} data-document={d.documentId}>
                          <td>
                            <Link href={`/admin/orgs/${org}/knowledge/${d.collectionId}/${d.documentId}`}>{d.title}</Link>
                            {d.neverUsed ? <span class="ad-badge">never used</span> : null}
                            {d.stale ? <span class="ad-badge ad-b-pending">stale</span> : null}
                            <span class="ad-hint ad-block">{d.collectionId}</span>
                          </td>
                          <td data-col="retrieved">{d.retrieved}</td>
                          <td data-col="cited">{d.cited}</td>
                          <td>
                            <Votes up={d.feedback.up} down={d.feedback.down} />
                          </td>
                          <td>{d.lastUsed ?? "—"}</td>
                          <td>{d.ageDays === null ? "—" : `${d.ageDays} days ago`}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableWrap>
              </Section>
            </>
          )
        }
      </Await>
    </InsightsFrame>
  );
}

// ---- outcomes and quality -------------------------------------------------------------------

const secs = (s: number | null) => (s === null ? "—" : s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
const usd = (n: number | null) => (n === null ? "—" : n < 0.01 && n > 0 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`);
const score = (n: number | null) => (n === null ? "—" : n.toFixed(2));

export function InsightsOutcomesPage({ org, query }: PageProps) {
  const q = insightsQuery(query);
  const load = useLoad(() => Promise.all([insightsOutcomes(org, q), insightsQuality(org, q), insightsCosts(org, q), insightsAnswers(org, { ...q, limit: 10 })]), [org, q.site, q.days, q.asOf]);
  return (
    <InsightsFrame org={org} title="Outcomes & quality" subtitle="How conversations end, how fast and well they are answered, and what they cost.">
      <Await load={load} label="Reading outcomes…">
        {([o, quality, costs, worst]) =>
          o.total.conversations === 0 ? (
            <Empty title="No conversations in this period — share your site's snippet">
              <p>Once visitors chat, this page shows how many the assistant resolved, handed off or lost, and what each cost.</p>
            </Empty>
          ) : (
            <>
              <Figures
                items={[
                  { label: "Conversations", value: o.total.conversations },
                  { label: "Resolved by the bot", value: percent(o.total.botResolutionRate) },
                  { label: "CSAT", value: o.csat.average === null ? "—" : `${o.csat.average.toFixed(1)} / 5 (${o.csat.responses})` },
                  { label: "First response (median)", value: secs(o.firstResponse.p50Sec) },
                  { label: "Resolution (median)", value: secs(o.resolution.p50Sec) },
                  { label: "Cost per conversation", value: usd(costs.costPerConversation) },
                ]}
              />
              <div class="ad-chart-pair">
                <Funnel title="The funnel" steps={o.funnel.map((s) => ({ label: s.step, value: s.count }))} />
                <Bars
                  title="How conversations ended"
                  max={o.total.conversations}
                  data={[
                    { label: "Answered (confirmed)", value: o.total.answeredConfirmed },
                    { label: "Answered (assumed)", value: o.total.answeredAssumed },
                    { label: "Handed off", value: o.total.handedOff },
                    { label: "Abandoned", value: o.total.abandoned },
                    { label: "Failed", value: o.total.failed },
                    { label: "Too recent to tell", value: o.total.open },
                  ]}
                />
              </div>
              <Line title="Conversations per day" points={o.series.map((s) => ({ day: s.day, value: s.conversations }))} />
              <Section title="Outcomes per agent" id="outcomes">
                <div class="ad-actions">
                  <CsvLink org={org} table="outcomes" query={q} name={`outcomes-${q.site ?? "all"}`} />
                </div>
                <TableWrap label="Outcomes per agent">
                  <table class="ad-table ad-compact" data-table="outcomes">
                    <caption class="ad-offscreen">Outcomes per agent that answered last</caption>
                    <thead>
                      <tr>
                        <th scope="col">Agent</th>
                        <th scope="col">Conversations</th>
                        <th scope="col">Answered</th>
                        <th scope="col">Handed off</th>
                        <th scope="col">Abandoned</th>
                        <th scope="col">Failed</th>
                        <th scope="col">Open</th>
                        <th scope="col">Resolution</th>
                      </tr>
                    </thead>
                    <tbody>
                      {[{ ...o.total, agentId: "All" }, ...o.byAgent].map((a) => (
                        <tr key={a.agentId} data-agent={a.agentId}>
                          <th scope="row">{a.agentId}</th>
                          <td>{a.conversations}</td>
                          <td>{a.answeredConfirmed + a.answeredAssumed}</td>
                          <td data-col="handed-off">{a.handedOff}</td>
                          <td>{a.abandoned}</td>
                          <td>{a.failed}</td>
                          <td>{a.open}</td>
                          <td>{percent(a.botResolutionRate)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableWrap>
              </Section>
              <Section title="CSAT" id="csat" description="The one question the widget asks when a conversation resolves.">
                {o.csat.responses === 0 ? (
                  <p class="ad-hint">No rating yet.</p>
                ) : (
                  <>
                    <Bars title="Ratings" data={(["5", "4", "3", "2", "1"] as const).map((k) => ({ label: `${k} ★`, value: o.csat.distribution[k] }))} />
                    {o.csat.recentComments.length ? (
                      <ul class="ad-examples">
                        {o.csat.recentComments.map((c) => (
                          <li key={c.conversationId}>
                            <Link href={`/admin/orgs/${org}/conversations/${c.conversationId}`}>“{c.comment}”</Link> <span class="ad-hint">{c.rating} ★ · {c.day}</span>
                          </li>
                        ))}
                      </ul>
                    ) : null}
                  </>
                )}
              </Section>
              <Section title="Answer quality per agent" id="quality" description="Quality: cited, grounded in what was retrieved, within the token budget (0–1); a model grader refines it where one is configured.">
                <div class="ad-actions">
                  <CsvLink org={org} table="quality" query={q} name={`quality-${q.site ?? "all"}`} />
                </div>
                <TableWrap label="Answer quality">
                  <table class="ad-table ad-compact" data-table="quality">
                    <caption class="ad-offscreen">Answer quality per agent</caption>
                    <thead>
                      <tr>
                        <th scope="col">Agent</th>
                        <th scope="col">Turns</th>
                        <th scope="col">Cited</th>
                        <th scope="col">Grounded</th>
                        <th scope="col">Quality</th>
                        <th scope="col">Over budget</th>
                        <th scope="col">Time to first word</th>
                      </tr>
                    </thead>
                    <tbody>
                      {[{ ...quality.total, agentId: "All" }, ...quality.byAgent].map((a) => (
                        <tr key={a.agentId}>
                          <th scope="row">{a.agentId}</th>
                          <td>{a.turns}</td>
                          <td>{percent(a.citedRate)}</td>
                          <td>{score(a.groundedness)}</td>
                          <td>{score(a.quality)}</td>
                          <td>{a.overBudget}</td>
                          <td>{a.firstDeltaMs === null ? "—" : `${Math.round(a.firstDeltaMs)} ms`}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableWrap>
              </Section>
              <Section title="Answers to read first" id="answers" description="The period's ten answers with the lowest quality score: uncited, not grounded in what was retrieved, or over budget.">
                <div class="ad-actions">
                  <CsvLink org={org} table="answers" query={q} name={`answers-${q.site ?? "all"}`} />
                </div>
                {worst.answers.length === 0 ? (
                  <p class="ad-hint">No answer in this period.</p>
                ) : (
                  <TableWrap label="Answers to read first">
                    <table class="ad-table ad-compact" data-table="answers">
                      <caption class="ad-offscreen">The answers with the lowest quality score</caption>
                      <thead>
                        <tr>
                          <th scope="col">Question</th>
                          <th scope="col">Agent</th>
                          <th scope="col">Quality</th>
                          <th scope="col">Cited</th>
                          <th scope="col">Grounded</th>
                          <th scope="col">Within budget</th>
                          <th scope="col">Day</th>
                        </tr>
                      </thead>
                      <tbody>
                        {worst.answers.map((a) => (
                          <tr key={a.turnId}>
                            <th scope="row">
                              <Link href={conversationLink(org, a.conversationId)}>{a.question || "(no text)"}</Link>
                            </th>
                            <td>{a.agentId ?? "—"}</td>
                            <td>{score(a.quality)}</td>
                            <td>{a.cited}</td>
                            <td>{score(a.grounded)}</td>
                            <td>{a.withinBudget ? "yes" : "no"}</td>
                            <td>{a.day}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </TableWrap>
                )}
              </Section>
              <Section title="Delegations per specialist" id="delegations">
                {quality.delegations.length === 0 ? (
                  <p class="ad-hint">No delegation in this period.</p>
                ) : (
                  <>
                    <div class="ad-actions">
                      <CsvLink org={org} table="delegations" query={q} name={`delegations-${q.site ?? "all"}`} />
                    </div>
                    <TableWrap label="Delegations">
                      <table class="ad-table ad-compact" data-table="delegations">
                        <caption class="ad-offscreen">Delegation outcomes per specialist</caption>
                        <thead>
                          <tr>
                            <th scope="col">Specialist</th>
                            <th scope="col">Calls</th>
                            <th scope="col">OK</th>
                            <th scope="col">Failures</th>
                            <th scope="col">Timeouts</th>
                            <th scope="col">Fallbacks</th>
                            <th scope="col">Failure rate</th>
                          </tr>
                        </thead>
                        <tbody>
                          {quality.delegations.map((d) => (
                            <tr key={d.agentId}>
                              <th scope="row">{d.agentId}</th>
                              <td>{d.calls}</td>
                              <td>{d.ok}</td>
                              <td>{d.failures}</td>
                              <td>{d.timeouts}</td>
                              <td>{d.fallbacks}</td>
                              <td>{percent(d.failureRate)}</td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </TableWrap>
                  </>
                )}
              </Section>
              <Section title="Cost by model" id="costs" description={`List prices as of ${costs.pricesAsOf}; your own prices (Digest & settings) override them.`}>
                <div class="ad-actions">
                  <CsvLink org={org} table="costs" query={q} name={`costs-${q.site ?? "all"}`} />
                </div>
                {costs.byModel.length === 0 ? (
                  <p class="ad-hint">No model was called in this period (the offline assistant costs nothing).</p>
                ) : (
                  <TableWrap label="Cost by model">
                    <table class="ad-table ad-compact" data-table="costs">
                      <caption class="ad-offscreen">Tokens and cost by model</caption>
                      <thead>
                        <tr>
                          <th scope="col">Model</th>
                          <th scope="col">Conversations</th>
                          <th scope="col">Tokens in / out</th>
                          <th scope="col">Cost</th>
                          <th scope="col">Per conversation</th>
                        </tr>
                      </thead>
                      <tbody>
                        {costs.byModel.map((m) => (
                          <tr key={m.model}>
                            <th scope="row">
                              {m.model}
                              {m.priceSource === "unknown" ? <span class="ad-badge ad-b-pending">no price</span> : null}
                            </th>
                            <td>{m.conversations}</td>
                            <td>
                              {m.tokensIn.toLocaleString()} / {m.tokensOut.toLocaleString()}
                            </td>
                            <td>{usd(m.cost)}</td>
                            <td>{usd(m.costPerConversation)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </TableWrap>
                )}
              </Section>
            </>
          )
        }
      </Await>
    </InsightsFrame>
  );
}

// ---- digest and settings --------------------------------------------------------------------

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

export function InsightsDigestPage({ org, query }: PageProps) {
  const q = insightsQuery(query);
  const digest = useLoad(() => insightsDigest(org, q.site ? { site: q.site } : {}), [org, q.site]);
  return (
    <InsightsFrame org={org} title="Weekly digest" subtitle="Last week against the week before: what the insights.digest webhook event carries to your email or Slack." pickers>
      <Await load={digest} label="Writing the digest…">
        {(d) => (
          <>
            <Figures
              items={[
                { label: "Conversations", value: <>{d.conversations.count} <Trend value={d.conversations.trend} /></> },
                { label: "Questions", value: <>{d.questions.count} <Trend value={d.questions.trend} /></> },
                { label: "Resolved by the bot", value: percent(d.outcomes.botResolutionRate) },
                { label: "CSAT", value: d.csat.average === null ? "—" : d.csat.average.toFixed(1) },
                { label: "Cost", value: usd(d.cost) },
                { label: "Leads", value: d.leads.count },
              ]}
            />
            <div class="ad-split">
              <Section title="Top topics" id="digest-topics">
                {d.topTopics.length ? (
                  <ol>
                    {d.topTopics.map((t) => (
                      <li key={t.id}>
                        <Link href={insightsPath(org, `/topics/${t.id}`)}>{t.name}</Link> — {t.questions} <Trend value={t.trend} />
                      </li>
                    ))}
                  </ol>
                ) : (
                  <p class="ad-hint">No questions last week.</p>
                )}
              </Section>
              <Section title="Top gaps" id="digest-gaps">
                {d.topGaps.length ? (
                  <ol>
                    {d.topGaps.map((g) => (
                      <li key={g.id}>
                        <Link href={insightsPath(org, `/gaps/${g.id}`)}>{g.name}</Link> — {g.gapQuestions}
                        {g.sampleQuestion ? <span class="ad-hint"> (“{g.sampleQuestion}”)</span> : null}
                      </li>
                    ))}
                  </ol>
                ) : (
                  <p class="ad-hint">No gap last week.</p>
                )}
              </Section>
            </div>
            <p class="ad-hint">
              {d.staleDocuments} stale and {d.unusedDocuments} unused documents · period {d.period.from} – {d.period.to} · generated {d.generatedAt}
            </p>
            <details class="ad-tool">
              <summary>The digest as JSON</summary>
              <pre class="ad-code" tabIndex={0}>
                {JSON.stringify(d, null, 2)}
              </pre>
            </details>
          </>
        )}
      </Await>
      <SettingsForm org={org} />
    </InsightsFrame>
  );
}

function SettingsForm({ org }: { org: string }) {
  const load = useLoad(() => Promise.all([getInsightsSettings(org), listAgents(org)]), [org]);
  const [form, setForm] = useState<InsightsSettings | null>(null);
  const save = useAction();
  useEffect(() => {
    if (load.data) setForm(load.data[0]);
  }, [load.data]);
  const set = (change: Partial<InsightsSettings>) => form && setForm({ ...form, ...change });
  const err = (path: string) => save.error?.fields[path];
  return (
    <Section title="Insights settings" id="insights-settings" description="The digest goes out through each site's webhook as the insights.digest event (set the webhook on a site's Webhook tab).">
      <Await load={load}>
        {([, agents]) =>
          form ? (
            <form
              class="ad-form"
              onSubmit={async (e) => {
                e.preventDefault();
                if (await save.run(async () => setForm(await putInsightsSettings(org, form)))) notify("Settings saved");
              }}
            >
              <CheckField label="Send the weekly digest" checked={form.digest.enabled} onValue={(enabled) => set({ digest: { ...form.digest, enabled } })} />
              <div class="ad-row">
                <SelectField label="Digest day (UTC)" value={String(form.digest.weekday)} onValue={(v) => set({ digest: { ...form.digest, weekday: Number(v) } })} options={WEEKDAYS.map((w, i) => ({ value: String(i), label: w }))} />
                <SelectField label="Digest hour (UTC)" value={String(form.digest.hour)} onValue={(v) => set({ digest: { ...form.digest, hour: Number(v) } })} options={Array.from({ length: 24 }, (_, h) => ({ value: String(h), label: `${String(h).padStart(2, "0")}:00` }))} />
              </div>
              <div class="ad-row">
                <TextField label="Stale after (days)" type="number" min={1} max={3650} value={String(form.staleDays)} onValue={(v) => set({ staleDays: Number(v) })} error={err("staleDays")} hint="A document not fetched again for this long is flagged stale." />
                <TextField label="Weak match score" type="number" step="0.1" max={0} value={String(form.weakScore)} onValue={(v) => set({ weakScore: Number(v) })} error={err("weakScore")} hint="BM25 best scores above this count as a weak match." />
                <TextField label="Answer token budget" type="number" min={100} value={String(form.answerTokenBudget)} onValue={(v) => set({ answerTokenBudget: Number(v) })} error={err("answerTokenBudget")} />
              </div>
              <div class="ad-row">
                <SelectField
                  label="Model for insights"
                  hint="An agent whose model names topics, places questions, grades answers and reads lead intent. None: everything is computed offline."
                  value={form.modelAgent ?? ""}
                  onValue={(v) => set({ modelAgent: v || null })}
                  options={[{ value: "", label: "None (offline)" }, ...agents.agents.map((a) => ({ value: a.id, label: a.name }))]}
                />
                <TextField label="Share of answers graded (0–1)" type="number" step="0.05" min={0} max={1} value={String(form.gradeShare)} onValue={(v) => set({ gradeShare: Number(v) })} error={err("gradeShare")} />
              </div>
              <ErrorNote error={save.error} />
              <div class="ad-actions">
                <Button type="submit" kind="primary" busy={save.busy} busyLabel="Saving…">
                  Save settings
                </Button>
              </div>
            </form>
          ) : null
        }
      </Await>
    </Section>
  );
}
