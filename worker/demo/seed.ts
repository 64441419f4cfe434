/**
 * The seeded demo: Lumen Notes, a fictional note-taking company. A router agent answers
 * from the FAQ and delegates to a billing specialist (with an invoice lookup tool over a
 * small demo billing table) and a technical specialist. Seeding is idempotent: it does
 * nothing when the demo org exists.
 */
import type { AgentConfigInput, SiteConfigInput } from "../../shared/config";
import { orgSecret, putOrgSecret } from "../config/secrets";
import { putAgent, putSite } from "../config/store";
import type { Env } from "../env";
import { ingestDocument } from "../knowledge/store";
import { randomId } from "../ids";
import { createStaff } from "../staff/store";
import { seedDemoInbox } from "./inbox-seed";
import { DEMO_ARTICLES } from "./articles";

export const DEMO_ORG = "demo";
export const DEMO_SITE = "demo";
export const DEMO_BILLING_SECRET = "BILLING_API_KEY";

export const DEMO_AGENTS: AgentConfigInput[] = [
  {
    id: "router",
    name: "Lumen Assistant",
    description: "Front-line assistant of Lumen Notes: answers general questions from the help center and routes billing and technical questions to specialists.",
    instructions:
      "You are the Lumen Notes assistant on the company's website. Answer briefly and kindly. Use search_knowledge for product questions. Delegate billing questions (invoices, charges, refunds, payment methods) to `billing` and technical problems (crashes, login, sync) to `technical`, sending them everything they need. If the visitor asks for a person, call handoff_to_human.",
    tools: ["search_knowledge", "handoff_to_human"],
    delegates: ["billing", "technical"],
    knowledge: ["faq"],
    timeoutMs: 60_000,
  },
  {
    id: "billing",
    name: "Billing",
    description: "Billing specialist: invoices, charges, duplicate charges, refunds, payment methods and subscription changes.",
    instructions:
      "You are the billing specialist of Lumen Notes. Look invoices up with lookup_invoices when you have an invoice number or an email. Explain what you found and what happens next, citing the billing articles you used.",
    tools: ["search_knowledge"],
    knowledge: ["billing"],
    keywords: ["invoice", "charge", "charged", "refund", "billing", "payment", "card", "receipt", "subscription", "paid", "vat"],
    httpTools: [
      {
        name: "lookup_invoices",
        description: "Look up invoices and the charges made for them, by invoice number (INV-1234) or by customer email.",
        parameters: {
          type: "object",
          properties: {
            invoice: { type: "string", pattern: "^INV-\\d{4}$", description: "Invoice number, e.g. INV-1001" },
            email: { type: "string", format: "email", description: "The customer's email address" },
          },
        },
        url: "/api/demo/billing/invoices",
        method: "GET",
        secretHeaders: { "x-billing-key": DEMO_BILLING_SECRET },
        timeoutMs: 5_000,
      },
    ],
    timeoutMs: 30_000,
  },
  {
    id: "technical",
    name: "Technical support",
    description: "Technical specialist: app crashes, login problems, sync errors, installation, offline mode and performance.",
    instructions: "You are the technical support specialist of Lumen Notes. Give step-by-step fixes from the technical articles, citing them.",
    tools: ["search_knowledge"],
    knowledge: ["technical"],
    keywords: ["crash", "crashes", "error", "bug", "log in", "login", "sign in", "password", "sync", "install", "freeze", "slow", "two-factor", "2fa", "offline", "won't start"],
    timeoutMs: 30_000,
  },
];

export const DEMO_SITE_CONFIG: SiteConfigInput = {
  key: DEMO_SITE,
  orgId: DEMO_ORG,
  name: "Lumen Notes",
  // Any local port may embed the demo (a page served by another dev server, for example).
  allowedOrigins: ["http://localhost:*", "http://127.0.0.1:*"],
  entryAgent: "router",
  theme: {
    primaryColor: "#4f46e5",
    title: "Lumen Notes support",
    subtitle: "We usually answer in seconds",
    welcome: "Hi! I'm the Lumen Notes assistant. Ask me about your account, billing, or the apps.",
    suggestions: ["How do I export my notes?", "I was charged twice on invoice INV-1001", "The app crashes when I log in"],
  },
  // The widget in the visitor's language (browsers set to French or Arabic).
  texts: {
    fr: {
      title: "Assistance Lumen Notes",
      subtitle: "Nous répondons en quelques secondes",
      welcome: "Bonjour ! Je suis l'assistant de Lumen Notes. Posez-moi vos questions sur votre compte, la facturation ou les applications.",
      suggestions: ["Comment exporter mes notes ?", "Mes données sont-elles chiffrées ?"],
    },
    ar: {
      title: "دعم Lumen Notes",
      subtitle: "نرد خلال ثوانٍ",
      welcome: "مرحبًا! أنا مساعد Lumen Notes. اسألني عن حسابك أو الفوترة أو التطبيقات.",
    },
  },
  businessHours: { timezone: "UTC", days: { "1": ["08:00", "18:00"], "2": ["08:00", "18:00"], "3": ["08:00", "18:00"], "4": ["08:00", "18:00"], "5": ["08:00", "18:00"] } },
  handoffTimeoutSec: 120,
};

const INVOICES = [
  ["INV-1001", "dana@example.com", 800, "USD", "paid", "2026-10-02", "Lumen Notes Pro, monthly (October 2026)"],
  ["INV-1002", "dana@example.com", 800, "USD", "paid", "2026-11-02", "Lumen Notes Pro, monthly (November 2026)"],
  ["INV-1003", "sam@example.com", 8000, "USD", "paid", "2026-03-14", "Lumen Notes Pro, yearly"],
  ["INV-1004", "ops@northwind.example", 6000, "USD", "open", "2026-11-01", "Lumen Notes Team, 5 members (November 2026)"],
] as const;

const CHARGES = [
  ["ch_1001a", "INV-1001", 800, "2026-10-02T09:14:03Z", "succeeded"],
  ["ch_1001b", "INV-1001", 800, "2026-10-02T09:14:41Z", "succeeded"],
  ["ch_1002a", "INV-1002", 800, "2026-11-02T09:12:55Z", "succeeded"],
  ["ch_1003a", "INV-1003", 8000, "2026-03-14T17:40:10Z", "succeeded"],
  ["ch_1004a", "INV-1004", 6000, "2026-11-01T08:00:00Z", "failed"],
] as const;

/** Two staff accounts, so a second claim can be tried: Alex owns the org (the admin API through the inbox session), Sam answers. Their password comes from the env. */
export const DEMO_STAFF = [
  { email: "alex@lumen.example", name: "Alex", role: "owner" as const },
  { email: "sam@lumen.example", name: "Sam", role: "agent" as const },
];

export async function seedDemo(env: Env): Promise<{ seeded: boolean; staff: string[] }> {
  const staff = await seedDemoStaff(env);
  await seedDemoSecret(env);
  await seedDemoInbox(env, DEMO_ORG);
  const exists = await env.DB.prepare("SELECT 1 AS x FROM orgs WHERE id = ?").bind(DEMO_ORG).first();
  if (exists) return { seeded: false, staff };

  await env.DB.batch([
    env.DB.prepare("INSERT INTO orgs (id, name) VALUES (?, ?)").bind(DEMO_ORG, "Lumen Notes (demo)"),
    env.DB.prepare("INSERT INTO sites (key, org_id, name) VALUES (?, ?, ?)").bind(DEMO_SITE, DEMO_ORG, "Lumen Notes"),
    ...INVOICES.map((i) =>
      env.DB.prepare(
        "INSERT INTO demo_invoices (number, org_id, customer_email, amount_cents, currency, status, issued_on, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ).bind(i[0], DEMO_ORG, i[1], i[2], i[3], i[4], i[5], i[6]),
    ),
    ...CHARGES.map((c) =>
      env.DB.prepare("INSERT INTO demo_charges (id, invoice_number, amount_cents, charged_at, status) VALUES (?, ?, ?, ?, ?)").bind(...c),
    ),
  ]);
  for (const agent of DEMO_AGENTS) await putAgent(env, DEMO_ORG, agent);
  await putSite(env, DEMO_SITE_CONFIG);
  for (const article of DEMO_ARTICLES) {
    await ingestDocument(env.DB, {
      orgId: DEMO_ORG,
      collectionId: article.collection,
      source: `demo:${article.slug}`,
      title: article.title,
      url: `/help/${article.slug}`,
      text: article.body,
    });
  }
  return { seeded: true, staff };
}

/**
 * The billing tool's key, as the demo org's secret BILLING_API_KEY in the secrets store (the
 * demo billing API checks the header against it): DEMO_BILLING_API_KEY when set, else
 * random. Kept when it exists, so a re-seed does not rotate it.
 */
async function seedDemoSecret(env: Env): Promise<void> {
  if (await orgSecret(env, DEMO_ORG, DEMO_BILLING_SECRET)) return;
  const value = typeof env.DEMO_BILLING_API_KEY === "string" && env.DEMO_BILLING_API_KEY ? env.DEMO_BILLING_API_KEY : randomId("", 24);
  await putOrgSecret(env, DEMO_ORG, DEMO_BILLING_SECRET, value, "demo seed");
}

/** Creates the demo staff accounts that do not exist yet (needs DEMO_STAFF_PASSWORD). */
async function seedDemoStaff(env: Env): Promise<string[]> {
  const password = env.DEMO_STAFF_PASSWORD;
  if (typeof password !== "string" || password.length < 8) return [];
  for (const member of DEMO_STAFF) {
    const exists = await env.DB.prepare("SELECT 1 AS x FROM staff WHERE email = ?").bind(member.email).first();
    if (!exists) await createStaff(env.DB, { orgId: DEMO_ORG, password, ...member });
  }
  return DEMO_STAFF.map((m) => m.email);
}
