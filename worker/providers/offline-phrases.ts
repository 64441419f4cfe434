/**
 * What the offline provider says in its own words, in the languages it speaks. Anything it
 * does not find here it says in English.
 */
import type { Lang } from "./language";

export type PhraseKey =
  | "greeting"
  | "thanks"
  | "goodbye"
  | "bot"
  | "notCovered"
  | "offerPerson"
  | "clarify"
  | "ambiguous"
  | "apology"
  | "according"
  | "englishOnly"
  | "partNotCovered"
  /** Said as the conversation goes to a person: the conversation's own notice says when (or asks for an email). */
  | "handoffDone"
  | "leadDone"
  | "seeAlso"
  | "noHelp";

type Table = Record<PhraseKey, string>;

const EN: Table = {
  greeting: "Hello! What can I help you with today?",
  thanks: "You're welcome! Is there anything else I can help with?",
  goodbye: "Goodbye, and thanks for stopping by!",
  bot: "I'm an automated assistant. Right now I run in offline mode: I answer from our help center, without an AI model. If you'd rather talk to a person from our team, just say so.",
  notCovered: "I'm sorry, our help center doesn't cover that, and I'd rather not guess.",
  offerPerson: "Would you like me to bring in a person from our team? Just say yes.",
  clarify: "Could you tell me a bit more about what you need? For example, what you were trying to do and what happened.",
  ambiguous: "Several of our help articles could fit that. Could you tell me a bit more about what you're trying to do?",
  apology: "I'm really sorry about this. I understand how frustrating it is.",
  according: "According to **{title}**:",
  englishOnly: "",
  partNotCovered: "Our help center doesn't cover this part of your question: “{part}”.",
  handoffDone: "I'm passing your conversation to our team.",
  leadDone: "Thanks, we've noted your details and will follow up by email.",
  seeAlso: "More in our help center: **{title}**.",
  noHelp: "I'm {name}, running in offline mode without a language model, and I can't answer that myself.",
};

const PHRASES: Partial<Record<Lang, Partial<Table>>> = {
  en: EN,
  fr: {
    greeting: "Bonjour ! Comment puis-je vous aider aujourd'hui ?",
    thanks: "Avec plaisir ! Puis-je vous aider pour autre chose ?",
    goodbye: "Au revoir, et merci de votre visite !",
    bot: "Je suis un assistant automatique. En ce moment je fonctionne hors ligne : je réponds à partir de notre centre d'aide, sans modèle d'IA. Si vous préférez parler à une personne de notre équipe, dites-le-moi.",
    notCovered: "Désolé, notre centre d'aide ne traite pas de cette question, et je préfère ne pas deviner.",
    offerPerson: "Voulez-vous que je fasse venir une personne de notre équipe ? Répondez simplement oui.",
    clarify: "Pouvez-vous m'en dire un peu plus ? Par exemple, ce que vous essayiez de faire et ce qui s'est passé.",
    ambiguous: "Plusieurs de nos articles pourraient correspondre. Pouvez-vous préciser ce que vous cherchez à faire ?",
    apology: "Je suis vraiment désolé. Je comprends que ce soit frustrant.",
    according: "D'après **{title}** :",
    englishOnly: "Notre centre d'aide n'existe qu'en anglais sur ce sujet : voici la réponse en anglais.",
    partNotCovered: "Notre centre d'aide ne traite pas cette partie de votre question : « {part} ».",
    handoffDone: "Je transmets votre conversation à notre équipe.",
    leadDone: "Merci, nous avons noté vos coordonnées et vous répondrons par e-mail.",
    seeAlso: "Plus d'informations dans notre centre d'aide : **{title}**.",
  },
  es: {
    greeting: "¡Hola! ¿En qué puedo ayudarte hoy?",
    thanks: "¡De nada! ¿Puedo ayudarte con algo más?",
    goodbye: "¡Adiós, y gracias por tu visita!",
    bot: "Soy un asistente automático. Ahora funciono sin conexión: respondo con nuestro centro de ayuda, sin un modelo de IA. Si prefieres hablar con una persona de nuestro equipo, dímelo.",
    notCovered: "Lo siento, nuestro centro de ayuda no trata ese tema y prefiero no adivinar.",
    offerPerson: "¿Quieres que llame a una persona de nuestro equipo? Responde sí.",
    clarify: "¿Puedes contarme un poco más? Por ejemplo, qué intentabas hacer y qué pasó.",
    ambiguous: "Varios artículos de ayuda podrían encajar. ¿Puedes contarme un poco más sobre lo que quieres hacer?",
    apology: "Lo siento mucho. Entiendo lo frustrante que es.",
    according: "Según **{title}**:",
    englishOnly: "Nuestro centro de ayuda está en inglés, así que esta es la respuesta en inglés.",
    partNotCovered: "Nuestro centro de ayuda no trata esta parte de tu pregunta: «{part}».",
    handoffDone: "Paso tu conversación a nuestro equipo.",
    leadDone: "Gracias, hemos anotado tus datos y te escribiremos por correo.",
    seeAlso: "Más en nuestro centro de ayuda: **{title}**.",
  },
  de: {
    greeting: "Hallo! Wobei kann ich Ihnen heute helfen?",
    thanks: "Gern geschehen! Kann ich Ihnen noch bei etwas anderem helfen?",
    goodbye: "Auf Wiedersehen, und danke für Ihren Besuch!",
    bot: "Ich bin ein automatischer Assistent. Gerade laufe ich im Offline-Modus: Ich antworte aus unserem Hilfe-Center, ohne KI-Modell. Wenn Sie lieber mit einer Person aus unserem Team sprechen möchten, sagen Sie es einfach.",
    notCovered: "Das tut mir leid, dazu steht nichts in unserem Hilfe-Center, und ich möchte nicht raten.",
    offerPerson: "Soll ich eine Person aus unserem Team dazuholen? Antworten Sie einfach mit ja.",
    clarify: "Können Sie mir etwas mehr erzählen? Zum Beispiel, was Sie tun wollten und was passiert ist.",
    ambiguous: "Mehrere unserer Hilfeartikel könnten passen. Können Sie genauer sagen, was Sie vorhaben?",
    apology: "Das tut mir wirklich leid. Ich verstehe, wie ärgerlich das ist.",
    according: "Laut **{title}**:",
    englishOnly: "Unser Hilfe-Center ist auf Englisch, deshalb hier die Antwort auf Englisch.",
    partNotCovered: "Zu diesem Teil Ihrer Frage steht nichts in unserem Hilfe-Center: „{part}“.",
    handoffDone: "Ich gebe Ihr Gespräch an unser Team weiter.",
    leadDone: "Danke, wir haben Ihre Angaben notiert und melden uns per E-Mail.",
    seeAlso: "Mehr in unserem Hilfe-Center: **{title}**.",
  },
  it: {
    greeting: "Ciao! Come posso aiutarti oggi?",
    thanks: "Prego! Posso aiutarti con qualcos'altro?",
    goodbye: "Arrivederci, e grazie della visita!",
    notCovered: "Mi dispiace, il nostro centro assistenza non tratta questo argomento e preferisco non tirare a indovinare.",
    offerPerson: "Vuoi che chiami una persona del nostro team? Rispondi sì.",
    clarify: "Puoi dirmi qualcosa in più? Per esempio, cosa stavi cercando di fare e cosa è successo.",
    apology: "Mi dispiace davvero. Capisco quanto sia frustrante.",
    according: "Secondo **{title}**:",
    englishOnly: "Il nostro centro assistenza è in inglese, quindi ecco la risposta in inglese.",
    handoffDone: "Passo la tua conversazione al nostro team.",
  },
  pt: {
    greeting: "Olá! Como posso ajudar hoje?",
    thanks: "De nada! Posso ajudar com mais alguma coisa?",
    goodbye: "Até logo, e obrigado pela visita!",
    notCovered: "Desculpe, a nossa central de ajuda não trata desse assunto e prefiro não adivinhar.",
    offerPerson: "Quer que eu chame uma pessoa da nossa equipe? Responda sim.",
    clarify: "Pode me contar um pouco mais? Por exemplo, o que estava tentando fazer e o que aconteceu.",
    apology: "Sinto muito mesmo. Entendo como isso é frustrante.",
    according: "Segundo **{title}**:",
    englishOnly: "A nossa central de ajuda está em inglês, então aqui está a resposta em inglês.",
    handoffDone: "Vou passar a sua conversa para a nossa equipe.",
  },
  nl: {
    greeting: "Hallo! Waarmee kan ik je vandaag helpen?",
    thanks: "Graag gedaan! Kan ik je nog ergens anders mee helpen?",
    goodbye: "Tot ziens, en bedankt voor je bezoek!",
    notCovered: "Sorry, ons helpcentrum behandelt dat niet, en ik gok liever niet.",
    offerPerson: "Zal ik iemand van ons team erbij halen? Antwoord gewoon ja.",
    clarify: "Kun je me iets meer vertellen? Bijvoorbeeld wat je probeerde te doen en wat er gebeurde.",
    apology: "Het spijt me echt. Ik begrijp hoe vervelend dit is.",
    according: "Volgens **{title}**:",
    englishOnly: "Ons helpcentrum is in het Engels, dus hier is het antwoord in het Engels.",
    handoffDone: "Ik geef je gesprek door aan ons team.",
  },
  ar: {
    greeting: "مرحبًا! كيف يمكنني مساعدتك اليوم؟",
    thanks: "على الرحب والسعة! هل هناك شيء آخر يمكنني مساعدتك به؟",
    goodbye: "إلى اللقاء، وشكرًا لزيارتك!",
    bot: "أنا مساعد آلي. أعمل الآن دون اتصال: أجيب من مركز المساعدة لدينا، دون نموذج ذكاء اصطناعي. إذا كنت تفضل التحدث إلى شخص من فريقنا، فأخبرني بذلك.",
    notCovered: "عذرًا، مركز المساعدة لدينا لا يتناول هذا الموضوع، وأفضّل ألا أخمّن.",
    offerPerson: "هل تريد أن أستدعي شخصًا من فريقنا؟ أجب بنعم.",
    clarify: "هل يمكنك أن تخبرني بالمزيد؟ مثلًا ما الذي كنت تحاول فعله وما الذي حدث.",
    apology: "أنا آسف حقًا. أتفهم مدى الإحباط الذي تشعر به.",
    according: "وفقًا لـ **{title}**:",
    englishOnly: "مركز المساعدة لدينا باللغة الإنجليزية، لذا إليك الإجابة بالإنجليزية.",
    handoffDone: "سأحيل محادثتك إلى فريقنا.",
  },
};

/** A phrase in `lang` (English when that language lacks it), with `{name}` placeholders filled. */
export function say(lang: Lang, key: PhraseKey, values: Record<string, string> = {}): string {
  const text = PHRASES[lang]?.[key] ?? EN[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? "");
}

/**
 * Is this a reply in which the offline provider declined (in any language)? A specialist's
 * "not covered", relayed to the router, is the router's abstention too.
 */
export function declined(text: string): "notCovered" | "ambiguous" | "clarify" | null {
  const start = text.trim();
  for (const key of ["notCovered", "ambiguous", "clarify"] as const) {
    if (Object.values(PHRASES).some((t) => !!t?.[key] && start.startsWith(t[key] as string))) return key;
  }
  return null;
}
