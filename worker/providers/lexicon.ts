/**
 * Light synonyms for the offline provider: the vocabulary of a software help center grouped
 * into concepts, in the languages the offline provider speaks. "cost", "price", "prix" and
 * "cuánto cuesta" are one concept, so a question and a passage that say the same thing in
 * other words (or another language) still meet, and a search can be widened with the
 * English words of what was asked. Generic support vocabulary only: nothing here names one
 * site's product.
 *
 * Also here: filler words (what visitors write around a question: "I was wondering if…"),
 * which carry no topic and must not count for or against a passage.
 */
import type { Lang } from "./language";
import { editDistance, fold, isStopWord, stem, stopWords, tokens } from "./words";

/** concept → "lang: form, form, … | lang: …"; a form may be a phrase. English first. */
const CONCEPTS: Record<string, string> = {
  price:
    "en: price, prices, pricing, priced, cost, costs, fee, fees, expensive, cheap, cheaper, how much is, how much does, how much do, how much for, how much are | fr: prix, tarif, tarifs, tarification, coût, coûte, coûtent, combien coûte, cher | es: precio, precios, cuesta, cuestan, cuánto cuesta, cuánto vale, costo, coste, tarifa | de: preis, preise, kostet, kosten, wie viel kostet, teuer | it: prezzo, prezzi, costa, costo, quanto costa | pt: preço, preços, custa, custo, quanto custa | ar: سعر, أسعار, تكلفة, ثمن",
  plan: "en: plan, plans, tier, tiers, edition | fr: formule, formules, offre, forfait | es: plan, planes | de: tarif, tarife, plan | it: piano, piani | pt: plano, planos | ar: خطة, باقة",
  subscription: "en: subscription, subscriptions, subscribe, subscribed, membership | fr: abonnement, abonné, abonnée | es: suscripción, suscribirse, suscrito | de: abonnement, abo | it: abbonamento | pt: assinatura | ar: اشتراك",
  cancel: "en: cancel, cancels, cancelled, canceled, cancelling, canceling, cancellation, unsubscribe, stop paying | fr: annuler, annulation, résilier, résiliation | es: cancelar, cancelación, darme de baja, dar de baja | de: kündigen, kündigung, stornieren | it: annullare, disdire, disdetta | pt: cancelar, cancelamento | ar: إلغاء, الغاء",
  refund: "en: refund, refunds, refunded, refunding, money back, reimburse, reimbursed, reimbursement | fr: remboursement, rembourser, remboursé, remboursée | es: reembolso, reembolsar, devolución, devolver el dinero | de: rückerstattung, erstattung, erstatten, geld zurück | it: rimborso, rimborsare | pt: reembolso, reembolsar | ar: استرداد, استرجاع",
  invoice: "en: invoice, invoices, receipt, receipts | fr: facture, factures, reçu | es: factura, facturas, recibo | de: rechnung, rechnungen, quittung, beleg | it: fattura, ricevuta | pt: fatura, recibo | ar: فاتورة, فواتير, إيصال",
  billing: "en: billing, billed, bill, bills | fr: facturation, facturé | es: facturación, facturado | de: abrechnung | it: fatturazione | pt: faturamento, cobrança | ar: الفوترة",
  charge: "en: charge, charges, charged, debited, debit | fr: débité, débitée, débit, prélevé, prélèvement, prélèvements | es: cobro, cobros, cobrado, cobraron, cargo, cargos | de: abgebucht, belastet, abbuchung | it: addebito, addebitato | pt: cobrado, cobrança | ar: خصم",
  duplicate: "en: twice, double, doubled, duplicate, duplicates, duplicated, two times | fr: deux fois, doublon, doublons, double | es: dos veces, duplicado, doble | de: zweimal, doppelt | it: due volte, doppio | pt: duas vezes, duplicado | ar: مرتين",
  payment: "en: payment, payments, pay, paid, paying, money | fr: paiement, paiements, payer, payé | es: pago, pagos, pagar, pagado | de: zahlung, zahlungen, zahlen, bezahlen, bezahlt | it: pagamento, pagare | pt: pagamento, pagar | ar: دفع, الدفع",
  card: "en: card, cards, credit card, debit card, visa, mastercard | fr: carte, carte bancaire | es: tarjeta, tarjetas | de: karte, kreditkarte | it: carta | pt: cartão | ar: بطاقة",
  account: "en: account, accounts, profile | fr: compte, comptes, profil | es: cuenta, cuentas, perfil | de: konto, konten, profil | it: account, profilo | pt: conta, perfil | ar: حساب, حسابي",
  delete: "en: delete, deletes, deleted, deleting, deletion, remove, removed, erase, erased, get rid of | fr: supprimer, supprimé, supprimée, suppression, effacer | es: eliminar, eliminado, borrar, borrado | de: löschen, gelöscht, entfernen | it: eliminare, cancellare | pt: excluir, apagar | ar: حذف",
  export: "en: export, exports, exported, exporting, backup, back up | fr: exporter, exportation, export, sauvegarde | es: exportar, exportación | de: exportieren, export | it: esportare, esportazione | pt: exportar, exportação | ar: تصدير",
  import: "en: import, imports, imported, importing, migrate, migrating, migration | fr: importer, importation, import | es: importar, importación | de: importieren, import | it: importare | pt: importar, importação | ar: استيراد",
  note: "en: note, notes | fr: note, notes | es: nota, notas | de: notiz, notizen | it: nota, note | pt: nota, notas | ar: ملاحظة, ملاحظات, ملاحظاتي",
  notebook: "en: notebook, notebooks | fr: carnet, carnets | es: cuaderno, cuadernos, libreta | de: notizbuch, notizbücher | it: quaderno | pt: caderno | ar: دفتر",
  share: "en: share, shares, shared, sharing, collaborate, collaborating, collaboration, invite, invited, together | fr: partager, partage, partagé, collaborer, inviter | es: compartir, compartido, colaborar, invitar | de: teilen, geteilt, freigeben, zusammenarbeiten, einladen | it: condividere | pt: compartilhar, partilhar | ar: مشاركة",
  edit: "en: edit, edits, edited, editing, modify, =changes | fr: modifier, éditer | es: editar, modificar | de: bearbeiten | it: modificare | pt: editar",
  security:
    "en: security, secure, safe, safety, encrypt, encrypted, encryption, privacy, private, protect, protected | fr: sécurité, sécurisé, sécurisées, chiffrement, chiffré, chiffrées, chiffrés, crypté, cryptées, confidentialité | es: seguridad, seguro, seguros, cifrado, cifrados, cifrar, encriptado, privacidad | de: sicherheit, sicher, verschlüsselt, verschlüsselung, datenschutz | it: sicurezza, crittografia, privacy | pt: segurança, criptografia, privacidade | ar: أمان, تشفير, خصوصية",
  data: "en: data, information, info | fr: données, informations | es: datos, información | de: daten, informationen | it: dati | pt: dados | ar: بيانات",
  login:
    "en: login, logins, log in, logging in, logged in, sign in, signing in, signed in, sign-in, signin, log on, get in, get into, access my account, password, passwords, passcode | fr: connexion, connecter, se connecter, identifier, identifiant, mot de passe, mots de passe, mdp | es: iniciar sesión, inicio de sesión, acceder, entrar, contraseña, clave | de: anmelden, anmeldung, einloggen, login, passwort, kennwort | it: accesso, accedere | pt: entrar, login, acessar, senha | ar: تسجيل الدخول, كلمة المرور, كلمة السر",
  forgot: "en: forgot, forgotten, forget, reset, recover, recovery, lost access | fr: oublié, oubliée, oublier, réinitialiser, réinitialisation, récupérer | es: olvidé, olvidado, olvidar, restablecer, recuperar | de: vergessen, zurücksetzen, wiederherstellen | it: dimenticato, reimpostare, recuperare | pt: esqueci, esquecido, redefinir, recuperar | ar: نسيت",
  crash:
    "en: crash, crashes, crashed, crashing, freeze, freezes, freezing, frozen, hang, hangs, closes itself, quits, won't start, wont start, doesn't start, won't open, wont open, doesn't open, does not start, not starting, not opening, keeps closing, doesnt start, doesnt open, cant open, can't open, won't load, wont load, won't launch, wont launch, doesn't launch, not launching | fr: plante, plantage, planter, crash, se ferme, ne démarre pas, ne s'ouvre pas, bloqué, figé | es: se cierra, se bloquea, se cuelga, no abre, no arranca, no inicia | de: abstürzen, absturz, stürzt ab, abgestürzt, hängt, friert ein, startet nicht, öffnet nicht | it: si blocca, crash, non si avvia | pt: trava, fecha sozinho, não abre | ar: يتعطل, تعطل",
  sync: "en: sync, syncs, synced, syncing, synchronize, synchronise, synchronization, synchronisation, not showing up, not show up, doesn't show up, don't show up, not showing, doesn't appear, don't appear, not appearing | fr: synchroniser, synchronisation, synchro, synchronisé, synchronisées | es: sincronizar, sincronización, sincroniza | de: synchronisieren, synchronisierung, sync | it: sincronizzare, sincronizzazione | pt: sincronizar, sincronização | ar: مزامنة",
  device:
    "en: device, devices, platform, platforms, operating system, phone, phones, iphone, android, ipad, tablet, mobile, computer, laptop, desktop, pc, mac, macbook, windows, ios | fr: appareil, appareils, téléphone, portable, mobile, ordinateur, tablette | es: dispositivo, dispositivos, teléfono, móvil, celular, ordenador, computadora, portátil | de: gerät, geräte, handy, telefon, smartphone, computer, laptop | it: dispositivo, telefono, cellulare, computer | pt: dispositivo, telefone, celular, computador | ar: جهاز, هاتف",
  offline: "en: offline, without internet, no internet, without an internet connection, without a connection, no connection, no signal, on a plane, without wifi, no wifi, without wi-fi, no wi-fi, without network, no network | fr: hors ligne, hors-ligne, sans connexion, sans internet | es: sin conexión, sin internet, fuera de línea | de: offline, ohne internet, ohne verbindung | it: offline, senza connessione | pt: offline, sem internet, sem conexão | ar: بدون إنترنت",
  attachment: "en: attachment, attachments, attach, attached, file, files, upload, uploads, uploaded | fr: pièce jointe, pièces jointes, fichier, fichiers | es: adjunto, adjuntos, archivo, archivos | de: anhang, anhänge, datei, dateien | it: allegato, allegati, file | pt: anexo, anexos, arquivo | ar: مرفق, ملف",
  limit: "en: limit, limits, maximum, max, quota, up to | fr: limite, limites, taille, maximum | es: límite, límites, tamaño, máximo | de: limit, grenze, größe, maximal | it: limite, dimensione | pt: limite, tamanho | ar: حد, حجم",
  fail: "en: fail, fails, failed, failing, failure, declined, rejected, bounced, didn't go through, did not go through | fr: échoue, échoué, échec, refusé, refusée | es: falla, falló, fallido, rechazado, rechazada | de: fehlgeschlagen, abgelehnt, scheitert | it: fallito, rifiutato | pt: falhou, recusado",
  region: "en: eu, europe, european, european union | fr: ue, europe, européen, européenne | es: ue, europa, europeo, europea | de: eu, europa, europäisch | it: ue, europa, europeo | pt: ue, europa, europeu",
  size: "en: size, sizes, big, large, mb, gb, kb, megabytes, gigabytes, storage, space | fr: taille, mo, go, stockage, espace | es: tamaño, almacenamiento, espacio | de: größe, speicher, speicherplatz | it: dimensione, spazio | pt: tamanho, armazenamento, espaço",
  member: "en: member, members, user, users, seat, seats, per person | fr: membre, membres, utilisateur, utilisateurs | es: miembro, miembros, usuario, usuarios | de: mitglied, mitglieder, nutzer, benutzer | it: membro, utente, utenti | pt: membro, usuário, usuários",
  discount: "en: discount, discounts, coupon, promo, promo code, off, pay less, cheaper price | fr: réduction, remise, promo, code promo | es: descuento, descuentos, cupón | de: rabatt, gutschein, ermäßigung | it: sconto | pt: desconto | ar: خصم",
  student: "en: student, students, teacher, teachers, school, education, educational, university, academic | fr: étudiant, étudiante, étudiants, enseignant, école, université | es: estudiante, estudiantes, profesor, escuela, universidad | de: student, studenten, studierende, lehrer, schule, universität | it: studente, studenti, scuola | pt: estudante, escola | ar: طالب, طلاب",
  team: "en: team, teams, company, organisation, organization, business, colleague, colleagues, coworker, coworkers, workspace | fr: équipe, équipes, entreprise, société, collègue, collègues | es: equipo, empresa, compañero, compañeros | de: team, firma, unternehmen, kollege, kollegen | it: team, azienda, colleghi | pt: equipe, empresa, colegas | ar: فريق, شركة",
  support: "en: support, customer service, customer support, helpdesk, help desk, contact, contacting, reach you, get in touch | fr: support, assistance, service client, contacter, joindre | es: soporte, asistencia, atención al cliente, contactar | de: support, kundendienst, kundenservice, kontakt, kontaktieren | it: assistenza, supporto, contattare | pt: suporte, atendimento, contato | ar: دعم, الدعم",
  hours:
    "en: hours, opening hours, business hours, weekend, weekends, what time, monday, tuesday, wednesday, thursday, friday, saturday, sunday, weekday, weekdays, holiday, holidays | fr: horaires, heures, ouvert, week-end, lundi, mardi, mercredi, jeudi, vendredi, samedi, dimanche, jour férié | es: horario, horarios, abierto, fin de semana, lunes, martes, miércoles, jueves, viernes, sábado, domingo, festivo | de: öffnungszeiten, uhrzeit, geöffnet, wochenende, montag, dienstag, mittwoch, donnerstag, freitag, samstag, sonntag, feiertag | it: orari, aperto | pt: horário, aberto | ar: ساعات",
  upgrade: "en: upgrade, upgrades, upgraded, upgrading, downgrade, downgrades, downgrading, switch plan, change plan | fr: passer à, changer de formule, mettre à niveau, rétrograder | es: mejorar, cambiar de plan, actualizar el plan | de: upgraden, upgrade, downgrade, wechseln | it: passare a | pt: mudar de plano",
  enable: "en: enable, enabled, turn on, turned on, switch on, activate, activated, set up | fr: activer, activé, activée | es: activar, activado | de: aktivieren, einschalten | it: attivare | pt: ativar",
  disable: "en: disable, disabled, turn off, turned off, switch off, switched off, deactivate | fr: désactiver, désactivé | es: desactivar | de: deaktivieren, ausschalten | it: disattivare | pt: desativar",
  free: "en: free, for free, no charge | fr: gratuit, gratuite, gratuitement, essai | es: gratis, gratuito, gratuita, prueba | de: kostenlos, gratis, testversion | it: gratis, gratuito | pt: grátis, gratuito | ar: مجاني, مجانا",
  history: "en: history, version, versions, revision, revisions, previous version | fr: historique, version, versions | es: historial, versión, versiones | de: verlauf, version, versionen | it: cronologia, versione | pt: histórico, versão | ar: سجل",
  search: "en: search, searches, searching, searchable | fr: recherche, rechercher, chercher | es: buscar, búsqueda | de: suche, suchen | it: cercare, ricerca | pt: pesquisar, busca | ar: بحث",
  tag: "en: tag, tags, tagging, label, labels | fr: étiquette, étiquettes, tag, tags | es: etiqueta, etiquetas | de: schlagwort, schlagwörter, tag, tags | it: etichetta | pt: etiqueta | ar: وسم",
  twofactor: "en: two-factor, two factor, 2fa, mfa, authenticator, two-step, 2-step, verification code, security key, recovery code, recovery codes | fr: double authentification, authentification à deux facteurs, a2f, code de vérification | es: autenticación en dos pasos, doble factor, 2fa | de: zwei-faktor, zwei faktor, 2fa | it: autenticazione a due fattori | pt: autenticação de dois fatores | ar: المصادقة الثنائية",
  update: "en: update, updates, updated, updating, latest version, new version | fr: mise à jour, mettre à jour, mises à jour | es: actualizar, actualización | de: aktualisieren, aktualisierung, update | it: aggiornare, aggiornamento | pt: atualizar, atualização | ar: تحديث",
  install: "en: install, installed, installing, installation, download the app, setup | fr: installer, installation | es: instalar, instalación | de: installieren, installation | it: installare | pt: instalar | ar: تثبيت",
  app: "en: app, apps, application, software, program | fr: application, appli, logiciel | es: aplicación, app | de: app, anwendung, programm | it: applicazione, app | pt: aplicativo, app | ar: تطبيق",
  email: "en: email, e-mail, mail, email address | fr: courriel, e-mail, email, adresse e-mail, mail | es: correo, correo electrónico, email | de: e-mail, email, mail | it: email | pt: email, e-mail | ar: بريد, البريد الإلكتروني",
  tax: "en: vat, tax, taxes, sales tax | fr: tva, taxe, taxes | es: iva, impuesto, impuestos | de: mwst, mehrwertsteuer, ust, steuer, steuern | it: iva, tasse | pt: iva, imposto | ar: ضريبة",
  year: "en: year, years, yearly, annual, annually | fr: an, ans, année, années, annuel, annuelle | es: año, años, anual | de: jahr, jahre, jährlich | it: anno, annuale | pt: ano, anual | ar: سنة, سنوي",
  month: "en: month, months, monthly | fr: mois, mensuel, mensuelle | es: mes, meses, mensual | de: monat, monate, monatlich | it: mese, mensile | pt: mês, mensal | ar: شهر, شهري",
  markdown: "en: markdown, md | fr: markdown | es: markdown | de: markdown",
  pdf: "en: pdf, pdfs | fr: pdf | es: pdf | de: pdf",
};

/**
 * Common words that can be in any article and say little about which one: they count for a
 * fraction of their weight ("How long does a refund take?" is about refunds, not "long").
 */
const GENERIC: Partial<Record<Lang, string>> = {
  en: "long short week weeks day days daily time times mid full half same while two three four five ten past next last other another different whole entire old big small early late soon fast quick quickly easy hard simple better part end way type place point case number each both either after before during until again back away instead outside within lose losing lost happen become come came put set leave stay move moved moving access ago left top bottom front side today tomorrow yesterday above below startup launch launching rest available availability less more",
  fr: "deux trois même autre autres nouveau nouvelle jour jours semaine après avant pendant perdre perdu accès changer passer mettre venir aller rester hier demain",
  es: "dos tres mismo misma otra otro nuevo nueva día días semana después antes durante perder perdí acceso cambiar poner venir quedar ayer mañana",
  de: "zwei drei gleich gleiche andere anderen neu neue tag tage woche nach vor während verlieren verloren zugriff ändern kommen bleiben gestern morgen",
};
const GENERIC_SETS = Object.fromEntries(Object.entries(GENERIC).map(([lang, words]) => [lang, new Set(words.split(" ").map(fold))])) as Partial<
  Record<Lang, Set<string>>
>;

export function isGeneric(word: string, lang: Lang): boolean {
  return (GENERIC_SETS[lang]?.has(word) ?? false) || (GENERIC_SETS.en?.has(word) ?? false);
}

/** Words visitors write around a question, in no topic: they neither help nor hurt a match. */
const FILLER: Partial<Record<Lang, string>> = {
  en: "want wanted wanna need needs needed like know tell way ways possible able wonder wondering question questions try trying tried let see use using used uses work works working worked thing things something anything everything stuff anyone someone somebody really still even already ever much many lot lots go goes going gone find found look looking keep keeps kept make makes making best good great new one ones more most every all yet now today since yesterday ok okay hmm hm plz pls thx idea sure maybe currently right actually basically exactly kind sort bit little guys first only here does doesn't doesnt don't dont can't cant cannot won't wont isn't isnt didn't didnt aren't arent never always mean means happen happens happened give show take put thing there's theres it's whats what's how's hows i'd i'll i've ive id possible problem problems issue issues trouble help helps helped hi hello hey thanks thank u ur via think thought guess hope believe seem seems apparently difference differences between compare comparing comparison versus vs bring over add up out anyway please somehow without taking takes took against towards toward regarding concerning",
  fr: "veux voulais voudrais voudrait aimerais besoin savoir possible question problème problèmes aide aider faut chose choses truc bien très tout tous toutes toute encore déjà toujours jamais rien quelque été suis utiliser depuis alors donc aussi bonjour merci svp",
  es: "quiero quisiera necesito saber posible pregunta problema problemas ayuda ayudar cosa cosas muy todo todos todas toda siempre nunca usar hacer también entonces desde hola gracias",
  de: "möchte möchten will würde brauche wissen möglich frage problem probleme hilfe helfen etwas alles immer nie schon benutzen nutzen machen dann auch seit hallo danke",
  it: "voglio vorrei bisogno sapere possibile domanda problema aiuto aiutare cosa molto tutto sempre mai usare fare anche",
  pt: "quero queria preciso saber possível pergunta problema ajuda ajudar coisa muito tudo sempre nunca usar fazer também",
  ar: "أريد أود ممكن سؤال مشكلة مساعدة",
};
const FILLER_SETS = Object.fromEntries(Object.entries(FILLER).map(([lang, words]) => [lang, new Set(words.split(" ").map(fold))])) as Partial<
  Record<Lang, Set<string>>
>;

interface Entry {
  concept: string;
  lang: Lang;
}
/**
 * Forms by language (`en:credit card`), any language's phrases and long words (`*:…`), and
 * single words by their stem in their language (`fr:rembours`). A word is looked up in the
 * text's language and English first: "mes" is "my" in French and "month" in Spanish.
 */
const FORMS = new Map<string, Entry>();
const STEMS = new Map<string, Entry>();
const ENGLISH = new Map<string, string[]>();
/** Single-word forms by language, for typo correction. */
const WORDS = new Map<Lang, [string, string][]>();
const LONGEST = 6;

const add = (map: Map<string, Entry>, key: string, entry: Entry) => {
  if (!map.has(key)) map.set(key, entry);
};
for (const [concept, spec] of Object.entries(CONCEPTS)) {
  for (const part of spec.split("|")) {
    const [code, list] = part.split(":") as [string, string];
    const lang = code.trim() as Lang;
    const forms = list.split(",").map((f) => f.trim()).filter(Boolean);
    if (lang === "en") ENGLISH.set(concept, forms.filter((f) => !f.includes(" ")).slice(0, 4));
    for (const written of forms) {
      // "=changes": this exact word only, not every word sharing its stem ("change").
      const exact = written.startsWith("=");
      const form = exact ? written.slice(1) : written;
      const words = tokens(form);
      if (words.length === 0) continue;
      const key = words.join(" ");
      add(FORMS, `${lang}:${key}`, { concept, lang });
      if (words.length > 1 || key.length >= 6) add(FORMS, `*:${key}`, { concept, lang });
      if (words.length === 1) {
        if (!WORDS.has(lang)) WORDS.set(lang, []);
        WORDS.get(lang)?.push([key, concept]);
        if (!exact) add(STEMS, `${lang}:${stem(key, lang)}`, { concept, lang });
      }
    }
  }
}

function lookup(key: string, lang: Lang): Entry | undefined {
  return FORMS.get(`${lang}:${key}`) ?? FORMS.get(`en:${key}`) ?? FORMS.get(`*:${key}`);
}

/** A term of a text: a concept (`#price`) or a stemmed word, with what the visitor wrote. */
export interface Term {
  key: string;
  surface: string;
  concept: boolean;
}

/**
 * The topical terms of a text in language `lang`: phrases and words of the lexicon become
 * their concept, other words their stem; stop words and filler are left out. With
 * `components`, a phrase also gives its words ("recovery codes" is #twofactor, and "code").
 */
export function terms(text: string, lang: Lang, options: { components?: boolean } = {}): Term[] {
  const words = tokens(text);
  const out: Term[] = [];
  // A filler word written as a name ("Google Keep", "Apple Watch") is a name.
  const names = new Set(tokens((text.match(/(?<!^|[.!?]\s+)(?<![\p{L}])\p{Lu}\p{Ll}+/gu) ?? []).join(" ")));
  const plain = (word: string) => {
    if (word.length < 2 || isStopWord(word, lang) || isStopWord(word, "en") || (isFiller(word, lang) && !names.has(word))) return;
    if (/^\d{1,2}$/.test(word)) return;
    out.push({ key: stem(word, lang), surface: word, concept: false });
  };
  for (let i = 0; i < words.length; ) {
    let matched = 0;
    for (let n = Math.min(LONGEST, words.length - i); n >= 2 && !matched; n--) {
      const phrase = words.slice(i, i + n).join(" ");
      const entry = lookup(phrase, lang);
      if (entry) {
        out.push({ key: `#${entry.concept}`, surface: phrase, concept: true });
        if (options.components) for (const w of words.slice(i, i + n)) plain(w);
        matched = n;
      }
    }
    if (matched) {
      i += matched;
      continue;
    }
    const word = words[i] as string;
    i++;
    const entry = lookup(word, lang) ?? STEMS.get(`${lang}:${stem(word, lang)}`) ?? (lang !== "en" ? STEMS.get(`en:${stem(word, "en")}`) : undefined);
    if (entry && !(isStopWord(word, lang) && entry.lang !== lang)) {
      out.push({ key: `#${entry.concept}`, surface: word, concept: true });
      continue;
    }
    plain(word);
  }
  return out;
}

export function isFiller(word: string, lang: Lang): boolean {
  return (FILLER_SETS[lang]?.has(word) ?? false) || (FILLER_SETS.en?.has(word) ?? false);
}

/** English words for a concept, to widen a search written in another language or other words. */
export function englishWords(concept: string): string[] {
  return ENGLISH.get(concept.replace(/^#/, "")) ?? [];
}

/** Every form of a concept in every language (for counting the documents that use it). */
export function allForms(concept: string): string[] {
  const name = concept.replace(/^#/, "");
  const out = new Set<string>();
  for (const [key, entry] of FORMS) if (entry.concept === name) out.add(key.slice(key.indexOf(":") + 1));
  return [...out];
}

/**
 * The concept a misspelt word most likely meant: a single-word form of the lexicon (in the
 * visitor's language or English) one edit away (two for long words). Only asked about words
 * no document of the site uses, so a real word is never "corrected".
 */
export function correctTypo(word: string, lang: Lang): string | null {
  if (word.length < 5) return null;
  const max = word.length >= 8 ? 2 : 1;
  let best: { concept: string; distance: number } | null = null;
  for (const l of new Set<Lang>([lang, "en"])) {
    for (const [form, concept] of WORDS.get(l) ?? []) {
      if (Math.abs(form.length - word.length) > max || form.length < 4) continue;
      const d = editDistance(word, form, max);
      if (d <= max && (!best || d < best.distance)) best = { concept: `#${concept}`, distance: d };
    }
  }
  return best?.concept ?? null;
}

/** The words of a phrase the visitor used ("recovery codes" → recovery, code), stemmed, without stop words. */
export function componentsOf(surface: string, lang: Lang): string[] {
  const words = tokens(surface);
  if (words.length < 2) return [];
  return words.filter((w) => w.length > 1 && !isStopWord(w, lang) && !isStopWord(w, "en") && !isFiller(w, lang)).map((w) => stem(w, lang));
}

/** A short word one letter away from a stop or filler word ("wher", "teh"): a typo of nothing topical. */
export function isTypoOfStopWord(word: string, lang: Lang): boolean {
  if (word.length < 3 || word.length > 6) return false;
  for (const set of [STOP_LIKE(lang), STOP_LIKE("en")]) for (const w of set) if (Math.abs(w.length - word.length) <= 1 && w.length >= 3 && editDistance(w, word, 1) <= 1) return true;
  return false;
}

const STOP_LIKE = (lang: Lang): string[] => [...(FILLER_SETS[lang] ?? []), ...stopWords(lang)];
