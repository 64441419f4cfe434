/**
 * Word matching for the offline provider and the knowledge search query: lowercase words,
 * light stemmers and stop-word lists for the languages the offline provider speaks.
 * Deliberately small: it has to tell a billing question from a technical one and a passage
 * that answers from one that merely shares a word, not understand language.
 */
import { detectLanguage, type Lang } from "./language";

const STOP_WORDS: Partial<Record<Lang, string>> = {
  en: "a an and are as at be been but by can could did do does doing for from had has have how i i'm im if in into is it its me my no not of on or our please so that the their them then there these they this to too us was we were what when where which who why will with would you your yours hi hello hey thanks thank just get got any some about also",
  fr: "a à ai au aux avec avez avoir c ce ces cet cette comment d dans de des du elle en est et être fait faire il ils j je l la le les leur lui m ma mais me mes moi mon n ne nos notre nous on ou où par pas peut peux plus pour pourquoi qu quand que quel quelle quels qui s sa se ses si son sont sur t ta te tes toi ton tu un une vos votre vous y est-ce bonjour merci salut svp",
  es: "a al como cómo con cual cuál cuando cuándo de del donde dónde el ella en es esta está este esto estoy hay la las le les lo los me mi mis muy no nos o para pero por porque puedo puede qué que se si sí su sus te tengo ti tu tú un una uno unos y ya yo hola gracias favor",
  de: "ab alle als am an auch auf aus bei bin bis bitte da das dass dem den der des die dir du ein eine einem einen einer es für gibt hab habe haben hat ich ihr im in ist ja kann kein keine können man mein meine meinen meiner mich mir mit nach nicht noch nur oder sein sich sie sind so um und uns von vor was wenn wie wieso wo wir zu zum zur hallo danke",
  it: "a al alla come con cosa da del della di dove e è gli ho i il in la le lo mi mia mio nel non per perché posso può quando che chi si sono su ti un una ciao grazie",
  pt: "a ao as com como da das de do dos e é em eu isso meu minha na no nos o os ou para por porque posso pode quando que se seu sua um uma você olá obrigado obrigada",
  nl: "de het een en is ik je jij u mijn wat hoe waarom wanneer waar met voor van te op niet geen kan ik's hallo bedankt dank",
  ar: "في من على إلى الى عن مع هل ما ماذا كيف لماذا متى أين هذا هذه ذلك أنا انا أنت انت نحن هو هي يمكنني يمكن كان لا نعم أو او و مرحبا شكرا",
};
const STOP = Object.fromEntries(Object.entries(STOP_WORDS).map(([lang, words]) => [lang, new Set(words.split(" ").map(fold))])) as Partial<
  Record<Lang, Set<string>>
>;

/** Lowercase without accents: "Données" and "donnees" are one word to a visitor typing fast. */
export function fold(word: string): string {
  return word.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "").normalize("NFC");
}

/**
 * The words of a text, folded, in order. French and Italian elisions give the word after the
 * apostrophe ("l'application" → "application"); English contractions stay whole ("can't").
 */
export function tokens(text: string): string[] {
  const out: string[] = [];
  // "re-issued" is "reissued" (and so is a visitor's "reissue"), not "re" and "issued".
  const joined = text.replace(/\b(re|pre|co|e)-(?=\p{L})/giu, "$1");
  for (const raw of joined.normalize("NFKC").match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? []) {
    const word = fold(raw.replace(/’/g, "'"));
    const elided = word.match(/^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|dell|all|dall|nell|sull)'(.+)$/);
    out.push(elided ? (elided[1] as string) : word);
  }
  return out;
}

export function stopWords(lang: Lang): string[] {
  return [...(STOP[lang] ?? STOP.en ?? [])];
}

export function isStopWord(word: string, lang: Lang = "en"): boolean {
  return (STOP[lang] ?? STOP.en)?.has(word) ?? false;
}

/** A light stemmer: English by default, French, Spanish, German and Arabic when asked. */
export function stem(word: string, lang: Lang = "en"): string {
  switch (lang) {
    case "fr":
      return stemFrench(word);
    case "es":
    case "pt":
    case "it":
      return stemRomance(word);
    case "de":
    case "nl":
      return stemGerman(word);
    case "ar":
      return word.length > 4 ? word.replace(/^(?:وال|بال|فال|كال|ال|و)/u, "").replace(/(?:ات|ون|ين|ها|هم|ي|ة)$/u, "") : word;
    default:
      return stemEnglish(word);
  }
}

function stemEnglish(word: string): string {
  let w = word;
  if (w.length > 5 && w.endsWith("ing")) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith("ed")) w = w.slice(0, -2);
  else if (w.length > 4 && /(s|x|z|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss")) w = w.slice(0, -1);
  // "resetting" and "stopped" lose the doubled consonant with the ending: "reset", "stop".
  if (w !== word && /([bdgkmnprt])\1$/.test(w)) w = w.slice(0, -1);
  // "charge", "charged" and "charges" all become "charg".
  if (w.length > 3 && w.endsWith("e")) w = w.slice(0, -1);
  return w;
}

function stemFrench(word: string): string {
  let w = word;
  if (w.length > 4 && /[sx]$/.test(w)) w = w.slice(0, -1);
  for (const suffix of ["ations", "ation", "ement", "ments", "ment", "euses", "euse", "ées", "ée", "és", "ez", "er", "ir", "é", "e"]) {
    if (w.length - suffix.length >= 4 && w.endsWith(suffix)) return w.slice(0, -suffix.length);
  }
  return w;
}

function stemRomance(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith("es")) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith("s")) w = w.slice(0, -1);
  for (const suffix of ["aciones", "acion", "acao", "amente", "mente", "ar", "er", "ir", "ado", "ada", "ido", "ida", "o", "a", "e"]) {
    if (w.length - suffix.length >= 4 && w.endsWith(suffix)) return w.slice(0, -suffix.length);
  }
  return w;
}

function stemGerman(word: string): string {
  for (const suffix of ["ungen", "ung", "ieren", "en", "er", "es", "e", "n", "s"]) {
    if (word.length - suffix.length >= 4 && word.endsWith(suffix)) return word.slice(0, -suffix.length);
  }
  return word;
}

/**
 * Content words of a text, stemmed, without duplicates. English unless told otherwise;
 * `"auto"` detects the language of the text first.
 */
export function contentWords(text: string, lang: Lang | "auto" = "en"): string[] {
  const l = lang === "auto" ? detectLanguage(text) : lang;
  return [...new Set(tokens(text).filter((w) => w.length > 1 && !isStopWord(w, l)).map((w) => stem(w, l)))];
}

/**
 * How well a question matches a candidate: each keyword it contains counts 2, each word of
 * the description ½ (descriptions share words like "app" too easily to count more).
 * Multi-word keywords ("log in") match as phrases.
 */
export function matchScore(question: string, keywords: string[], description: string): number {
  const q = ` ${contentWords(question).join(" ")} `;
  let score = 0;
  for (const keyword of keywords) {
    const k = contentWords(keyword).join(" ");
    if (k && q.includes(` ${k} `)) score += 2;
  }
  const desc = new Set(contentWords(description));
  for (const word of new Set(q.trim().split(" "))) if (word && desc.has(word)) score += 0.5;
  return score;
}

/** Damerau–Levenshtein distance (adjacent swaps count one), stopping early past `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    let least = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((rows[i - 1] as number[])[j]! + 1, row[j - 1]! + 1, (rows[i - 1] as number[])[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (rows[i - 2] as number[])[j - 2]! + 1);
      row[j] = v;
      least = Math.min(least, v);
    }
    if (least > max) return least;
  }
  return (rows[a.length] as number[])[b.length] as number;
}
