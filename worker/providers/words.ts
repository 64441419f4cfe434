/**
 * Word matching for the offline provider and the knowledge search query: lowercase words,
 * a light English stemmer and a stop-word list. Deliberately small: it only has to tell a
 * billing question from a technical one, not understand language.
 */
const STOP = new Set(
  "a an and are as at be been but by can could did do does doing for from had has have how i i'm im if in into is it its me my no not of on or our please so that the their them then there these they this to too us was we were what when where which who why will with would you your yours hi hello hey thanks thank just get got any some about also".split(
    " ",
  ),
);

export function stem(word: string): string {
  let w = word;
  if (w.length > 5 && w.endsWith("ing")) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith("ed")) w = w.slice(0, -2);
  else if (w.length > 4 && /(s|x|z|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss")) w = w.slice(0, -1);
  // "charge", "charged" and "charges" all become "charg".
  if (w.length > 3 && w.endsWith("e")) w = w.slice(0, -1);
  return w;
}

/** Content words of a text, stemmed, without duplicates. */
export function contentWords(text: string): string[] {
  const words = text.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];
  return [...new Set(words.filter((w) => !STOP.has(w) && w.length > 1).map(stem))];
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
