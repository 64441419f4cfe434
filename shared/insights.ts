/**
 * The insights API's shapes (`/api/admin/orgs/:org/insights/…`): one response schema per
 * endpoint, the bodies of its writes, and an org's insights settings. The console's pages
 * are built on these; the worker validates every answer against them (see http/openapi.ts).
 *
 * Conventions: a period is whole UTC days, `from` and `to` inclusive (YYYY-MM-DD); `previous`
 * is the period of the same length just before it, for trends. Rates are 0..1 (null when
 * there is nothing to divide by); durations are seconds; money is US dollars.
 */
import { z } from "zod";
import { Slug } from "./config";

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a day as YYYY-MM-DD");
const Rate = z.number().min(0).max(1).nullable();

// ---- settings -------------------------------------------------------------------------------

export const PriceEntry = z.object({ input: z.number().min(0).max(10_000), output: z.number().min(0).max(10_000) });

/** An org's insights settings (KV `insights:ORG`). */
export const InsightsSettings = z.object({
  /**
   * An agent of the org whose model insights borrow (its family, key and endpoint): it names
   * topics and places questions in the topic list, grades answers, and reads a lead's intent.
   * Null, or an agent that serves offline: everything is computed without a model.
   */
  modelAgent: Slug.nullable().default(null),
  /** Share of answers the model grades (0: none), when `modelAgent` serves a model. */
  gradeShare: z.number().min(0).max(1).default(0),
  /** A knowledge document not fetched again (or changed) for this many days is stale. */
  staleDays: z.number().int().min(1).max(3650).default(90),
  /** BM25 best scores weaker (higher) than this are a weak match. */
  weakScore: z.number().min(-100).max(0).default(-2),
  /** Tokens an answer may take and still count as within budget in its quality score. */
  answerTokenBudget: z.number().int().min(100).max(1_000_000).default(8_000),
  /** Price overrides and additions, USD per million tokens, by model name (prefix). */
  prices: z.record(z.string().min(1).max(128), PriceEntry).refine((p) => Object.keys(p).length <= 100, "at most 100 prices").default({}),
  /** The weekly digest: sent through each site's webhook as `insights.digest`. */
  digest: z
    .object({
      enabled: z.boolean().default(true),
      /** 0 = Sunday … 6 = Saturday (UTC). */
      weekday: z.number().int().min(0).max(6).default(1),
      hour: z.number().int().min(0).max(23).default(8),
    })
    .default({ enabled: true, weekday: 1, hour: 8 }),
});
export type InsightsSettings = z.infer<typeof InsightsSettings>;
export type InsightsSettingsInput = z.input<typeof InsightsSettings>;

// ---- common ---------------------------------------------------------------------------------

/** `site` (omitted: every site of the org), and a period: `from`/`to`, or the last `days` (default 30). */
export const PeriodQuery = z.object({
  site: Slug.optional(),
  from: Day.optional(),
  to: Day.optional(),
  days: z.coerce.number().int().min(1).max(731).optional(),
});
export type PeriodQuery = z.infer<typeof PeriodQuery>;

export const Period = z.object({ from: Day, to: Day, days: z.number().int(), previousFrom: Day, previousTo: Day });
export type Period = z.infer<typeof Period>;

export const Feedback = z.object({ up: z.number().int(), down: z.number().int() });

/** One point of a daily series (trend lines). */
export const DayPoint = z.object({ day: Day, value: z.number() });

export const ExampleTurn = z.object({
  conversationId: z.string(),
  turnId: z.string(),
  question: z.string(),
  outcome: z.string(),
  day: Day,
});

// ---- topics ---------------------------------------------------------------------------------

export const TopicOrigin = z.enum(["auto", "owner", "model"]);

export const TopicSummary = z.object({
  id: z.string(),
  siteKey: z.string(),
  name: z.string(),
  origin: TopicOrigin,
  namedBy: TopicOrigin,
  pinned: z.boolean(),
  keywords: z.array(z.string()),
  questions: z.number().int(),
  previousQuestions: z.number().int(),
  /** Change against the previous period: (questions − previous) / previous; null when previous is 0. */
  trend: z.number().nullable(),
  answered: z.number().int(),
  abstained: z.number().int(),
  handedOff: z.number().int(),
  failed: z.number().int(),
  /** Answered by the bot with no handoff right after, no repeat and no thumbs-down. */
  resolved: z.number().int(),
  resolutionRate: Rate,
  feedback: Feedback,
  /** Questions with evidence of a content gap (see the gaps endpoint). */
  gaps: z.number().int(),
  /** The most asked wordings (all time), with how often each was asked. */
  sampleQuestions: z.array(z.object({ text: z.string(), count: z.number().int() })),
  examples: z.array(ExampleTurn),
});
export type TopicSummary = z.infer<typeof TopicSummary>;

export const TopicsResponse = z.object({
  period: Period,
  site: z.string().nullable(),
  totals: z.object({
    questions: z.number().int(),
    previousQuestions: z.number().int(),
    /** Questions with no topical word (greetings, thanks): counted, in no topic. */
    withoutTopic: z.number().int(),
    topics: z.number().int(),
  }),
  topics: z.array(TopicSummary),
});
export type TopicsResponse = z.infer<typeof TopicsResponse>;

export const TopicDetail = z.object({
  period: Period,
  topic: TopicSummary,
  /** Questions per day over the period (a trend line). */
  series: z.array(DayPoint),
  /** Every wording placed in this topic, most asked first. */
  signatures: z.array(z.object({ signature: z.string(), sample: z.string(), questions: z.number().int(), placedBy: TopicOrigin })),
  /** Topics merged into this one. */
  mergedFrom: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type TopicDetail = z.infer<typeof TopicDetail>;

export const TopicPatch = z
  .object({
    name: z.string().trim().min(1).max(80).optional(),
    pinned: z.boolean().optional(),
    /** Words or phrases that put a question in this topic whatever else it resembles. */
    keywords: z.array(z.string().trim().min(1).max(60)).max(20).optional(),
  })
  .strict()
  .refine((p) => p.name !== undefined || p.pinned !== undefined || p.keywords !== undefined, "give name, pinned or keywords");

export const TopicCreate = z
  .object({
    site: Slug,
    name: z.string().trim().min(1).max(80),
    keywords: z.array(z.string().trim().min(1).max(60)).min(1).max(20),
    pinned: z.boolean().default(true),
  })
  .strict();

export const TopicMerge = z.object({ into: z.string().regex(/^top_[A-Za-z0-9_-]{1,64}$/) }).strict();

export const TopicRecord = z.object({
  id: z.string(),
  siteKey: z.string(),
  name: z.string(),
  origin: TopicOrigin,
  namedBy: TopicOrigin,
  pinned: z.boolean(),
  keywords: z.array(z.string()),
  mergedInto: z.string().nullable(),
});
export type TopicRecord = z.infer<typeof TopicRecord>;

export const RegroupBody = z.object({ site: Slug }).strict();
export const RegroupResponse = z.object({
  site: z.string(),
  signatures: z.number().int(),
  topics: z.number().int(),
  /** Signatures that changed topic. */
  moved: z.number().int(),
  /** With a model configured: what it placed and named (null: grouped offline only). */
  model: z.object({ name: z.string(), placed: z.number().int(), named: z.number().int() }).nullable(),
});
export type RegroupResponse = z.infer<typeof RegroupResponse>;

// ---- content gaps ---------------------------------------------------------------------------

export const Evidence = z.enum([
  "no_retrieval_hit",
  "weak_match",
  "abstained",
  "handed_off",
  "handoff_after_answer",
  "repeated_question",
  "failed",
  "thumbs_down",
]);

export const EvidenceCounts = z.object({
  noRetrievalHit: z.number().int(),
  weakMatch: z.number().int(),
  abstained: z.number().int(),
  handedOff: z.number().int(),
  handoffAfterAnswer: z.number().int(),
  repeatedQuestion: z.number().int(),
  thumbsDown: z.number().int(),
});

export const RetrievedDocument = z.object({
  documentId: z.string(),
  title: z.string().nullable(),
  /** Turns of the gap that retrieved it. */
  turns: z.number().int(),
  /** Best (lowest) and average BM25 score; null for a document only cited. */
  bestScore: z.number().nullable(),
  averageScore: z.number().nullable(),
  cited: z.number().int(),
});

export const GapSummary = z.object({
  /** The topic the gap's questions are in (a gap is a topic's badly answered questions). */
  id: z.string(),
  siteKey: z.string(),
  name: z.string(),
  questions: z.number().int(),
  /** Questions with at least one piece of evidence. */
  gapQuestions: z.number().int(),
  gapRate: Rate,
  evidence: EvidenceCounts,
  sampleQuestions: z.array(z.string()),
});
export type GapSummary = z.infer<typeof GapSummary>;

export const GapsResponse = z.object({ period: Period, site: z.string().nullable(), gaps: z.array(GapSummary) });

export const GapTurn = z.object({
  turnId: z.string(),
  conversationId: z.string(),
  day: Day,
  question: z.string(),
  outcome: z.string(),
  evidence: z.array(Evidence),
  bestScore: z.number().nullable(),
  retrieved: z.array(z.object({ documentId: z.string(), title: z.string().nullable(), score: z.number().nullable(), cited: z.boolean() })),
  /** What staff answered in that conversation after this question, when they did. */
  staffReply: z.object({ text: z.string(), at: z.string() }).nullable(),
});
export type GapsResponse = z.infer<typeof GapsResponse>;

export const GapDetail = z.object({
  period: Period,
  gap: GapSummary,
  /** Documents retrieved for the gap's questions, most retrieved first. */
  retrieved: z.array(RetrievedDocument),
  turns: z.array(GapTurn),
  /** Drafts already made from this gap. */
  drafts: z.array(z.object({ id: z.string(), status: z.string(), title: z.string() })),
});
export type GapDetail = z.infer<typeof GapDetail>;

export const GapDraftBody = z
  .object({
    /** The question to write the draft for (default: the gap's most recent question with a staff reply, else its most asked). */
    turnId: z.string().max(64).optional(),
    /** The collection the draft will be published into (default: the first collection of the site's entry agent). */
    collection: Slug.optional(),
    title: z.string().trim().min(1).max(300).optional(),
    /** What the eval case expects of the question once the draft is published (default `answer`). */
    expect: z.enum(["answer", "handoff", "abstain", "answer-or-abstain"]).default("answer"),
  })
  .strict();

// ---- drafts and eval cases ------------------------------------------------------------------

export const Draft = z.object({
  id: z.string(),
  siteKey: z.string(),
  collectionId: z.string(),
  title: z.string(),
  text: z.string(),
  topicId: z.string().nullable(),
  question: z.string().nullable(),
  status: z.enum(["draft", "published"]),
  documentId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  publishedAt: z.string().nullable(),
});
export type Draft = z.infer<typeof Draft>;

export const DraftPatch = z
  .object({ title: z.string().trim().min(1).max(300).optional(), text: z.string().min(1).max(200_000).optional(), collection: Slug.optional() })
  .strict()
  .refine((p) => p.title !== undefined || p.text !== undefined || p.collection !== undefined, "give title, text or collection");

export const EvalExpect = z.enum(["answer", "abstain", "small-talk", "handoff", "answer-or-abstain"]);

export const EvalCaseBody = z
  .object({
    question: z.string().trim().min(1).max(2000),
    expect: EvalExpect.default("answer"),
    /** What the answer must cite: document titles, URLs or URL slugs (eval/format.ts). */
    sources: z.array(z.string().trim().min(1).max(500)).max(10).default([]),
    contains: z.array(z.string().trim().min(1).max(200)).max(10).default([]),
    note: z.string().max(500).optional(),
  })
  .strict();

export const EvalCase = z.object({
  id: z.string(),
  siteKey: z.string(),
  question: z.string(),
  expect: EvalExpect,
  sources: z.array(z.string()),
  contains: z.array(z.string()),
  note: z.string().nullable(),
  origin: z.enum(["owner", "gap"]),
  topicId: z.string().nullable(),
  draftId: z.string().nullable(),
  createdAt: z.string(),
});
export type EvalCase = z.infer<typeof EvalCase>;

export const EvalCasesResponse = z.object({ site: z.string(), org: z.string(), cases: z.array(EvalCase) });

export const GapDraftResponse = z.object({ draft: Draft, evalCase: EvalCase });

// ---- source usage ---------------------------------------------------------------------------

export const SourceRow = z.object({
  documentId: z.string(),
  title: z.string(),
  collectionId: z.string(),
  url: z.string().nullable(),
  retrieved: z.number().int(),
  cited: z.number().int(),
  /** Votes on answers that cited it. */
  feedback: Feedback,
  neverUsed: z.boolean(),
  lastUsed: Day.nullable(),
  fetchedAt: z.string().nullable(),
  changedAt: z.string().nullable(),
  stale: z.boolean(),
  /** Days since it was last fetched (or, never fetched, since it last changed). */
  ageDays: z.number().int().nullable(),
});
export type GapDraftResponse = z.infer<typeof GapDraftResponse>;
export type EvalCasesResponse = z.infer<typeof EvalCasesResponse>;
export type SourceRow = z.infer<typeof SourceRow>;
export const SourcesResponse = z.object({
  period: Period,
  site: z.string().nullable(),
  staleDays: z.number().int(),
  totals: z.object({ documents: z.number().int(), used: z.number().int(), neverUsed: z.number().int(), stale: z.number().int() }),
  documents: z.array(SourceRow),
});
export type SourcesResponse = z.infer<typeof SourcesResponse>;

// ---- outcomes and quality -------------------------------------------------------------------

export const OutcomeCounts = z.object({
  conversations: z.number().int(),
  /** Answered by the bot, the visitor said so (thumbs up with no thumbs down, or CSAT ≥ 4). */
  answeredConfirmed: z.number().int(),
  /** Answered by the bot, and no further help asked within a day. */
  answeredAssumed: z.number().int(),
  handedOff: z.number().int(),
  /** Left without an answer: nobody came after a handoff, or the bot's last reply declined or was voted down. */
  abandoned: z.number().int(),
  failed: z.number().int(),
  /** Too recent to tell (last activity within the day). */
  open: z.number().int(),
  botResolutionRate: Rate,
});

export const Durations = z.object({ n: z.number().int(), averageSec: z.number().nullable(), p50Sec: z.number().nullable(), p90Sec: z.number().nullable() });

export const CsatSummary = z.object({
  responses: z.number().int(),
  average: z.number().nullable(),
  /** Share of 4 and 5 ratings. */
  satisfied: Rate,
  distribution: z.object({ "1": z.number().int(), "2": z.number().int(), "3": z.number().int(), "4": z.number().int(), "5": z.number().int() }),
  recentComments: z.array(z.object({ conversationId: z.string(), rating: z.number().int(), comment: z.string(), day: Day })),
});

export const OutcomesResponse = z.object({
  period: Period,
  site: z.string().nullable(),
  /** The time "within a day" was measured from (default: now). */
  asOf: z.string(),
  total: OutcomeCounts,
  byAgent: z.array(OutcomeCounts.extend({ agentId: z.string() })),
  bySite: z.array(OutcomeCounts.extend({ siteKey: z.string() })),
  /** The funnel: conversations → the bot answered → no handoff → confirmed or assumed resolved. */
  funnel: z.array(z.object({ step: z.string(), count: z.number().int() })),
  csat: CsatSummary,
  firstResponse: Durations,
  resolution: Durations,
  series: z.array(z.object({ day: Day, conversations: z.number().int(), handedOff: z.number().int() })),
});
export type OutcomesResponse = z.infer<typeof OutcomesResponse>;

export const AgentQuality = z.object({
  agentId: z.string(),
  turns: z.number().int(),
  answered: z.number().int(),
  abstained: z.number().int(),
  handedOff: z.number().int(),
  failed: z.number().int(),
  /** Answers citing at least one source, of answers. */
  citedRate: Rate,
  groundedness: z.number().nullable(),
  quality: z.number().nullable(),
  /** Answers graded by the model. */
  graded: z.number().int(),
  overBudget: z.number().int(),
  firstDeltaMs: z.number().nullable(),
  turnMs: z.number().nullable(),
});
export type AgentQuality = z.infer<typeof AgentQuality>;

export const DelegationRow = z.object({
  agentId: z.string(),
  calls: z.number().int(),
  ok: z.number().int(),
  failures: z.number().int(),
  timeouts: z.number().int(),
  cancelled: z.number().int(),
  refused: z.number().int(),
  /** Times this specialist failed and its fallback took the task. */
  fallbacks: z.number().int(),
  failureRate: Rate,
});
export type DelegationRow = z.infer<typeof DelegationRow>;

export const QualityResponse = z.object({
  period: Period,
  site: z.string().nullable(),
  total: AgentQuality.omit({ agentId: true }),
  byAgent: z.array(AgentQuality),
  delegations: z.array(DelegationRow),
  series: z.array(z.object({ day: Day, answers: z.number().int(), quality: z.number().nullable() })),
});
export type QualityResponse = z.infer<typeof QualityResponse>;

export const CostRow = z.object({
  model: z.string(),
  agentIds: z.array(z.string()),
  calls: z.number().int(),
  tokensIn: z.number().int(),
  tokensOut: z.number().int(),
  /** USD, null when the model has no known price. */
  cost: z.number().nullable(),
  /** USD per million tokens used (input, output), and where it came from. */
  price: PriceEntry.nullable(),
  priceSource: z.enum(["list", "org", "unknown"]),
  /** Conversations that used this model. */
  conversations: z.number().int(),
  costPerConversation: z.number().nullable(),
});
export type CostRow = z.infer<typeof CostRow>;

export const CostsResponse = z.object({
  period: Period,
  site: z.string().nullable(),
  /** When the list prices are from; the org's own prices override them. */
  pricesAsOf: z.string(),
  conversations: z.number().int(),
  tokensIn: z.number().int(),
  tokensOut: z.number().int(),
  cost: z.number(),
  /** Tokens of models with no known price. */
  unpricedTokens: z.number().int(),
  costPerConversation: z.number().nullable(),
  tokensPerConversation: z.number().nullable(),
  byModel: z.array(CostRow),
});
export type CostsResponse = z.infer<typeof CostsResponse>;

export const AnswerRow = z.object({
  turnId: z.string(),
  conversationId: z.string(),
  siteKey: z.string(),
  day: Day,
  question: z.string(),
  agentId: z.string().nullable(),
  quality: z.number(),
  grounded: z.number().nullable(),
  grade: z.number().nullable(),
  cited: z.number().int(),
  withinBudget: z.boolean(),
  tokens: z.number().int(),
});
export type AnswerRow = z.infer<typeof AnswerRow>;
export const AnswersQuery = PeriodQuery.extend({
  order: z.enum(["worst", "best"]).default("worst"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export const AnswersResponse = z.object({ period: Period, site: z.string().nullable(), answers: z.array(AnswerRow) });
export type AnswersResponse = z.infer<typeof AnswersResponse>;

// ---- leads ----------------------------------------------------------------------------------

export const LeadReason = z.object({ factor: z.string(), points: z.number().int(), detail: z.string() });
export type LeadReason = z.infer<typeof LeadReason>;

export const ScoredLead = z.object({
  id: z.string(),
  siteKey: z.string(),
  conversationId: z.string().nullable(),
  name: z.string().nullable(),
  email: z.string(),
  source: z.string(),
  createdAt: z.string(),
  /** 0..100: the score at capture plus what the conversation's outcome added since. */
  score: z.number().int(),
  intent: z.enum(["high", "medium", "low", "none"]).nullable(),
  reasons: z.array(LeadReason),
  outcome: z.string().nullable(),
});
export type ScoredLead = z.infer<typeof ScoredLead>;
export const LeadsQuery = PeriodQuery.extend({
  sort: z.enum(["score", "newest"]).default("score"),
  minScore: z.coerce.number().int().min(0).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(200),
});
export const LeadsResponse = z.object({ period: Period, site: z.string().nullable(), leads: z.array(ScoredLead) });

// ---- digest ---------------------------------------------------------------------------------

export const DigestResponse = z.object({
  org: z.string(),
  site: z.string().nullable(),
  /** The week reported: seven days ending the day before `generatedAt`, compared with the seven before. */
  period: Period,
  generatedAt: z.string(),
  conversations: z.object({ count: z.number().int(), previous: z.number().int(), trend: z.number().nullable() }),
  questions: z.object({ count: z.number().int(), previous: z.number().int(), trend: z.number().nullable() }),
  outcomes: OutcomeCounts,
  csat: z.object({ responses: z.number().int(), average: z.number().nullable() }),
  quality: z.number().nullable(),
  cost: z.number(),
  topTopics: z.array(z.object({ id: z.string(), name: z.string(), questions: z.number().int(), trend: z.number().nullable() })),
  risingTopics: z.array(z.object({ id: z.string(), name: z.string(), questions: z.number().int(), previousQuestions: z.number().int() })),
  topGaps: z.array(z.object({ id: z.string(), name: z.string(), gapQuestions: z.number().int(), sampleQuestion: z.string().nullable() })),
  staleDocuments: z.number().int(),
  unusedDocuments: z.number().int(),
  leads: z.object({ count: z.number().int(), top: z.array(z.object({ id: z.string(), email: z.string(), score: z.number().int() })) }),
});
export type LeadsResponse = z.infer<typeof LeadsResponse>;
export type DigestResponse = z.infer<typeof DigestResponse>;
