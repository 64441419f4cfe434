/**
 * Every admin API call the console makes, typed by the shared zod schemas (types only: the
 * bundle carries no schema code). One function per operation, named for it; each is a call a
 * script could make with the same credentials (see /api/openapi.json).
 */
import type { z } from "zod";
import type {
  AcceptInvitationBody,
  AgentDraft,
  AgentOut,
  BudgetRule,
  ConversationRow,
  DocumentChunks,
  IngestResult,
  Invitation,
  InvitationCreated,
  InvitationInfo,
  KnowledgeSearchResult,
  Lead,
  Org,
  PlaygroundConversation,
  SecretInfo,
  SignupBody,
  SiteOut,
  SitePatch,
  StaffOut,
  TryHttpToolResult,
  WebhookDelivery,
} from "../../shared/admin";
import type { AgentConfigInput, HttpToolConfig, PublicSiteConfig, SiteConfigInput } from "../../shared/config";
import type {
  AnswersResponse,
  CostsResponse,
  DigestResponse,
  Draft,
  DraftPatch,
  EvalCasesResponse,
  GapDetail,
  GapDraftBody,
  GapDraftResponse,
  GapsResponse,
  InsightsSettings,
  InsightsSettingsInput,
  LeadsResponse,
  OutcomesResponse,
  QualityResponse,
  RegroupResponse,
  SourcesResponse,
  TopicCreate,
  TopicDetail,
  TopicPatch,
  TopicRecord,
  TopicsResponse,
} from "../../shared/insights";
import type {
  CrawlOptions,
  EmbeddingsSettings,
  EmbeddingsStatus,
  IngestJob,
  JobStatus,
  KnowledgeCollection,
  KnowledgeDocument,
  KnowledgeSource,
  SourceKind,
} from "../../shared/knowledge";
import type { ConversationDetail, StaffMember, StaffRole } from "../../shared/staff";
import type { TraceNode } from "../../shared/trace";
import { del, get, patch, post, put, upload } from "./api";

const o = (org: string) => `/api/admin/orgs/${encodeURIComponent(org)}`;
const e = encodeURIComponent;

export interface SessionInfo {
  staff: StaffMember;
  csrfToken: string;
}
type Out<T extends z.ZodType> = z.infer<T>;

// ---- accounts ---------------------------------------------------------------------------

export const staffMe = () => get<SessionInfo>("/api/staff/me");
export const staffLogin = (email: string, password: string, orgId?: string) => post<SessionInfo>("/api/staff/login", { email, password, ...(orgId ? { orgId } : {}) });
export const staffLogout = () => post<{ ok: boolean }>("/api/staff/logout");
export const changePassword = (currentPassword: string, newPassword: string) => post<{ ok: boolean }>("/api/staff/password", { currentPassword, newPassword });
export const signupStatus = () => get<{ open: boolean }>("/api/signup");
export const signup = (body: z.input<typeof SignupBody>) => post<SessionInfo>("/api/signup", body);
export const inspectInvitation = (token: string) => post<Out<typeof InvitationInfo>>("/api/invitations/inspect", { token });
export const acceptInvitation = (body: z.input<typeof AcceptInvitationBody>) => post<SessionInfo>("/api/invitations/accept", body);

// ---- orgs, sites ------------------------------------------------------------------------

export const listOrgs = () => get<{ orgs: Org[] }>("/api/admin/orgs");
export const createOrg = (id: string, name: string) => post<{ id: string; name: string }>("/api/admin/orgs", { id, name });
export const listSites = (org: string) => get<{ sites: SiteOut[] }>(`${o(org)}/sites`);
export const getSite = (org: string, key: string) => get<SiteOut>(`${o(org)}/sites/${e(key)}`);
export const createSite = (org: string, site: Omit<SiteConfigInput, "orgId">) => post<SiteOut>(`${o(org)}/sites`, site);
export const updateSite = (org: string, key: string, change: SitePatch) => patch<SiteOut>(`${o(org)}/sites/${e(key)}`, change);
export const deleteSite = (org: string, key: string) => del<{ deleted: boolean }>(`${o(org)}/sites/${e(key)}`);
export const sendTestWebhook = (org: string, key: string) => post<{ id: string }>(`${o(org)}/sites/${e(key)}/webhook/test`);
export const listWebhookDeliveries = (org: string, key: string) => get<{ deliveries: WebhookDelivery[] }>(`${o(org)}/sites/${e(key)}/webhook/deliveries`);
/** The widget's own view of a site (what the preview starts from). */
export const publicSiteConfig = (key: string) => get<PublicSiteConfig>(`/api/sites/${e(key)}/config`);

// ---- agents -----------------------------------------------------------------------------

export const listAgents = (org: string) => get<{ agents: AgentOut[] }>(`${o(org)}/agents`);
export const getAgent = (org: string, id: string) => get<AgentOut>(`${o(org)}/agents/${e(id)}`);
export const createAgent = (org: string, agent: AgentConfigInput) => post<AgentOut>(`${o(org)}/agents`, agent);
export const updateAgent = (org: string, id: string, agent: AgentConfigInput) => put<AgentOut>(`${o(org)}/agents/${e(id)}`, agent);
export const deleteAgent = (org: string, id: string) => del<{ deleted: boolean }>(`${o(org)}/agents/${e(id)}`);
export const listAgentVersions = (org: string, id: string) => get<{ versions: AgentOut[] }>(`${o(org)}/agents/${e(id)}/versions`);
export const rollbackAgent = (org: string, id: string, version: number) => post<AgentOut>(`${o(org)}/agents/${e(id)}/rollback`, { version });
export const listAgentDrafts = (org: string) => get<{ drafts: AgentDraft[] }>(`${o(org)}/agent-drafts`);
export const getAgentDraft = (org: string, id: string) => get<{ draft: AgentDraft | null }>(`${o(org)}/agents/${e(id)}/draft`);
export const saveAgentDraft = (org: string, id: string, agent: AgentConfigInput) => put<{ draft: AgentDraft }>(`${o(org)}/agents/${e(id)}/draft`, agent);
export const discardAgentDraft = (org: string, id: string) => del<{ deleted: boolean }>(`${o(org)}/agents/${e(id)}/draft`);
export const publishAgentDraft = (org: string, id: string) => post<AgentOut>(`${o(org)}/agents/${e(id)}/publish`);
export const startPlayground = (org: string, siteKey: string) => post<Out<typeof PlaygroundConversation>>(`${o(org)}/playground/conversations`, { siteKey });
export const tryHttpTool = (org: string, tool: Partial<HttpToolConfig>, args: Record<string, unknown>) =>
  post<Out<typeof TryHttpToolResult>>(`${o(org)}/http-tools/try`, { tool, arguments: args });

// ---- knowledge --------------------------------------------------------------------------

export const listCollections = (org: string) => get<{ collections: KnowledgeCollection[] }>(`${o(org)}/collections`);
export const updateCollection = (org: string, id: string, body: { name?: string; refreshDays?: number | null }) => patch<KnowledgeCollection>(`${o(org)}/collections/${e(id)}`, body);
export const createCollection = (org: string, id: string, name?: string) => post<{ id: string; name: string }>(`${o(org)}/collections`, { id, ...(name ? { name } : {}) });
export const deleteCollection = (org: string, id: string) => del<{ deleted: boolean; documents: number }>(`${o(org)}/collections/${e(id)}`);
export const listDocuments = (org: string, collection: string) => get<{ documents: KnowledgeDocument[] }>(`${o(org)}/collections/${e(collection)}/documents`);
export type DocumentInput =
  | { format: "text" | "markdown" | "html"; content: string; title?: string; source?: string }
  | { url: string; title?: string }
  | { sitemap: string };
export const ingestDocument = (org: string, collection: string, body: DocumentInput) => post<IngestResult>(`${o(org)}/collections/${e(collection)}/documents`, body);
export const deleteDocument = (org: string, collection: string, id: string) => del<{ deleted: boolean }>(`${o(org)}/collections/${e(collection)}/documents/${e(id)}`);
export const documentChunks = (org: string, collection: string, id: string) => get<DocumentChunks>(`${o(org)}/collections/${e(collection)}/documents/${e(id)}/chunks`);
export const searchCollection = (org: string, collection: string, q: string) => get<KnowledgeSearchResult>(`${o(org)}/collections/${e(collection)}/search?q=${e(q)}`);
/** The content engineer's background ingestion (PDF, DOCX, captions, ZIP, CSV, JSON). */
export const uploadFile = (org: string, collection: string, form: FormData) => upload<{ job: IngestJob }>(`${o(org)}/collections/${e(collection)}/files`, form);
export const ingestJob = (org: string, id: string) => get<IngestJob>(`${o(org)}/ingest-jobs/${e(id)}`);
/** Newest first; each carries its last 20 documents and errors (the job itself has all). */
export const listIngestJobs = (org: string, q: { collection?: string; status?: JobStatus; before?: string; limit?: number } = {}) =>
  get<{ jobs: IngestJob[] }>(`${o(org)}/ingest-jobs${qs(q)}`);
/** URL-based sources: a page, a sitemap, a crawl of a site section, a video page; each re-fetched on its schedule. */
export const listSources = (org: string, collection: string) => get<{ sources: KnowledgeSource[] }>(`${o(org)}/collections/${e(collection)}/sources`);
export const addSource = (org: string, collection: string, body: { kind: SourceKind; url: string; refreshDays?: number | null; crawl?: CrawlOptions }) =>
  post<{ source: KnowledgeSource; job: IngestJob }>(`${o(org)}/collections/${e(collection)}/sources`, body);
export const updateSource = (org: string, collection: string, id: string, refreshDays: number | null) =>
  patch<KnowledgeSource>(`${o(org)}/collections/${e(collection)}/sources/${e(id)}`, { refreshDays });
export const refreshSource = (org: string, collection: string, id: string) => post<{ job: IngestJob }>(`${o(org)}/collections/${e(collection)}/sources/${e(id)}/refresh`);
export const deleteSource = (org: string, collection: string, id: string) => del<{ deleted: boolean; documents: number }>(`${o(org)}/collections/${e(collection)}/sources/${e(id)}`);
/** The org's optional embedding index (naming a key secret needs the secrets:write scope). */
export const getEmbeddings = (org: string) => get<EmbeddingsStatus>(`${o(org)}/embeddings`);
export const putEmbeddings = (org: string, body: EmbeddingsSettings) => put<{ embeddings: EmbeddingsSettings; job: IngestJob }>(`${o(org)}/embeddings`, body);
export const deleteEmbeddings = (org: string) => del<{ deleted: boolean }>(`${o(org)}/embeddings`);

// ---- budgets, secrets -------------------------------------------------------------------

export const listBudgets = (org: string) => get<{ rules: BudgetRule[] }>(`${o(org)}/budgets`);
export const createBudget = (org: string, rule: { period: "day" | "month"; limitTokens: number; team?: string }) => post<BudgetRule>(`${o(org)}/budgets`, rule);
export const deleteBudget = (org: string, id: string) => del<{ deleted: boolean }>(`${o(org)}/budgets/${e(id)}`);
export const listSecrets = (org: string) => get<{ secrets: SecretInfo[] }>(`${o(org)}/secrets`);
export const putSecret = (org: string, name: string, value: string) => put<SecretInfo>(`${o(org)}/secrets/${e(name)}`, { value });
export const deleteSecret = (org: string, name: string) => del<{ deleted: boolean }>(`${o(org)}/secrets/${e(name)}`);

// ---- people -----------------------------------------------------------------------------

export const listStaff = (org: string) => get<{ staff: StaffOut[] }>(`${o(org)}/staff`);
export const deleteStaff = (org: string, id: string) => del<{ deleted: boolean }>(`${o(org)}/staff/${e(id)}`);
export const listInvitations = (org: string) => get<{ invitations: Invitation[] }>(`${o(org)}/invitations`);
export const createInvitation = (org: string, body: { role: StaffRole; email?: string; expiresInDays?: number }) => post<Out<typeof InvitationCreated>>(`${o(org)}/invitations`, body);
export const revokeInvitation = (org: string, id: string) => del<{ revoked: boolean }>(`${o(org)}/invitations/${e(id)}`);

// ---- conversations, leads ---------------------------------------------------------------

export interface ConversationFilter {
  site?: string;
  status?: string;
  after?: string;
  before?: string;
  limit?: number;
  /** Conversations where this agent ran a turn. */
  agent?: string;
  feedback?: "up" | "down" | "none";
}
export function listConversations(org: string, filter: ConversationFilter = {}) {
  const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => [k, String(v)]));
  return get<{ conversations: ConversationRow[] }>(`${o(org)}/conversations${q.size ? `?${q}` : ""}`);
}
export const getConversation = (org: string, id: string) => get<ConversationDetail>(`${o(org)}/conversations/${e(id)}`);
export const conversationTrace = (id: string) => get<{ conversationId: string; spans: number; roots: TraceNode[] }>(`/api/admin/conversations/${e(id)}/trace`);
export const listLeads = (org: string) => get<{ leads: Lead[] }>(`${o(org)}/leads`);
export const leadsCsvPath = (org: string) => `${o(org)}/leads.csv`;

// ---- insights ---------------------------------------------------------------------------

/** A site (omitted: all of the org's) and a period: the last `days`, or `from`–`to` (YYYY-MM-DD). */
export interface InsightsQuery {
  site?: string;
  days?: number;
  from?: string;
  to?: string;
  /** The time outcomes are judged at ("no further help asked within a day"; default now). */
  asOf?: string;
  limit?: number;
}
const qs = (q: object) => {
  const p = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => [k, String(v)]));
  return p.size ? `?${p}` : "";
};
const ins = (org: string) => `${o(org)}/insights`;
/** The CSV twin of an insights table (`topics`, `gaps/top_…`, `sources` …), same query: for a download link. */
export const insightsCsvPath = (org: string, table: string, q: InsightsQuery) => `${ins(org)}/${table}.csv${qs(q)}`;

export const insightsTopics = (org: string, q: InsightsQuery) => get<TopicsResponse>(`${ins(org)}/topics${qs(q)}`);
export const insightsTopic = (org: string, id: string, q: Omit<InsightsQuery, "site">) => get<TopicDetail>(`${ins(org)}/topics/${e(id)}${qs(q)}`);
export const insightsTopicList = (org: string, site: string) => get<{ topics: TopicRecord[] }>(`${ins(org)}/topic-list${qs({ site })}`);
export const createTopic = (org: string, body: z.input<typeof TopicCreate>) => post<TopicRecord>(`${ins(org)}/topics`, body);
export const updateTopic = (org: string, id: string, body: z.input<typeof TopicPatch>) => patch<TopicRecord>(`${ins(org)}/topics/${e(id)}`, body);
export const mergeTopic = (org: string, id: string, into: string) => post<TopicRecord>(`${ins(org)}/topics/${e(id)}/merge`, { into });
export const deleteTopic = (org: string, id: string) => del<{ deleted: boolean }>(`${ins(org)}/topics/${e(id)}`);
export const regroupTopics = (org: string, site: string) => post<RegroupResponse>(`${ins(org)}/topics/regroup`, { site });

export const insightsGaps = (org: string, q: InsightsQuery) => get<Out<typeof GapsResponse>>(`${ins(org)}/gaps${qs(q)}`);
export const insightsGap = (org: string, id: string, q: Omit<InsightsQuery, "site">) => get<GapDetail>(`${ins(org)}/gaps/${e(id)}${qs(q)}`);
export const draftFromGap = (org: string, id: string, body: z.input<typeof GapDraftBody> = {}) => post<GapDraftResponse>(`${ins(org)}/gaps/${e(id)}/draft`, body);
export const listDrafts = (org: string, q: { site?: string; status?: "draft" | "published" } = {}) => get<{ drafts: Draft[] }>(`${ins(org)}/drafts${qs(q)}`);
export const getDraft = (org: string, id: string) => get<Draft>(`${ins(org)}/drafts/${e(id)}`);
export const updateDraft = (org: string, id: string, body: z.input<typeof DraftPatch>) => patch<Draft>(`${ins(org)}/drafts/${e(id)}`, body);
export const publishDraft = (org: string, id: string) => post<Draft>(`${ins(org)}/drafts/${e(id)}/publish`);
export const deleteDraft = (org: string, id: string) => del<{ deleted: boolean }>(`${ins(org)}/drafts/${e(id)}`);
export const listEvalCases = (org: string, site: string) => get<EvalCasesResponse>(`${o(org)}/sites/${e(site)}/eval-cases`);

export const insightsSources = (org: string, q: InsightsQuery) => get<SourcesResponse>(`${ins(org)}/sources${qs(q)}`);
export const insightsOutcomes = (org: string, q: InsightsQuery) => get<OutcomesResponse>(`${ins(org)}/outcomes${qs(q)}`);
export const insightsQuality = (org: string, q: InsightsQuery) => get<QualityResponse>(`${ins(org)}/quality${qs(q)}`);
export const insightsCosts = (org: string, q: InsightsQuery) => get<CostsResponse>(`${ins(org)}/costs${qs(q)}`);
/** Answers ranked by their quality score, worst first: the ones to read. */
export const insightsAnswers = (org: string, q: InsightsQuery & { limit?: number }) => get<AnswersResponse>(`${ins(org)}/answers${qs(q)}`);
export const insightsLeads = (org: string, q: InsightsQuery & { sort?: "score" | "newest" }) => get<LeadsResponse>(`${ins(org)}/leads${qs(q)}`);
export const insightsDigest = (org: string, q: { site?: string }) => get<DigestResponse>(`${ins(org)}/digest${qs(q)}`);
export const getInsightsSettings = (org: string) => get<InsightsSettings>(`${ins(org)}/settings`);
export const putInsightsSettings = (org: string, body: InsightsSettingsInput) => put<InsightsSettings>(`${ins(org)}/settings`, body);
