/**
 * Insights → Topics: what visitors ask, grouped into topics per site and period — counts,
 * the trend against the previous period, resolution and votes — and one topic's page with its
 * daily line, its wordings and example conversations. The owner's edits to the topic list
 * (rename, pin, keywords, merge, add, delete, regroup) are the insights API's, and the
 * grouping keeps them from then on.
 */
import { useEffect, useState } from "preact/hooks";
import type { TopicSummary } from "../../../shared/insights";
import { Bars, Line, percent, Trend } from "../charts";
import {
  createTopic,
  deleteTopic,
  insightsOutcomes,
  insightsTopic,
  insightsTopicList,
  insightsTopics,
  listSites,
  mergeTopic,
  regroupTopics,
  updateTopic,
} from "../endpoints";
import type { PageProps } from "../routes";
import { Link, navigate } from "../router";
import {
  Await,
  Button,
  CheckField,
  DangerButton,
  Empty,
  ErrorNote,
  Section,
  SelectField,
  TableWrap,
  TextField,
  notify,
  plural,
  useAction,
  useLoad,
} from "../ui";
import { CsvLink, Figures, InsightsFrame, insightsPath, insightsQuery } from "./insights-frame";

const words = (text: string) =>
  text
    .split(",")
    .map((w) => w.trim())
    .filter(Boolean);

/** "3 up · 1 down": thumbs on the answers (words, not emoji: they read out and print everywhere). */
export function Votes({ up, down }: { up: number; down: number }) {
  return (
    <span class="ad-votes">
      {up} up · {down} down
    </span>
  );
}

export const conversationLink = (org: string, id: string) => `/admin/orgs/${org}/conversations/${id}`;

export function InsightsTopicsPage({ org, query }: PageProps) {
  const q = insightsQuery(query);
  const load = useLoad(() => Promise.all([insightsTopics(org, q), insightsOutcomes(org, q)]), [org, q.site, q.days, q.asOf]);
  return (
    <InsightsFrame org={org} title="Insights" subtitle="What visitors ask, what the assistant could not answer, and what to fix.">
      <Await load={load} label="Reading the questions…">
        {([t, outcomes]) => (
          <>
            <Figures
              items={[
                { label: "Questions", value: <>{t.totals.questions.toLocaleString()} <Trend value={t.totals.previousQuestions ? (t.totals.questions - t.totals.previousQuestions) / t.totals.previousQuestions : null} /></> },
                { label: "Topics", value: t.totals.topics.toLocaleString() },
                { label: "Without a topic", value: t.totals.withoutTopic.toLocaleString(), hint: "greetings and thanks: counted, in no topic" },
                { label: "Conversations", value: outcomes.total.conversations.toLocaleString() },
              ]}
            />
            {t.topics.length === 0 ? (
              <Empty title="No questions yet — share your site's snippet">
                <p>
                  Put the widget on your site (a site's <strong>Embed</strong> tab), or ask something in the <Link href={`/admin/orgs/${org}/playground`}>playground</Link>. Questions show up here grouped into topics a minute later.
                </p>
              </Empty>
            ) : (
              <>
                <div class="ad-chart-pair">
                  <Bars title="Questions per topic" data={t.topics.slice(0, 10).map((x) => ({ label: x.name, value: x.questions }))} />
                  <Line title="Conversations per day" points={outcomes.series.map((s) => ({ day: s.day, value: s.conversations }))} />
                </div>
                <Section title="Topics" id="topics">
                  <div class="ad-actions">
                    <CsvLink org={org} table="topics" query={q} name={`topics-${q.site ?? "all"}`} />
                  </div>
                  <TopicsTable org={org} topics={t.topics} />
                </Section>
              </>
            )}
            <TopicTools org={org} site={q.site} onChanged={() => void load.reload()} />
          </>
        )}
      </Await>
    </InsightsFrame>
  );
}

function TopicsTable({ org, topics }: { org: string; topics: TopicSummary[] }) {
  return (
    <TableWrap label="Topics">
      <table class="ad-table" data-table="topics">
        <caption class="ad-offscreen">Topics, most asked first</caption>
        <thead>
          <tr>
            <th scope="col">Topic</th>
            <th scope="col">Questions</th>
            <th scope="col">Trend</th>
            <th scope="col">Resolved</th>
            <th scope="col">Feedback</th>
            <th scope="col">Gaps</th>
            <th scope="col">Site</th>
          </tr>
        </thead>
        <tbody>
          {topics.map((t) => (
            <tr key={t.id} data-topic={t.id}>
              <td>
                <Link href={insightsPath(org, `/topics/${t.id}`)}>{t.name}</Link>
                {t.pinned ? <span class="ad-badge">pinned</span> : null}
                {t.sampleQuestions[0] ? <span class="ad-hint ad-block">“{t.sampleQuestions[0].text}”</span> : null}
              </td>
              <td data-col="questions">{t.questions.toLocaleString()}</td>
              <td>
                <Trend value={t.trend} />
              </td>
              <td>{percent(t.resolutionRate)}</td>
              <td>
                <Votes up={t.feedback.up} down={t.feedback.down} />
              </td>
              <td>{t.gaps ? <Link href={insightsPath(org, `/gaps/${t.id}`)}>{t.gaps}</Link> : "0"}</td>
              <td>{t.siteKey}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** Add a topic by its keywords, and group a site's questions again. */
function TopicTools({ org, site, onChanged }: { org: string; site: string | undefined; onChanged: () => void }) {
  const sites = useLoad(() => listSites(org), [org]);
  const [target, setTarget] = useState(site ?? "");
  const [name, setName] = useState("");
  const [keywords, setKeywords] = useState("");
  const add = useAction();
  const regroup = useAction();
  useEffect(() => setTarget(site ?? sites.data?.sites[0]?.key ?? ""), [site, sites.data]);
  if (!sites.data?.sites.length) return null;
  return (
    <Section title="Your topic list" id="topic-tools" description="Topics you add catch every question with one of their keywords, now and later. Regrouping places the questions again, keeping your names, pins and merges.">
      <form
        class="ad-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const ok = await add.run(() => createTopic(org, { site: target, name, keywords: words(keywords) }));
          if (ok) {
            notify(`Topic “${name}” added`);
            setName("");
            setKeywords("");
            onChanged();
          }
        }}
      >
        <div class="ad-row">
          <SelectField label="Site" value={target} onValue={setTarget} options={sites.data.sites.map((s) => ({ value: s.key, label: s.name }))} />
          <TextField label="Topic name" value={name} onValue={setName} required maxLength={80} error={add.error?.fields.name} />
          <TextField label="Keywords" hint="Comma-separated words or phrases" value={keywords} onValue={setKeywords} required error={add.error?.fields.keywords ?? add.error?.fields["keywords.0"]} />
        </div>
        <ErrorNote error={add.error && !Object.keys(add.error.fields).length ? add.error : null} />
        <div class="ad-actions">
          <Button type="submit" kind="primary" busy={add.busy} busyLabel="Adding…">
            Add topic
          </Button>
          <Button
            busy={regroup.busy}
            busyLabel="Regrouping…"
            onClick={async () => {
              let moved = 0;
              const ok = await regroup.run(async () => void (moved = (await regroupTopics(org, target)).moved));
              if (ok) {
                notify(`Regrouped: ${plural(moved, "wording")} moved`);
                onChanged();
              }
            }}
          >
            Regroup {sites.data.sites.find((s) => s.key === target)?.name ?? target}
          </Button>
        </div>
        <ErrorNote error={regroup.error} />
      </form>
    </Section>
  );
}

export function InsightsTopicPage({ org, params, query }: PageProps) {
  const id = params.topic as string;
  const q = insightsQuery(query);
  const period = { days: q.days };
  const load = useLoad(() => insightsTopic(org, id, period), [org, id, q.days]);
  return (
    <Await load={load} label="Reading the topic…">
      {(d) => (
        <InsightsFrame
          org={org}
          title={d.topic.name}
          subtitle={
            <>
              {plural(d.topic.questions, "question")} in {d.period.from} – {d.period.to} · {d.topic.siteKey} · named by {d.topic.namedBy}
              {d.topic.pinned ? " · pinned" : ""}
            </>
          }
          pickers="period"
        >
          <Figures
            items={[
              { label: "Questions", value: <>{d.topic.questions} <Trend value={d.topic.trend} /></> },
              { label: "Resolved", value: percent(d.topic.resolutionRate) },
              { label: "Handed off", value: d.topic.handedOff },
              { label: "Feedback", value: <Votes up={d.topic.feedback.up} down={d.topic.feedback.down} /> },
              { label: "Gap questions", value: d.topic.gaps ? <Link href={insightsPath(org, `/gaps/${id}`)}>{d.topic.gaps}</Link> : 0 },
            ]}
          />
          <Line title="Questions per day" points={d.series} />
          <Section title="Example conversations" id="examples">
            {d.topic.examples.length === 0 ? (
              <p class="ad-hint">No conversation in this period.</p>
            ) : (
              <ul class="ad-examples">
                {d.topic.examples.map((x) => (
                  <li key={x.turnId}>
                    <Link href={conversationLink(org, x.conversationId)}>“{x.question}”</Link> <span class="ad-hint">{x.day} · {x.outcome.replace("_", " ")}</span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Section title="Wordings in this topic" id="wordings">
            <div class="ad-actions">
              <CsvLink org={org} table={`topics/${id}`} query={period} name={`topic-${id}`} />
            </div>
            <TableWrap label="Wordings">
              <table class="ad-table ad-compact">
                <caption class="ad-offscreen">Every wording placed in this topic</caption>
                <thead>
                  <tr>
                    <th scope="col">Question</th>
                    <th scope="col">Asked (all time)</th>
                    <th scope="col">Placed by</th>
                  </tr>
                </thead>
                <tbody>
                  {d.signatures.map((s) => (
                    <tr key={s.signature}>
                      <td>{s.sample}</td>
                      <td>{s.questions}</td>
                      <td>{s.placedBy}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
            {d.mergedFrom.length ? <p class="ad-hint">Merged into it: {d.mergedFrom.map((m) => m.name).join(", ")}</p> : null}
          </Section>
          <TopicEdit org={org} topic={d.topic} onSaved={() => void load.reload()} />
        </InsightsFrame>
      )}
    </Await>
  );
}

/** Rename, pin and keywords (one PATCH of what changed), merge into another topic, delete. */
function TopicEdit({ org, topic, onSaved }: { org: string; topic: TopicSummary; onSaved: () => void }) {
  const [name, setName] = useState(topic.name);
  const [pinned, setPinned] = useState(topic.pinned);
  const [keywords, setKeywords] = useState(topic.keywords.join(", "));
  const [into, setInto] = useState("");
  const save = useAction();
  const merge = useAction();
  const remove = useAction();
  const others = useLoad(() => insightsTopicList(org, topic.siteKey), [org, topic.siteKey]);
  const choices = (others.data?.topics ?? []).filter((t) => t.id !== topic.id && !t.mergedInto);
  return (
    <Section title="Edit this topic" id="edit-topic">
      <form
        class="ad-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const kw = words(keywords);
          const change = {
            ...(name.trim() !== topic.name ? { name: name.trim() } : {}),
            ...(pinned !== topic.pinned ? { pinned } : {}),
            ...(kw.join("\n") !== topic.keywords.join("\n") ? { keywords: kw } : {}),
          };
          if (!Object.keys(change).length) return notify("Nothing changed");
          if (await save.run(() => updateTopic(org, topic.id, change))) {
            notify("Topic saved");
            onSaved();
          }
        }}
      >
        <TextField label="Name" value={name} onValue={setName} required maxLength={80} error={save.error?.fields.name} />
        <TextField label="Keywords" hint="Questions with one of these words or phrases go in this topic whatever else they resemble (comma-separated)." value={keywords} onValue={setKeywords} error={save.error?.fields.keywords} />
        <CheckField label="Pinned (kept at the top, never dissolved by regrouping)" checked={pinned} onValue={setPinned} />
        <ErrorNote error={save.error && !Object.keys(save.error.fields).length ? save.error : null} />
        <div class="ad-actions">
          <Button type="submit" kind="primary" busy={save.busy} busyLabel="Saving…">
            Save topic
          </Button>
        </div>
      </form>
      <form
        class="ad-form ad-row ad-end"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!into) return;
          if (await merge.run(() => mergeTopic(org, topic.id, into))) {
            notify("Topics merged");
            navigate(insightsPath(org, `/topics/${into}`));
          }
        }}
      >
        <SelectField label="Merge into" value={into} onValue={setInto} options={[{ value: "", label: choices.length ? "Choose a topic…" : "No other topic on this site" }, ...choices.map((t) => ({ value: t.id, label: t.name }))]} />
        <Button type="submit" busy={merge.busy} disabled={!into} busyLabel="Merging…">
          Merge
        </Button>
      </form>
      <ErrorNote error={merge.error} />
      <div class="ad-actions">
        <DangerButton
          busy={remove.busy}
          label="Delete this topic: its questions are placed again"
          onConfirm={async () => {
            if (await remove.run(() => deleteTopic(org, topic.id))) {
              notify("Topic deleted");
              navigate(insightsPath(org));
            }
          }}
        >
          Delete topic
        </DangerButton>
      </div>
      <ErrorNote error={remove.error} />
    </Section>
  );
}
