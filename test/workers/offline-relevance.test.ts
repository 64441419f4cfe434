/**
 * The offline provider's judgement, inside workerd against real D1: the language detector,
 * what a message is before it is a question, and the relevance test — which must hold on a
 * site of three articles and on one of sixty, where BM25 scores mean different things.
 */
import { env } from "cloudflare:workers";
import type { Env } from "../../worker/env";
import { describe, expect, it } from "vitest";
import { knowledgeProbe } from "../../worker/knowledge/search";
import { ingestDocument } from "../../worker/knowledge/store";
import { classify, splitParts } from "../../worker/providers/intent";
import { detectLanguage } from "../../worker/providers/language";
import { judge, weighTerms } from "../../worker/providers/relevance";
import { contentWords, matchScore, stem } from "../../worker/providers/words";

const db = (env as unknown as { DB: D1Database }).DB;
const searchEnv = env as unknown as Env;

describe("language", () => {
  it("tells languages apart by script and common words", () => {
    expect(detectLanguage("How do I export my notes?")).toBe("en");
    expect(detectLanguage("Comment exporter mes notes ?")).toBe("fr");
    expect(detectLanguage("¿Cuánto cuesta el plan Pro?")).toBe("es");
    expect(detectLanguage("Wie kann ich meine Notizen exportieren?")).toBe("de");
    expect(detectLanguage("مرحبا، كيف يمكنني تصدير ملاحظاتي؟")).toBe("ar");
    expect(detectLanguage("Bonjour !")).toBe("fr");
    expect(detectLanguage("pricing?")).toBe("en");
  });
});

describe("what a message is", () => {
  it("small talk, requests for a person, and questions with greetings or anger set aside", () => {
    expect(classify("Hi there!", "en")).toEqual({ kind: "small-talk", reply: "greeting" });
    expect(classify("thanks, that helped!", "en")).toEqual({ kind: "small-talk", reply: "thanks" });
    expect(classify("ok bye", "en")).toEqual({ kind: "small-talk", reply: "goodbye" });
    expect(classify("are you a bot?", "en")).toEqual({ kind: "small-talk", reply: "bot" });
    expect(classify("is this a real human?", "en")).toEqual({ kind: "small-talk", reply: "bot" });
    expect(classify("merci beaucoup", "fr")).toEqual({ kind: "small-talk", reply: "thanks" });
    expect(classify("can I talk to a real person?", "en")).toEqual({ kind: "handoff" });
    expect(classify("je voudrais parler à un conseiller", "fr")).toEqual({ kind: "handoff" });
    // "yes" is a request for a person only when our last reply offered one.
    expect(classify("yes please", "en", "Would you like me to bring in a person from our team? Just say yes.")).toEqual({ kind: "handoff" });
    expect(classify("yes please", "en", "According to **Plans and pricing**: …").kind).not.toBe("handoff");
    expect(classify("Hi, how do I export my notes?", "en")).toEqual({ kind: "question", text: "how do I export my notes?", angry: false });
    const angry = classify("you charged me twice you scammers, I want my money back NOW", "en");
    expect(angry).toMatchObject({ kind: "question", angry: true });
    expect(angry.kind === "question" && angry.text).not.toMatch(/scammers/);
    expect(classify("Thanks!!!", "en")).toEqual({ kind: "small-talk", reply: "thanks" });
  });

  it("splits a message that asks several things", () => {
    expect(splitParts("How do I export my notes, and how much does Pro cost?")).toEqual(["How do I export my notes", "how much does Pro cost?"]);
    expect(splitParts("Can I use it offline? And is my data encrypted?")).toEqual(["Can I use it offline?", "is my data encrypted?"]);
    expect(splitParts("Can I export my notes and tags?")).toEqual(["Can I export my notes and tags?"]);
  });

  it("keeps the word helpers the knowledge search and routing use", () => {
    expect(stem("charged")).toBe(stem("charges"));
    expect(contentWords("How do I get a refund?")).toEqual(["refund"]);
    expect(matchScore("the app crashes when I log in", ["crash", "log in"], "Technical specialist")).toBe(4);
  });
});

const ARTICLES = [
  { source: "refunds", title: "Refunds", text: "Yearly plans are refunded in full within 14 days of purchase. Duplicate charges are refunded to the original card within 5 to 10 business days." },
  { source: "export", title: "Exporting your data", text: "Open Settings, then Account, then Export. Choose Markdown, HTML or PDF. Large exports are emailed to you as a download link." },
  { source: "login", title: "Login problems", text: "Reset your password with Forgot password on the sign-in screen. The reset link is valid for one hour." },
];

/** Filler articles on other topics, so the bigger site's word statistics differ. */
function filler(i: number) {
  const topics = ["shipping", "gift cards", "store hours", "warranty", "recycling", "careers", "press", "events", "printing", "accessibility"];
  const topic = topics[i % topics.length] as string;
  return {
    source: `filler-${i}`,
    title: `About ${topic} (${i})`,
    text: `This article is about ${topic}. Our team updates the ${topic} page every month; the app and the website show the same ${topic} information. Article number ${i}.`,
  };
}

async function site(orgId: string, extra: number) {
  for (const a of [...ARTICLES, ...Array.from({ length: extra }, (_, i) => filler(i))]) {
    await ingestDocument(db, { orgId, collectionId: "kb", ...a });
  }
  const probe = knowledgeProbe(searchEnv, orgId);
  return async (question: string) => {
    const lang = detectLanguage(question);
    const passages = await probe.search(["kb"], question, 8);
    return judge(await weighTerms(question, lang, probe), passages, lang);
  };
}

describe("relevance test", () => {
  it("answers and declines the same questions on a site of 3 articles and one of 60", async () => {
    const small = await site("rel-small", 0);
    const large = await site("rel-large", 57);
    for (const ask of [small, large]) {
      expect((await ask("how long does a refund take to reach my card?")).best?.passage.title).toBe("Refunds");
      expect((await ask("can I export to PDF?")).best?.passage.title).toBe("Exporting your data");
      expect((await ask("my password reset link")).best?.passage.title).toBe("Login problems");
      // Shares words with an article ("account", "delete"… "refund"), but no article answers it.
      expect((await ask("how do I delete my account?")).best).toBeNull();
      expect((await ask("are you GDPR compliant?")).best).toBeNull();
      expect((await ask("can I get a refund in bitcoin?")).best).toBeNull();
    }
  });

  it("gives the part of the article that answers, not all of it", async () => {
    await ingestDocument(db, {
      orgId: "rel-part",
      collectionId: "kb",
      source: "long",
      title: "Account settings",
      text: "# Account settings\n\nChange your display name under Profile.\n\nTwo-factor authentication is under Security; use an authenticator app or a security key.\n\nDelete old devices under Devices.",
    });
    const probe = knowledgeProbe(searchEnv, "rel-part");
    const q = "is there two-factor authentication?";
    const verdict = judge(await weighTerms(q, "en", probe), await probe.search(["kb"], q, 8), "en");
    expect(verdict.best?.excerpt).toBe("Two-factor authentication is under Security; use an authenticator app or a security key.");
  });
});
