/**
 * The console's pages: a path pattern, a title and a component each. A new page (insights,
 * teams, ingestion jobs) is a module under pages/ and a line here (and one in NAV to list it).
 */
import type { ComponentChildren } from "preact";
import { AccountRoute } from "./pages/accounts";
import { AgentPage, AgentsPage, NewAgentPage } from "./pages/agents";
import { BudgetsPage } from "./pages/budgets";
import { ConversationPage, ConversationsPage } from "./pages/conversations";
import { HomePage } from "./pages/home";
import { CollectionPage, DocumentPage, KnowledgePage } from "./pages/knowledge";
import { LeadsPage } from "./pages/leads";
import { PeoplePage } from "./pages/people";
import { PlaygroundPage } from "./pages/playground";
import { SecretsPage } from "./pages/secrets";
import { NewSitePage, SitePage, SitesPage } from "./pages/sites";

export interface PageProps {
  org: string;
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface RouteDef {
  pattern: string;
  title: string | ((params: Record<string, string>) => string);
  page: (props: PageProps) => ComponentChildren;
}

const ORG = "/admin/orgs/:org";

/** First match wins: fixed segments (`new`) before parameters. */
export const ROUTES: RouteDef[] = [
  { pattern: ORG, title: "Home", page: HomePage },
  { pattern: `${ORG}/sites`, title: "Sites", page: SitesPage },
  { pattern: `${ORG}/sites/new`, title: "New site", page: NewSitePage },
  { pattern: `${ORG}/sites/:key`, title: (p) => `Site ${p.key}`, page: SitePage },
  { pattern: `${ORG}/agents`, title: "Agents", page: AgentsPage },
  { pattern: `${ORG}/agents/new`, title: "New agent", page: NewAgentPage },
  { pattern: `${ORG}/agents/:id`, title: (p) => `Agent ${p.id}`, page: AgentPage },
  { pattern: `${ORG}/playground`, title: "Playground", page: PlaygroundPage },
  { pattern: `${ORG}/knowledge`, title: "Knowledge", page: KnowledgePage },
  { pattern: `${ORG}/knowledge/:collection`, title: (p) => `Collection ${p.collection}`, page: CollectionPage },
  { pattern: `${ORG}/knowledge/:collection/:doc`, title: "Document", page: DocumentPage },
  { pattern: `${ORG}/conversations`, title: "Conversations", page: ConversationsPage },
  { pattern: `${ORG}/conversations/:id`, title: "Conversation", page: ConversationPage },
  { pattern: `${ORG}/leads`, title: "Leads", page: LeadsPage },
  { pattern: `${ORG}/budgets`, title: "Budgets", page: BudgetsPage },
  { pattern: `${ORG}/secrets`, title: "Secrets", page: SecretsPage },
  { pattern: `${ORG}/people`, title: "People", page: PeoplePage },
  { pattern: `${ORG}/account`, title: "Account", page: AccountRoute },
];

/** The navigation, in order; `secrets`: only for credentials that hold secrets:read. */
export const NAV: { label: string; path: string; secrets?: boolean }[] = [
  { label: "Home", path: "" },
  { label: "Sites", path: "/sites" },
  { label: "Agents", path: "/agents" },
  { label: "Playground", path: "/playground" },
  { label: "Knowledge", path: "/knowledge" },
  { label: "Conversations", path: "/conversations" },
  { label: "Leads", path: "/leads" },
  { label: "Budgets", path: "/budgets" },
  { label: "Secrets", path: "/secrets", secrets: true },
  { label: "People", path: "/people" },
];
