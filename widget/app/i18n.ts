/**
 * Every string the widget shows, one table per locale. The locale comes from the site's
 * config, or from the browser when the site says `auto`. Arabic is right-to-left.
 */
const en = {
  placeholder: "Type your message…",
  send: "Send",
  stop: "Stop",
  close: "Close chat",
  person: "Talk to a person",
  offline: "You're offline. Messages will be sent when the connection is back.",
  checking: "Checking with {name}…",
  thinking: "Thinking…",
  sources: "Sources",
  helpful: "Helpful",
  notHelpful: "Not helpful",
  waiting: "Waiting for a person to join…",
  human: "You're now chatting with {name}",
  humanAnon: "You're now chatting with our team",
  resolved: "This conversation was marked as resolved. Write again any time.",
  offlineMode: "Offline mode: answers come from our help center, not an AI model.",
  tooLong: "That message is too long. Please shorten it.",
  sending: "Sending…",
  you: "You",
  log: "Conversation",
  staffTyping: "{name} is typing…",
  leadPrompt: "Leave your email and we'll get back to you.",
  email: "Email",
  leadSend: "Send",
  leadInvalid: "Please enter a valid email address.",
  preChatPrompt: "Before we start: how can we reach you?",
  name: "Name",
};
export type Strings = typeof en;

const ar: Strings = {
  placeholder: "اكتب رسالتك…",
  send: "إرسال",
  stop: "إيقاف",
  close: "إغلاق المحادثة",
  person: "التحدث إلى شخص",
  offline: "أنت غير متصل. سيتم إرسال الرسائل عند عودة الاتصال.",
  checking: "جارٍ التحقق مع {name}…",
  thinking: "جارٍ التفكير…",
  sources: "المصادر",
  helpful: "مفيد",
  notHelpful: "غير مفيد",
  waiting: "في انتظار انضمام أحد أفراد الفريق…",
  human: "أنت الآن تتحدث مع {name}",
  humanAnon: "أنت الآن تتحدث مع فريقنا",
  resolved: "تم وضع علامة على هذه المحادثة كمحلولة. يمكنك الكتابة مجددًا في أي وقت.",
  offlineMode: "وضع عدم الاتصال: الإجابات من مركز المساعدة، وليست من نموذج ذكاء اصطناعي.",
  tooLong: "هذه الرسالة طويلة جدًا. يرجى اختصارها.",
  sending: "جارٍ الإرسال…",
  you: "أنت",
  log: "المحادثة",
  staffTyping: "{name} يكتب…",
  leadPrompt: "اترك بريدك الإلكتروني وسنعاود الاتصال بك.",
  email: "البريد الإلكتروني",
  leadSend: "إرسال",
  leadInvalid: "يرجى إدخال بريد إلكتروني صالح.",
  preChatPrompt: "قبل أن نبدأ: كيف يمكننا التواصل معك؟",
  name: "الاسم",
};

const fr: Strings = {
  placeholder: "Écrivez votre message…",
  send: "Envoyer",
  stop: "Arrêter",
  close: "Fermer la discussion",
  person: "Parler à une personne",
  offline: "Vous êtes hors ligne. Les messages partiront dès le retour de la connexion.",
  checking: "Vérification auprès de {name}…",
  thinking: "Réflexion…",
  sources: "Sources",
  helpful: "Utile",
  notHelpful: "Pas utile",
  waiting: "En attente d'une personne…",
  human: "Vous discutez maintenant avec {name}",
  humanAnon: "Vous discutez maintenant avec notre équipe",
  resolved: "Cette conversation est résolue. Écrivez-nous quand vous voulez.",
  offlineMode: "Mode hors ligne : les réponses viennent de notre centre d'aide, pas d'un modèle d'IA.",
  tooLong: "Ce message est trop long. Merci de le raccourcir.",
  sending: "Envoi…",
  you: "Vous",
  log: "Conversation",
  staffTyping: "{name} écrit…",
  leadPrompt: "Laissez votre e-mail et nous vous répondrons.",
  email: "E-mail",
  leadSend: "Envoyer",
  leadInvalid: "Merci de saisir une adresse e-mail valide.",
  preChatPrompt: "Avant de commencer : comment vous joindre ?",
  name: "Nom",
};

const TABLES: Record<string, Strings> = { en, ar, fr };
const RTL = new Set(["ar", "he", "fa", "ur"]);

export function pickLocale(configured: string, browser: readonly string[]): string {
  const wanted = configured && configured !== "auto" ? [configured] : browser;
  for (const tag of wanted) {
    const lang = tag.toLowerCase().split("-")[0] ?? "";
    if (TABLES[lang]) return lang;
  }
  return "en";
}

export function strings(locale: string): Strings {
  return TABLES[locale] ?? en;
}

export const isRtl = (locale: string) => RTL.has(locale);

export function format(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? "");
}
