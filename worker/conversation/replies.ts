/**
 * What the bot and the conversation say to the visitor on their own. Kept in one place so
 * the wording is consistent and easy to change.
 */
export const REPLIES = {
  deadline: "Sorry, this is taking longer than it should. Please try again in a moment, or ask for a person.",
  budget: "I've reached my usage limit for now, so I'm passing your conversation to our team.",
  budgetNoHuman: "I've reached my usage limit for now. Please try again later.",
  ceiling: "This conversation has reached the limit of what I can answer in one chat, so I've passed it to a person from our team. They'll reply here.",
  ceilingNoHuman: "This conversation has reached the limit of what I can answer in one chat. Please ask for a person, or start a new conversation.",
  error: "Sorry, I ran into a problem answering that. Please try again, or ask for a person.",
  maxTurns: "Sorry, I couldn't finish working that out. Please rephrase, or ask for a person.",
  backToBot: "You're chatting with our assistant again.",
} as const;

/**
 * What a wait for a person means, said once, in the visitor's language (the widget's locale,
 * given when the conversation started): a person will answer here and about when; or nobody
 * is there now, so leave an email — or, when the site told us the visitor's email, that we
 * will write there. A reason may come first (the bot gave up).
 */
type NoticeKey = "waitStaffed" | "away" | "awayKnown" | "busy" | "busyKnown" | "leadThanks" | "trouble";

const NOTICES: Record<string, Record<NoticeKey, string>> = {
  en: {
    waitStaffed: "Someone from our team will reply here, usually within {wait}.",
    away: "Our team is away right now. Leave your email and we'll get back to you.",
    awayKnown: "Our team is away right now. We'll follow up at {email}.",
    busy: "Everyone on our team is busy at the moment. Leave your email and we'll get back to you, or keep waiting here.",
    busyKnown: "Everyone on our team is busy at the moment. Keep waiting here, or we'll follow up at {email}.",
    leadThanks: "Thanks! We'll follow up at {email}.",
    trouble: "I'm having trouble with this one, so I'm passing it to our team.",
  },
  fr: {
    waitStaffed: "Une personne de notre équipe va vous répondre ici, en général sous {wait}.",
    away: "Notre équipe est absente pour le moment. Laissez votre e-mail et nous vous répondrons.",
    awayKnown: "Notre équipe est absente pour le moment. Nous vous répondrons à {email}.",
    busy: "Toute notre équipe est occupée pour le moment. Laissez votre e-mail et nous vous répondrons, ou patientez ici.",
    busyKnown: "Toute notre équipe est occupée pour le moment. Patientez ici, ou nous vous répondrons à {email}.",
    leadThanks: "Merci ! Nous vous répondrons à {email}.",
    trouble: "J'ai du mal avec cette question, je la transmets à notre équipe.",
  },
  ar: {
    waitStaffed: "سيرد عليك أحد أعضاء فريقنا هنا، عادةً خلال {wait}.",
    away: "فريقنا غير متاح الآن. اترك بريدك الإلكتروني وسنعاود التواصل معك.",
    awayKnown: "فريقنا غير متاح الآن. سنتواصل معك على {email}.",
    busy: "جميع أعضاء فريقنا مشغولون حاليًا. اترك بريدك الإلكتروني وسنعاود التواصل معك، أو انتظر هنا.",
    busyKnown: "جميع أعضاء فريقنا مشغولون حاليًا. انتظر هنا، أو سنتواصل معك على {email}.",
    leadThanks: "شكرًا! سنتواصل معك على {email}.",
    trouble: "أواجه صعوبة في هذا السؤال، لذا سأحيله إلى فريقنا.",
  },
};

const language = (locale: string | undefined) => {
  const lang = (locale ?? "en").toLowerCase().split("-")[0] ?? "en";
  return NOTICES[lang] ? lang : "en";
};

/** "2 minutes", "2 heures", "دقيقتان": a wait in the visitor's language (ICU's plural rules). */
export function waitDuration(locale: string | undefined, seconds: number): string {
  const minutes = Math.max(1, Math.round(seconds / 60));
  const [value, unit] = minutes >= 120 ? [Math.round(minutes / 60), "hour"] : [minutes, "minute"];
  return new Intl.NumberFormat(language(locale), { style: "unit", unit, unitDisplay: "long" }).format(value);
}

export function notice(locale: string | undefined, key: NoticeKey, values: { waitSec?: number; email?: string } = {}): string {
  const lang = language(locale);
  // An address inside right-to-left text is isolated, so its dots and @ stay where they belong.
  const email = values.email ? (lang === "ar" ? `\u2068${values.email}\u2069` : values.email) : "";
  return (NOTICES[lang] as Record<NoticeKey, string>)[key]
    .replace("{wait}", waitDuration(lang, values.waitSec ?? 120))
    .replace("{email}", email);
}

/** A specialist's answer delivered as-is when the router cannot consolidate (e.g. out of budget). */
export function relayReplies(replies: { agentName: string; text: string }[]): string {
  if (replies.length === 1) return replies[0]?.text ?? "";
  return replies.map((r) => `**${r.agentName}:** ${r.text}`).join("\n\n");
}
