/**
 * A lead's quality, scored from what is known when it is captured — inside the
 * conversation's object, which has the transcript — and stored on the lead's row with the
 * reasons, so a list sorts by it and shows why. What happens to the conversation afterwards
 * (a person took it, the visitor left unanswered, a rating) is added when leads are read.
 *
 * Points (capped at 100): who they are (a verified identity 20, an unverified one 5), what
 * they gave (email 10, name 10, a note 5), where they were (a known page 5, a pricing, demo,
 * contact or checkout page 10 more), what they asked (buying intent: high 35, medium 20,
 * low 5), and the outcome (a person answered +10, the bot answered +5, a satisfied rating
 * +5, left unanswered −10).
 *
 * Intent, offline: words of buying (demo, quote, buy, purchase, order, sales, enterprise,
 * contract, trial…) are high; asking about prices, plans, subscriptions, upgrades or
 * discounts is medium (two of those make it high); any other question is low. With a model
 * configured, its reading of the visitor's words replaces this (insights/lead-intent.ts).
 */
import type { LeadReason } from "../../shared/insights";
import { detectLanguage } from "../providers/language";
import { terms } from "../providers/lexicon";
import { stem } from "../providers/words";

export type Intent = "high" | "medium" | "low" | "none";

/** Words of buying, in the languages the offline provider speaks (stemmed as in their language when matched). */
const BUYING = [
  "demo", "demos", "quote", "quotes", "buy", "buying", "purchase", "purchasing", "order", "ordering", "sales", "enterprise", "contract", "trial", "pilot",
  "licence", "license", "licenses", "onboarding", "procurement", "invoice me",
  "démo", "devis", "acheter", "achat", "commander", "commande", "essai",
  "demostración", "presupuesto", "cotización", "comprar", "compra", "pedido", "prueba",
  "vorführung", "angebot", "kaufen", "bestellen", "bestellung", "testversion",
  "preventivo", "acquistare", "orçamento",
];
const BUYING_SET = new Set(BUYING.map((w) => w.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase()));
/** Lexicon concepts that mean weighing a purchase. */
const PRICING = new Set(["#price", "#plan", "#subscription", "#upgrade", "#discount", "#member"]);

export function intentOf(texts: readonly string[]): { intent: Intent; words: string[] } {
  const said = texts.join("\n").slice(0, 8_000);
  if (!said.trim()) return { intent: "none", words: [] };
  const lang = detectLanguage(said);
  const strong = new Set<string>();
  const pricing = new Set<string>();
  let topical = 0;
  for (const t of terms(said, lang)) {
    topical++;
    const word = t.surface.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
    if (BUYING_SET.has(word) || BUYING_SET.has(stem(word, lang))) strong.add(t.surface);
    else if (PRICING.has(t.key)) pricing.add(t.surface);
  }
  const words = [...strong, ...pricing];
  if (strong.size || pricing.size >= 2) return { intent: "high", words };
  if (pricing.size) return { intent: "medium", words };
  return { intent: topical ? "low" : "none", words };
}

export interface LeadSignals {
  identity: "verified" | "unverified" | "none";
  name: boolean;
  email: boolean;
  note: boolean;
  /** Pages the visitor is known to have been on. */
  pages: string[];
  intent: Intent;
  /** The words (or the model's reason) the intent was read from. */
  intentDetail: string;
}

const COMMERCIAL_PAGE = /pric|plans?\b|demo|checkout|buy|cart|contact|sales|enterprise|quote|tarif|preis|precio/i;
const INTENT_POINTS: Record<Intent, number> = { high: 35, medium: 20, low: 5, none: 0 };

export function scoreLead(s: LeadSignals): { score: number; reasons: LeadReason[] } {
  const reasons: LeadReason[] = [];
  const add = (factor: string, points: number, detail: string) => {
    if (points) reasons.push({ factor, points, detail });
  };
  if (s.identity === "verified") add("identity", 20, "signed in on the site (verified identity)");
  else if (s.identity === "unverified") add("identity", 5, "identified by the site (not verified)");
  if (s.email) add("email", 10, "left an email");
  if (s.name) add("name", 10, "gave a name");
  if (s.note) add("note", 5, "left a note");
  if (s.pages.length) {
    add("pages", 5, `visited ${s.pages.length} known page${s.pages.length === 1 ? "" : "s"}`);
    const commercial = s.pages.find((p) => COMMERCIAL_PAGE.test(p));
    if (commercial) add("pages", 10, `was on ${commercial.slice(0, 200)}`);
  }
  add("intent", INTENT_POINTS[s.intent], `${s.intent} buying intent${s.intentDetail ? `: ${s.intentDetail}` : ""}`);
  return { score: clamp(reasons.reduce((n, r) => n + r.points, 0)), reasons };
}

/** What a conversation's outcome adds to its lead (read with the lead), and why. */
export const OUTCOME_POINTS: Record<string, { points: number; detail: string }> = {
  handed_off: { points: 10, detail: "a person answered them" },
  answered_confirmed: { points: 5, detail: "the assistant answered them" },
  answered_assumed: { points: 5, detail: "the assistant answered them" },
  abandoned: { points: -10, detail: "left without an answer" },
};
export const CSAT_POINTS = 5;

export function outcomeReason(outcome: string | null, csat: number | null): LeadReason[] {
  const out: LeadReason[] = [];
  const o = outcome ? OUTCOME_POINTS[outcome] : undefined;
  if (o) out.push({ factor: "outcome", ...o });
  if (csat !== null && csat >= 4) out.push({ factor: "csat", points: CSAT_POINTS, detail: `rated the conversation ${csat}/5` });
  return out;
}

/** The same points in SQL, over columns `outcome` and `csat`. */
export const outcomePointsSql = () =>
  `(CASE outcome ${Object.entries(OUTCOME_POINTS)
    .map(([k, v]) => `WHEN '${k}' THEN ${v.points}`)
    .join(" ")} ELSE 0 END + CASE WHEN csat >= 4 THEN ${CSAT_POINTS} ELSE 0 END)`;

export const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n)));
