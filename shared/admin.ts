/**
 * The admin API's wire types that the console (widget/admin) reads and sends: the same zod
 * schemas the worker validates with and answers through, so the console's client is typed
 * from what the server checks. (Routes written before the console keep their own copies in
 * worker/routes/admin/*; the shapes here match them.)
 */
import { z } from "zod";
import {
  AgentConfig,
  AssistantTone,
  BusinessHours,
  HttpToolConfig,
  Locale,
  LocalizedTexts,
  OriginPattern,
  SiteConfig,
  Slug,
  Theme,
} from "./config";
import { KnowledgeDocument } from "./knowledge";
import { NewPassword, StaffRole, StaffSessionInfo } from "./staff";

import { WRITE_ONLY } from "./admin-constants";

export { WRITE_ONLY };

// ---- orgs ---------------------------------------------------------------------------------

export const Org = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });
export type Org = z.infer<typeof Org>;

// ---- sites --------------------------------------------------------------------------------

/** A site as the admin API shows it: secrets are write-only (`••••` when set). */
export const SiteOut = SiteConfig.extend({
  identitySecret: z.string().optional(),
  webhook: z.object({ url: z.string(), secret: z.string() }).optional(),
});
export type SiteOut = z.infer<typeof SiteOut>;

/** A default-free, optional copy of a field (a patch must not fill in what it leaves out). */
function loose<T extends z.ZodType>(schema: T): z.ZodOptional<z.ZodType<z.output<T>, z.input<T>>> {
  const inner = schema instanceof z.ZodDefault ? (schema.unwrap() as z.ZodType) : schema;
  return (inner as z.ZodType<z.output<T>, z.input<T>>).optional();
}

const ThemePatch = z
  .object({
    primaryColor: loose(Theme.shape.primaryColor),
    position: loose(Theme.shape.position),
    zIndex: loose(Theme.shape.zIndex),
    title: loose(Theme.shape.title),
    subtitle: loose(Theme.shape.subtitle),
    welcome: loose(Theme.shape.welcome),
    /** null removes the logo. */
    logoUrl: z.url().nullable().optional(),
    suggestions: loose(Theme.shape.suggestions),
  })
  .strict();

const TextsPatch = z
  .object({
    title: z.string().max(80).nullable().optional(),
    subtitle: z.string().max(160).nullable().optional(),
    welcome: z.string().max(1000).nullable().optional(),
    suggestions: z.array(z.string().min(1).max(120)).max(6).nullable().optional(),
  })
  .strict();

/**
 * `PATCH …/sites/:key`: a JSON merge patch (RFC 7396) of the site. Fields left out are kept;
 * `theme`, `texts` (per locale) and `webhook` merge field by field; `null` removes an optional
 * field (a logo, a locale's texts, business hours, the identity secret, the webhook).
 * Write-only secrets sent back as `••••` are kept as they are — a form that read a site and
 * sends it back never loses them.
 */
export const SitePatch = z
  .object({
    name: loose(SiteConfig.shape.name),
    allowedOrigins: z.array(OriginPattern).max(64).optional(),
    entryAgent: Slug.optional(),
    theme: ThemePatch.optional(),
    texts: z.record(Locale, TextsPatch.nullable()).optional(),
    tone: AssistantTone.optional(),
    locale: loose(SiteConfig.shape.locale),
    /** Replaced whole (not merged); null: no business hours (always staffed). */
    businessHours: BusinessHours.nullable().optional(),
    handoffTimeoutSec: loose(SiteConfig.shape.handoffTimeoutSec),
    identitySecret: z.string().max(256).nullable().optional(),
    customDomains: loose(SiteConfig.shape.customDomains),
    leadForm: loose(SiteConfig.shape.leadForm),
    conversationTokenLimit: loose(SiteConfig.shape.conversationTokenLimit),
    historyTokenLimit: loose(SiteConfig.shape.historyTokenLimit),
    webhook: z.object({ url: z.url().optional(), secret: z.string().max(256).optional() }).strict().nullable().optional(),
  })
  .strict();
export type SitePatch = z.infer<typeof SitePatch>;
export type { LocalizedTexts };

export const WebhookDelivery = z.object({
  id: z.string(),
  type: z.string(),
  attempts: z.number(),
  status: z.string(),
  lastError: z.string().nullable(),
  createdAt: z.string().nullable(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

// ---- agents -------------------------------------------------------------------------------

/** An agent as the admin API shows it: its config, version and time of that version. */
export const AgentOut = AgentConfig.extend({ version: z.number(), updatedAt: z.string() });
export type AgentOut = z.infer<typeof AgentOut>;

/** An unpublished edit of an agent: what the playground runs, until it is published. */
export const AgentDraft = z.object({ config: AgentConfig, basedOnVersion: z.number(), updatedAt: z.string(), updatedBy: z.string() });
export type AgentDraft = z.infer<typeof AgentDraft>;
export const AgentDraftBody = AgentConfig.partial({ id: true });

/** A playground conversation: the visitor API takes its token; its turns run agent drafts first. */
export const PlaygroundBody = z.object({ siteKey: Slug });
export const PlaygroundConversation = z.object({ conversationId: z.string(), token: z.string(), siteKey: z.string(), entryAgent: z.string() });

export const TryHttpToolBody = z.object({
  tool: HttpToolConfig,
  arguments: z.record(z.string(), z.unknown()).default({}),
});
export const TryHttpToolResult = z.object({
  /** What the engine would record: ok, error, timeout… */
  status: z.string(),
  /** What the model would read (secrets scrubbed). */
  result: z.unknown(),
  durationMs: z.number(),
});

// ---- knowledge ----------------------------------------------------------------------------

export const Collection = z.object({ id: z.string(), name: z.string(), createdAt: z.string(), documents: z.number() });
export type Collection = z.infer<typeof Collection>;
/** A document as its own page shows it: the list's row, less what only the list needs. */
export const DocumentInfo = KnowledgeDocument.omit({ format: true, hasOriginal: true });
export type DocumentInfo = z.infer<typeof DocumentInfo>;
export const Ingested = z.object({ id: z.string(), source: z.string(), title: z.string(), chunks: z.number(), replaced: z.boolean() });
export const IngestResult = z.object({ documents: z.array(Ingested), failed: z.array(z.object({ url: z.string(), error: z.string() })).optional() });
export type IngestResult = z.infer<typeof IngestResult>;

export const Chunk = z.object({
  id: z.number(),
  position: z.number(),
  text: z.string(),
  heading: z.string().nullable(),
  page: z.number().nullable(),
  startSec: z.number().nullable(),
});
export const DocumentChunks = z.object({ document: DocumentInfo, chunks: z.array(Chunk) });
export type DocumentChunks = z.infer<typeof DocumentChunks>;

export const KnowledgeSearchQuery = z.object({
  q: z.string().trim().min(1).max(500),
  limit: z.coerce.number().int().min(1).max(10).default(4),
});
export const KnowledgeHit = z.object({ ref: z.string(), title: z.string(), url: z.string().nullable(), text: z.string(), score: z.number() });
export const KnowledgeSearchResult = z.object({ query: z.string(), results: z.array(KnowledgeHit) });
export type KnowledgeSearchResult = z.infer<typeof KnowledgeSearchResult>;

// ---- budgets, secrets ---------------------------------------------------------------------

export const BudgetRule = z.object({
  id: z.string(),
  team: z.string().nullable().optional(),
  period: z.enum(["day", "month"]),
  limitTokens: z.number(),
  createdAt: z.string().optional(),
  window: z.string(),
  used: z.number(),
  reserved: z.number(),
});
export type BudgetRule = z.infer<typeof BudgetRule>;
export const SecretInfo = z.object({ name: z.string(), updatedAt: z.string() });
export type SecretInfo = z.infer<typeof SecretInfo>;

// ---- people -------------------------------------------------------------------------------

export const StaffOut = z.object({ id: z.string(), email: z.string(), name: z.string(), role: StaffRole, createdAt: z.string() });
export type StaffOut = z.infer<typeof StaffOut>;

export const InvitationBody = z.object({
  role: StaffRole,
  /** When given, the account must use this email. */
  email: z.email().max(254).optional(),
  expiresInDays: z.number().int().min(1).max(30).default(7),
});
export const Invitation = z.object({
  id: z.string(),
  email: z.string().nullable(),
  role: StaffRole,
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  acceptedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  status: z.enum(["pending", "accepted", "revoked", "expired"]),
});
export type Invitation = z.infer<typeof Invitation>;
/** The one time the link's secret is shown. */
export const InvitationCreated = z.object({ invitation: Invitation, token: z.string(), url: z.string() });

/** Invitation links carry a token `sbi_` + 32 url-safe characters (in the URL's fragment). */
export const InvitationToken = z.string().regex(/^sbi_[A-Za-z0-9_-]{32}$/, "not an invitation link");
export const InvitationInspectBody = z.object({ token: InvitationToken });
export const InvitationInfo = z.object({ orgName: z.string(), role: StaffRole, email: z.string().nullable(), expiresAt: z.string() });
export const AcceptInvitationBody = z.object({
  token: InvitationToken,
  name: z.string().trim().min(1).max(120),
  /** Needed when the invitation names no email. */
  email: z.email().max(254).optional(),
  password: NewPassword,
});

export const SignupStatus = z.object({ open: z.boolean() });
export const SignupBody = z.object({
  company: z.string().trim().min(1).max(120),
  name: z.string().trim().min(1).max(120),
  email: z.email().max(254),
  password: NewPassword,
});
export const SignedIn = StaffSessionInfo;

// ---- conversations and leads --------------------------------------------------------------

export const ConversationRow = z.object({
  id: z.string(),
  siteKey: z.string(),
  status: z.string(),
  summary: z.string().nullable(),
  lastMessage: z.string().nullable(),
  messages: z.number(),
  assignee: z.string().nullable(),
  userId: z.string().nullable(),
  visitorName: z.string().nullable(),
  visitorEmail: z.string().nullable(),
  identityVerified: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ConversationRow = z.infer<typeof ConversationRow>;
export const Lead = z.object({
  id: z.string(),
  siteKey: z.string(),
  conversationId: z.string().nullable(),
  name: z.string().nullable(),
  email: z.string(),
  note: z.string().nullable(),
  source: z.string(),
  createdAt: z.string(),
});
export type Lead = z.infer<typeof Lead>;
