/**
 * Insights → Content gaps: topics whose questions the assistant could not answer well, with
 * the evidence (no retrieval hit, a weak match, an abstention, a handoff, a thumbs-down, a
 * repeated question), what was retrieved, and what staff answered. One click makes a
 * knowledge draft (the staff answer as its text) and an eval case; the draft opens here to
 * edit and publish, with the site's eval set beside it.
 */
import { useEffect, useState } from "preact/hooks";
import type { GapSummary } from "../../../shared/insights";
import { Bars, percent } from "../charts";
import { deleteDraft, draftFromGap, getDraft, insightsGap, insightsGaps, listEvalCases, publishDraft, updateDraft } from "../endpoints";
import type { PageProps } from "../routes";
import { Link, navigate } from "../router";
import { Await, Button, DangerButton, Empty, ErrorNote, Section, TableWrap, TextArea, TextField, notify, plural, useAction, useLoad, when } from "../ui";
import { CsvLink, Figures, InsightsFrame, insightsPath, insightsQuery } from "./insights-frame";
import { conversationLink } from "./insights";

/** The evidence kinds, in the words an owner reads. */
const EVIDENCE: { key: keyof GapSummary["evidence"]; kind: string; label: string }[] = [
  { key: "noRetrievalHit", kind: "no_retrieval_hit", label: "nothing retrieved" },
  { key: "weakMatch", kind: "weak_match", label: "weak match" },
  { key: "abstained", kind: "abstained", label: "assistant abstained" },
  { key: "handedOff", kind: "handed_off", label: "handed off" },
  { key: "handoffAfterAnswer", kind: "handoff_after_answer", label: "handoff after the answer" },
  { key: "repeatedQuestion", kind: "repeated_question", label: "asked again" },
  { key: "thumbsDown", kind: "thumbs_down", label: "thumbs-down" },
];
const evidenceLabel = (kind: string) => EVIDENCE.find((e) => e.kind === kind)?.label ?? kind.replace(/_/g, " ");

function EvidenceBadges({ gap }: { gap: GapSummary }) {
  const kinds = EVIDENCE.filter((e) => gap.evidence[e.key] > 0);
  return (
    <ul class="ad-badges" aria-label="Evidence">
      {kinds.map((e) => (
        <li key={e.key} class="ad-badge ad-b-failed" data-evidence={e.kind}>
          {e.label} × {gap.evidence[e.key]}
        </li>
      ))}
    </ul>
  );
}

export function InsightsGapsPage({ org, query }: PageProps) {
  const q = insightsQuery(query);
  const load = useLoad(() => insightsGaps(org, q), [org, q.site, q.days]);
  return (
    <InsightsFrame org={org} title="Content gaps" subtitle="Questions the assistant could not answer well, and why.">
      <Await load={load} label="Looking for gaps…">
        {({ gaps }) =>
          gaps.length === 0 ? (
            <Empty title="No content gap in this period">
              <p>Every question found an answer in your knowledge. Gaps show up here when a question retrieves nothing, the assistant declines or hands off, or a visitor votes an answer down.</p>
            </Empty>
          ) : (
            <>
              <Bars title="Questions with a gap, per topic" data={gaps.slice(0, 10).map((g) => ({ label: g.name, value: g.gapQuestions }))} />
              <Section title="Gaps" id="gaps">
                <div class="ad-actions">
                  <CsvLink org={org} table="gaps" query={q} name={`gaps-${q.site ?? "all"}`} />
                </div>
                <TableWrap label="Content gaps">
                  <table class="ad-table" data-table="gaps">
                    <caption class="ad-offscreen">Content gaps, most questions first</caption>
                    <thead>
                      <tr>
                        <th scope="col">Topic</th>
                        <th scope="col">Gap questions</th>
                        <th scope="col">Gap rate</th>
                        <th scope="col">Evidence</th>
                        <th scope="col">Asked</th>
                      </tr>
                    </thead>
                    <tbody>
                      {gaps.map((g) => (
                        <tr key={g.id} data-gap={g.id}>
                          <td>
                            <Link href={insightsPath(org, `/gaps/${g.id}`)}>{g.name}</Link>
                            <span class="ad-hint ad-block">{g.siteKey}</span>
                          </td>
                          <td data-col="gap-questions">
                            {g.gapQuestions} of {g.questions}
                          </td>
                          <td>{percent(g.gapRate)}</td>
                          <td>
                            <EvidenceBadges gap={g} />
                          </td>
                          <td class="ad-ellipsis">{g.sampleQuestions[0] ? `“${g.sampleQuestions[0]}”` : "—"}</td>
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

export function InsightsGapPage({ org, params, query }: PageProps) {
  const id = params.topic as string;
  const q = insightsQuery(query);
  const period = { days: q.days };
  const load = useLoad(() => insightsGap(org, id, period), [org, id, q.days]);
  const make = useAction();
  return (
    <Await load={load} label="Reading the gap…">
      {(d) => (
        <InsightsFrame
          org={org}
          title={`Gap: ${d.gap.name}`}
          subtitle={`${plural(d.gap.gapQuestions, "question")} of ${d.gap.questions} without a good answer, ${d.period.from} – ${d.period.to} · ${d.gap.siteKey}`}
          pickers="period"
          actions={
            <Button
              kind="primary"
              busy={make.busy}
              busyLabel="Making the draft…"
              onClick={async () => {
                let draft = "";
                if (await make.run(async () => void (draft = (await draftFromGap(org, id)).draft.id))) {
                  notify("Draft and eval case made");
                  navigate(insightsPath(org, `/drafts/${draft}`));
                }
              }}
            >
              Make a draft + eval case
            </Button>
          }
        >
          <ErrorNote error={make.error} />
          <Figures items={[{ label: "Gap rate", value: percent(d.gap.gapRate) }, ...EVIDENCE.filter((e) => d.gap.evidence[e.key] > 0).map((e) => ({ label: e.label, value: d.gap.evidence[e.key] }))]} />
          {d.drafts.length ? (
            <p class="ad-banner" role="note">
              Drafts made from this gap:{" "}
              {d.drafts.map((x, i) => (
                <span key={x.id}>
                  {i ? ", " : ""}
                  <Link href={insightsPath(org, `/drafts/${x.id}`)}>{x.title}</Link> ({x.status})
                </span>
              ))}
            </p>
          ) : null}
          <Section title="What was retrieved" id="retrieved" description="Documents the search found for these questions (BM25 score: lower is a better match).">
            {d.retrieved.length === 0 ? (
              <p class="ad-hint">Nothing: the knowledge has no document for these questions yet.</p>
            ) : (
              <TableWrap label="Retrieved documents">
                <table class="ad-table ad-compact">
                  <caption class="ad-offscreen">Documents retrieved for the gap's questions</caption>
                  <thead>
                    <tr>
                      <th scope="col">Document</th>
                      <th scope="col">Questions</th>
                      <th scope="col">Best score</th>
                      <th scope="col">Cited</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.retrieved.map((r) => (
                      <tr key={r.documentId}>
                        <td>{r.title ?? r.documentId}</td>
                        <td>{r.turns}</td>
                        <td>{r.bestScore === null ? "—" : r.bestScore.toFixed(2)}</td>
                        <td>{r.cited}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </Section>
          <Section title="The questions" id="gap-questions">
            <div class="ad-actions">
              <CsvLink org={org} table={`gaps/${id}`} query={period} name={`gap-${id}`} />
            </div>
            <ul class="ad-gap-turns">
              {d.turns.map((t) => (
                <li key={t.turnId} class="ad-card ad-gap-turn">
                  <div class="ad-card-body">
                    <p class="ad-card-title">
                      <Link href={conversationLink(org, t.conversationId)}>“{t.question}”</Link>
                    </p>
                    <p class="ad-hint">
                      {t.day} · {t.outcome.replace("_", " ")} · {t.evidence.map(evidenceLabel).join(", ") || "no evidence"}
                    </p>
                    <p class="ad-hint">Retrieved: {t.retrieved.length ? t.retrieved.map((r) => `${r.title ?? r.documentId}${r.score === null ? "" : ` (${r.score.toFixed(2)})`}${r.cited ? ", cited" : ""}`).join("; ") : "nothing"}</p>
                    {t.staffReply ? (
                      <blockquote class="ad-staff-reply">
                        <span class="ad-hint">Staff replied {when(t.staffReply.at)}:</span> {t.staffReply.text}
                      </blockquote>
                    ) : null}
                  </div>
                </li>
              ))}
            </ul>
          </Section>
        </InsightsFrame>
      )}
    </Await>
  );
}

/** A knowledge draft from a gap: edit, publish (it becomes a searchable document), or delete; the site's eval set beside it. */
export function InsightsDraftPage({ org, params }: PageProps) {
  const id = params.draft as string;
  const load = useLoad(() => getDraft(org, id).then(async (draft) => ({ draft, cases: await listEvalCases(org, draft.siteKey) })), [org, id]);
  const [title, setTitle] = useState("");
  const [text, setText] = useState("");
  const save = useAction();
  const publish = useAction();
  const remove = useAction();
  const draft = load.data?.draft;
  useEffect(() => {
    if (draft) {
      setTitle(draft.title);
      setText(draft.text);
    }
  }, [draft?.id, draft?.updatedAt]);
  const dirty = draft ? title !== draft.title || text !== draft.text : false;
  const saveNow = async () => {
    if (!draft || !dirty) return true;
    return save.run(async () => {
      const next = await updateDraft(org, id, { ...(title !== draft.title ? { title } : {}), ...(text !== draft.text ? { text } : {}) });
      load.setData({ draft: next, cases: load.data?.cases ?? { site: next.siteKey, org, cases: [] } });
    });
  };
  return (
    <Await load={load} label="Opening the draft…">
      {({ draft: d, cases }) => (
        <InsightsFrame
          org={org}
          title={`Draft: ${d.title}`}
          subtitle={
            <>
              {d.status === "published" ? `published ${when(d.publishedAt)}` : "a draft: not searchable until published"} · collection {d.collectionId} · {d.siteKey}
            </>
          }
          pickers={false}
        >
          {d.question ? (
            <p class="ad-banner" role="note">
              Written for the question “{d.question}”.
            </p>
          ) : null}
          <form
            class="ad-form"
            onSubmit={async (e) => {
              e.preventDefault();
              if (await saveNow()) notify("Draft saved");
            }}
          >
            <TextField label="Title" value={title} onValue={setTitle} required maxLength={300} disabled={d.status === "published"} error={save.error?.fields.title} />
            <TextArea label="Text" rows={10} value={text} onValue={setText} required disabled={d.status === "published"} error={save.error?.fields.text} hint="What the assistant will find and cite once it is published." />
            <ErrorNote error={save.error && !Object.keys(save.error.fields).length ? save.error : null} />
            {d.status === "draft" ? (
              <div class="ad-actions">
                <Button type="submit" busy={save.busy} disabled={!dirty} busyLabel="Saving…">
                  Save draft
                </Button>
                <Button
                  kind="primary"
                  busy={publish.busy}
                  busyLabel="Publishing…"
                  onClick={async () => {
                    if (!(await saveNow())) return;
                    if (await publish.run(async () => load.setData({ draft: await publishDraft(org, id), cases }))) notify("Published: the assistant can find it now");
                  }}
                >
                  Publish
                </Button>
                <DangerButton
                  busy={remove.busy}
                  onConfirm={async () => {
                    if (await remove.run(() => deleteDraft(org, id))) {
                      notify("Draft deleted");
                      navigate(insightsPath(org, "/gaps"));
                    }
                  }}
                >
                  Delete draft
                </DangerButton>
              </div>
            ) : d.documentId ? (
              <p>
                <Link href={`/admin/orgs/${org}/knowledge/${d.collectionId}/${d.documentId}`}>Open the published document</Link>
              </p>
            ) : null}
            <ErrorNote error={publish.error ?? remove.error} />
          </form>
          <Section title={`Eval set of ${cases.site}`} id="eval-cases" description="Questions `npm run eval -- --site-set` asks, with the behaviour expected: the gap's question is one of them now, so the fix stays tested.">
            {cases.cases.length === 0 ? (
              <p class="ad-hint">No eval case yet.</p>
            ) : (
              <TableWrap label="Eval cases">
                <table class="ad-table ad-compact" data-table="eval-cases">
                  <caption class="ad-offscreen">The site's eval cases</caption>
                  <thead>
                    <tr>
                      <th scope="col">Question</th>
                      <th scope="col">Expect</th>
                      <th scope="col">From</th>
                    </tr>
                  </thead>
                  <tbody>
                    {cases.cases.map((c) => (
                      <tr key={c.id} data-draft={c.draftId ?? ""} class={c.draftId === d.id ? "ad-row-hit" : undefined}>
                        <td>{c.question}</td>
                        <td>{c.expect}</td>
                        <td>{c.draftId === d.id ? "this draft" : c.origin}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </Section>
        </InsightsFrame>
      )}
    </Await>
  );
}
