/**
 * A small language detector for the offline provider: which language a visitor wrote in and
 * which language a passage is in, so an answer comes in the visitor's language when the site
 * has content in it. Script first (Arabic, Cyrillic, Han, …), then, for Latin script, the
 * language whose common short words and greetings the text uses most. Short texts with no
 * telling word are taken as English, the language most help centers are written in.
 */
export type Lang = "en" | "fr" | "es" | "de" | "it" | "pt" | "nl" | "ar" | "he" | "ru" | "el" | "zh" | "ja" | "ko" | "hi" | "th";

const SCRIPTS: [Lang, RegExp][] = [
  ["ar", /[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]/gu],
  ["he", /[\u0590-\u05FF]/gu],
  ["ru", /[\u0400-\u04FF]/gu],
  ["el", /[\u0370-\u03FF]/gu],
  ["ja", /[\u3040-\u30FF]/gu],
  ["ko", /[\uAC00-\uD7AF\u1100-\u11FF]/gu],
  ["zh", /[\u4E00-\u9FFF]/gu],
  ["hi", /[\u0900-\u097F]/gu],
  ["th", /[\u0E00-\u0E7F]/gu],
];

/** Frequent words that are telling for one language (words shared with English left out). */
const MARKERS: Record<"en" | "fr" | "es" | "de" | "it" | "pt" | "nl", string> = {
  en: "the and is are was what how why when where which who can could would should do does did my your i you it this that with for of to in on have has not don't can't i'm it's there please thanks thank hello hi hey yes",
  fr: "le la les des du un une et est sont je j tu vous il elle nous mon ma mes ton ta tes votre vos notre nos ce cette ces qui que quoi comment pourquoi quand où avec pour dans sur pas ne plus au aux merci bonjour salut oui non est-ce c qu d l m n s t suis avez ai peux puis faire",
  es: "el la los las un una unos unas y es son yo tú usted mi mis tu tus su sus nuestro que qué cómo como por para con en del al no sí gracias hola puedo cuánto cuesta dónde cuándo está estoy tengo hay muy pero también buenos buenas",
  de: "der die das den dem des ein eine einen und ist sind ich du sie wir mein meine dein ihr unser wie was warum wann wo mit für von zu im auf nicht kein keine danke hallo ja nein kann können ich's gibt bitte habe haben guten tag",
  it: "il lo la gli le un una e è sono io tu lei noi mio mia miei tuo suo che perché quando dove con di da nel sul non sì grazie ciao buongiorno posso quanto costa",
  pt: "o a os as um uma e é são eu você meu minha meus seu sua que como porque quando onde com para de do da em no na não sim obrigado obrigada olá posso quanto custa",
  nl: "de het een en is zijn ik jij je wij mijn jouw uw wat hoe waarom wanneer waar met voor van te op niet geen dank bedankt hallo hoi ja nee kan kunnen",
};
const MARKER_SETS = Object.fromEntries(Object.entries(MARKERS).map(([lang, words]) => [lang, new Set(words.split(" "))])) as Record<
  keyof typeof MARKERS,
  Set<string>
>;

/** Letters that only some Latin-script languages use. */
const LETTERS: [Lang, RegExp][] = [
  ["es", /[ñ¿¡]/u],
  ["de", /[ßäöü]/u],
  ["fr", /[çœèêëàâîïûù]/u],
  ["pt", /[ãõ]/u],
];

export function detectLanguage(text: string): Lang {
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  if (letters === 0) return "en";
  for (const [lang, re] of SCRIPTS) {
    const n = text.match(re)?.length ?? 0;
    // Japanese mixes kana with Han characters; any kana makes it Japanese rather than Chinese.
    if (lang === "ja" ? n > 0 : n / letters > 0.3) return lang;
  }
  const words = text.toLowerCase().normalize("NFC").match(/[\p{L}]+(?:[-'’][\p{L}]+)*/gu) ?? [];
  const score: Record<string, number> = { en: 0.5 }; // a tie goes to English
  for (const raw of words) {
    // Elisions (l'application, j'ai, qu'est-ce) count their first part: "l", "j", "qu".
    const parts = raw.split(/['’]/);
    for (const word of [raw, ...(parts.length > 1 ? [parts[0] as string] : [])]) {
      for (const lang of Object.keys(MARKER_SETS) as (keyof typeof MARKERS)[]) {
        if (MARKER_SETS[lang].has(word)) score[lang] = (score[lang] ?? 0) + 1;
      }
    }
  }
  const lower = text.toLowerCase();
  for (const [lang, re] of LETTERS) if (re.test(lower)) score[lang] = (score[lang] ?? 0) + 1.5;
  let best: Lang = "en";
  for (const [lang, s] of Object.entries(score)) if (s > (score[best] ?? 0)) best = lang as Lang;
  return best;
}

