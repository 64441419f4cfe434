/**
 * What a visitor's message is, before it is a question: a request for a person, small talk
 * (a greeting, thanks, goodbye, "are you a bot?"), an angry message — and, once those words
 * are set aside, the question that is left (possibly several). Patterns in the languages the
 * offline provider speaks; anything else is a question.
 */
import type { Lang } from "./language";
import { terms } from "./lexicon";

/** `\b` for any script: JavaScript's own only knows ASCII letters, and "êtes" or "مرحبا" are words too. */
const W = String.raw`(?:(?<![\p{L}\p{N}])(?=[\p{L}\p{N}])|(?<=[\p{L}\p{N}])(?![\p{L}\p{N}]))`;
const unicodeWords = (re: RegExp) => new RegExp(re.source.replaceAll(String.raw`\b`, W), re.flags.includes("u") ? re.flags : `${re.flags}u`);

export type SmallTalk = "greeting" | "thanks" | "goodbye" | "bot";

export type Intent =
  | { kind: "handoff" }
  | { kind: "small-talk"; reply: SmallTalk }
  /** `text`: the question with greetings and angry words set aside ("" when nothing is left). */
  | { kind: "question"; text: string; angry: boolean };

const BOT_QUESTION = unicodeWords(
  /\b(?:(?:are|r) (?:you|u)|is this|am i (?:talking|chatting|speaking) (?:to|with)|who am i (?:talking|chatting|speaking) (?:to|with))\b[^?]{0,20}?\b(?:real (?:human|person|people)|(?:a |an )?(?:bot|robot|human being|human|person|ai|a\.i\.|machine|computer|automated (?:assistant|system)?|chatbot))\b(?: or (?:a |an )?(?:real )?(?:human|person|bot|robot|ai|machine)\b)?|\b(?:êtes[- ]vous|es[- ]tu|tu es|vous êtes) (?:un |une )?(?:robot|bot|humain|humaine|ia|vraie personne)\b|\b(?:eres|es usted) (?:un |una )?(?:bot|robot|humano|persona real|ia)\b|\b(?:bist du|sind sie) (?:ein |eine )?(?:bot|roboter|mensch|ki)\b/iu,
);

const HANDOFF_REQUEST = unicodeWords(new RegExp(
  [
    String.raw`\b(?:talk|speak|chat)(?:ing)? (?:to|with) (?:a |an |some |your |the )?(?:human|person|real person|real human|someone|somebody|agent|representative|operator|staff|support team|your team|team member|customer service|manager)\b`,
    String.raw`\b(?:want|need|get|give me|connect me (?:to|with)|transfer me to|put me through to) (?:a |an |to a |to an )?(?:human|real person|real human|live agent|agent|representative|operator|person)\b`,
    String.raw`\b(?:human|agent|person|representative|operator) (?:please|pls|plz|now)\b`,
    String.raw`\blive (?:agent|chat|person|support)\b`,
    String.raw`\bparler (?:à|a|avec) (?:un |une |quelqu'un|quelqu’un)(?:humain|personne|conseiller|conseillère|agent|vraie personne)?`,
    String.raw`\b(?:un|une) (?:humain|conseiller|conseillère|vraie personne)\b`,
    String.raw`\bhablar con (?:una persona|un humano|alguien|un agente|una persona real)\b`,
    String.raw`\bmit (?:einem|einer) (?:menschen|mitarbeiter|mitarbeiterin|person|berater)\b`,
    String.raw`\bparlare con (?:una persona|un operatore|qualcuno)\b`,
    String.raw`\bfalar com (?:uma pessoa|um atendente|alguém)\b`,
    String.raw`(?:التحدث|أتحدث|اتحدث) (?:مع|إلى) (?:شخص|موظف|إنسان)`,
  ].join("|"),
  "iu",
));

const YES = unicodeWords(/^(?:yes|yeah|yep|yup|sure|ok|okay|please|yes please|please do|go ahead|do it|oui|oui merci|oui s'il vous plaît|volontiers|sí|si|claro|vale|ja|ja bitte|gerne|bitte|sì|certo|sim|ja graag|graag|نعم)\b[\s!.,]*(?:please|merci|gracias|danke|thanks)?[\s!.]*$/iu);

/** Small-talk phrases by what they are; matched as whole words anywhere in the message. */
const SMALL_TALK: [SmallTalk | "ack", RegExp][] = ([
  ["thanks", /\b(?:thanks(?: a lot| so much| again)?|thank you(?: so much| very much| again)?|thx|ty|cheers|much appreciated|merci(?: beaucoup| bien)?|gracias|muchas gracias|danke(?: schön| sehr)?|vielen dank|grazie(?: mille)?|obrigad[oa]|bedankt|dank je(?: wel)?|شكرا(?: جزيلا)?)(?=$|[^\p{L}])/giu],
  ["goodbye", /\b(?:bye(?: bye)?|goodbye|good bye|see (?:you|ya)(?: later)?|have a (?:nice|good|great) (?:day|evening|weekend)|that'?s all|au revoir|à bientôt|bonne (?:journée|soirée)|adiós|adios|hasta luego|tschüss|tschüs|auf wiedersehen|arrivederci|tchau|doei|مع السلامة)(?=$|[^\p{L}])/giu],
  ["greeting", /(?:^|\b)(?:hi(?: there)?|hello(?: there)?|hey(?: there)?|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening)|bonjour|bonsoir|salut|coucou|hola|buen(?:os|as) (?:días|dias|tardes|noches)|hallo|guten (?:tag|morgen|abend)|moin|servus|ciao|buongiorno|olá|ola|oi|bom dia|hoi|goedemorgen|مرحبا|مرحبًا|السلام عليكم|أهلا|اهلا)(?=$|[^\p{L}])/giu],
  ["ack", /\b(?:ok(?:ay)?|cool|great|perfect|awesome|nice|got it|that helped|this helped|it helped|helpful|very helpful|it worked|works now|that works|all good|super|parfait|génial|d'accord|ça marche|vale|perfecto|genial|alles klar|prima|perfetto|ótimo|perfeito)(?=$|[^\p{L}])/giu],
] as [SmallTalk | "ack", RegExp][]).map(([kind, re]) => [kind, unicodeWords(re)]);

const ANGRY = unicodeWords(new RegExp(
  [
    String.raw`\b(?:ridiculous|unacceptable|terrible|horrible|awful|worst|useless|garbage|trash|crap|crappy|sucks?|scam|scams|scammers?|rip-?off|furious|angry|pissed(?: off)?|fed up|sick of|wtf|damn|hate|pathetic|incompetent|disgrace(?:ful)?|joke|shame on you|disgusting|bullshit|shit|fuck(?:ing)?)\b`,
    String.raw`\b(?:inadmissible|honteux|honteuse|nul(?:le)?|arnaque|inacceptable|ras le bol|j'en ai marre|n'importe quoi|scandaleux)\b`,
    String.raw`\b(?:vergüenza|inaceptable|estafa|harto|harta|pésimo|basura|ridículo)\b`,
    String.raw`\b(?:unverschämt|frechheit|betrug|inakzeptabel|mist|scheiße|scheisse|katastrophe)\b`,
  ].join("|"),
  "giu",
));

export function classify(text: string, lang: Lang, previousReply?: string): Intent {
  const message = text.trim();
  if (previousReply && offeredPerson(previousReply) && YES.test(message)) return { kind: "handoff" };
  if (HANDOFF_REQUEST.test(message) && !BOT_QUESTION.test(message)) return { kind: "handoff" };

  let rest = message.replace(ANGRY, " ");
  const angryWords = rest !== message;
  const found = new Set<SmallTalk | "ack">();
  if (BOT_QUESTION.test(rest)) {
    found.add("bot");
    rest = rest.replace(BOT_QUESTION, " ");
  }
  for (const [kind, re] of SMALL_TALK) {
    rest = rest.replace(re, () => {
      found.add(kind);
      return " ";
    });
  }
  rest = rest.replace(/\s+/g, " ").replace(/^[\s,.;:!?-]+/, "").trim();
  // Exclamation marks and capitals are anger only when they are not joy ("Thanks!!!").
  const angry = angryWords || (found.size === 0 && shouting(message));
  if (terms(rest, lang).length > 0) return { kind: "question", text: rest, angry };
  if (angry) return { kind: "question", text: "", angry };
  if (found.has("bot")) return { kind: "small-talk", reply: "bot" };
  if (found.has("goodbye")) return { kind: "small-talk", reply: "goodbye" };
  if (found.has("thanks") || found.has("ack")) return { kind: "small-talk", reply: "thanks" };
  if (found.has("greeting")) return { kind: "small-talk", reply: "greeting" };
  return { kind: "question", text: rest, angry };
}

/** A run of exclamation marks, or several words in capitals. */
function shouting(text: string): boolean {
  return /!{3,}/.test(text) || (text.match(/\b[A-Z]{4,}\b/g) ?? []).length >= 2;
}

/** Did our last reply offer to bring in a person? (then "yes" is a request for one) */
function offeredPerson(reply: string): boolean {
  return /bring in a person|fasse venir une personne|llame a una persona|Person aus unserem Team dazuholen|chiami una persona|chame uma pessoa|iemand van ons team erbij|أستدعي شخصًا/u.test(reply);
}

/**
 * The separate questions in a message: its sentences, and clauses joined by "and also",
 * ", and how …" and the like. A message that is one question comes back whole.
 */
export function splitParts(text: string): string[] {
  const sentences = text
    .split(/(?<=[?!.;])\s+|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const joiner = unicodeWords(
    /\s*(?:,\s*|\s)(?:and also|and|also|plus|but also|et aussi|et|y también|y|und auch|und)\s+(?=(?:how|can|could|what|where|when|why|is|are|do|does|will|would|should|i|my|the|your|comment|est-ce|puis-je|je|mon|ma|mes|cómo|como|puedo|mi|wie|kann|ich|mein|meine)\b)/iu,
  );
  return sentences
    .flatMap((s) => s.split(joiner))
    .map((s) => s.replace(/^(?:and|also|plus|et|y|und)\s+/i, "").trim())
    .filter(Boolean);
}

/** A part that asks something (rather than giving context). */
export function isQuestion(part: string): boolean {
  return /\?\s*$/.test(part) || QUESTION_START.test(part);
}

const QUESTION_START = unicodeWords(/^(?:how|can|could|what|where|when|why|is|are|do|does|will|would|should|which|comment|est-ce|puis-je|pourquoi|où|quand|cómo|como|puedo|dónde|cuándo|por qué|wie|kann|wo|wann|warum)\b/iu);
