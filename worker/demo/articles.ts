/**
 * Help-center articles of Lumen Notes, the fictional company of the demo. Each article
 * lands in one knowledge collection: `faq` (the router's), `billing` or `technical` (the
 * specialists'). They are served as pages at /help/:slug so that sources can be opened.
 * A few are also in French (slug `fr-…`), as a site translates its most read articles, so a
 * French question gets a French answer; the offline provider tells an article's language
 * from its text.
 */
export interface DemoArticle {
  slug: string;
  collection: "faq" | "billing" | "technical";
  title: string;
  body: string;
  /** Written in (English when absent). */
  lang?: "fr";
}

export const DEMO_ARTICLES: DemoArticle[] = [
  {
    slug: "getting-started",
    collection: "faq",
    title: "Getting started with Lumen Notes",
    body: `Lumen Notes is a note-taking app for the web, Windows, macOS, iOS and Android. Create an account at app.lumennotes.example with your email address, or sign in with Google or Apple.

Your first notebook, called "Inbox", is created for you. Press N (or tap the + button) to write a new note. Notes support headings, checklists, tables, images and file attachments up to 25 MB each on the Free plan and 200 MB on Pro and Team.

Use tags to organise notes across notebooks: type # followed by a word anywhere in a note. The search bar finds words inside notes, attachments (PDF and images with text) and tags.`,
  },
  {
    slug: "plans-and-pricing",
    collection: "faq",
    title: "Plans and pricing",
    body: `Lumen Notes has three plans.

Free: up to 3 devices, 60 MB of uploads per month, 7 days of note history.
Pro: $8 per month or $80 per year. Unlimited devices, 10 GB of uploads per month, one year of note history, offline notebooks on mobile.
Team: $12 per member per month, billed monthly or yearly. Everything in Pro plus shared spaces, admin controls, SSO and priority support.

Students and teachers get 50% off Pro with a school email address. Prices exclude VAT or sales tax where it applies.`,
  },
  {
    slug: "export-your-notes",
    collection: "faq",
    title: "Exporting your notes",
    body: `You can export your notes at any time, on any plan. On the web or desktop app, open Settings → Account → Export. Choose Markdown (a .zip with one .md file per note and a folder of attachments), HTML, or PDF.

To export a single notebook, right-click it in the sidebar and choose Export notebook. Exports of large accounts are prepared in the background; we email you a download link that stays valid for 7 days.

Exported Markdown keeps headings, checklists, tables, links and tags (as #tags). Note history is not included in exports.`,
  },
  {
    slug: "import-from-other-apps",
    collection: "faq",
    title: "Importing from Evernote, Notion and Markdown",
    body: `Lumen Notes imports from Evernote (.enex files), Notion (Markdown & CSV export), Apple Notes (on macOS) and any folder of Markdown files.

Open Settings → Import and pick the source. Evernote notebooks become Lumen notebooks and Evernote tags become tags. Notion pages keep their nesting as sub-notes. Attachments are imported up to your plan's upload limit; the rest are listed in an import report.

Imports do not count towards your monthly upload limit during your first 30 days.`,
  },
  {
    slug: "sharing-and-collaboration",
    collection: "faq",
    title: "Sharing notes and working together",
    body: `Share a note with the Share button at the top right. You can invite people by email to view or edit, or create a public link (view only) that you can turn off at any time.

People you invite can edit at the same time as you; you see their cursors live. Comments and @mentions work on every plan. Shared spaces, where a whole team owns notebooks together, are part of the Team plan.`,
  },
  {
    slug: "security-and-privacy",
    collection: "faq",
    title: "Security and privacy",
    body: `Your notes are encrypted in transit (TLS 1.3) and at rest (AES-256). Pro and Team users can turn on end-to-end encryption for individual notebooks; end-to-end encrypted notebooks cannot be recovered if you forget their passphrase.

We never sell your data or use your notes to train AI models. Two-factor authentication (authenticator app or security key) is available on every plan under Settings → Security. Data is stored in the EU or the US, as chosen when the account was created.`,
  },
  {
    slug: "contact-support",
    collection: "faq",
    title: "Contacting support and support hours",
    body: `Our support team is available Monday to Friday, 8:00–18:00 UTC. Outside those hours this assistant answers, and you can leave your email so that a person follows up the next working day.

Team plan customers get priority support with a first reply within 4 working hours. You can also reach us at support@lumennotes.example.`,
  },
  {
    slug: "invoices-and-receipts",
    collection: "billing",
    title: "Invoices and receipts",
    body: `Every payment creates an invoice numbered INV- followed by four digits (for example INV-1001). Find your invoices under Settings → Billing → Invoices, where you can download each one as a PDF.

To add a company name, address or VAT number to future invoices, edit Billing details on the same page. Invoices that were already issued can be re-issued with new details within 60 days: ask our billing team with the invoice number.`,
  },
  {
    slug: "refunds-and-duplicate-charges",
    collection: "billing",
    title: "Refunds and duplicate charges",
    body: `If you were charged twice for the same invoice, the duplicate charge is refunded in full. Duplicate charges usually come from a payment that was retried after a bank timeout. Refunds go back to the original card and appear within 5–10 business days, depending on your bank.

Yearly plans can be refunded in full within 14 days of purchase. Monthly plans are not refunded for partial months, but you keep Pro features until the end of the period you paid for.`,
  },
  {
    slug: "change-or-cancel-subscription",
    collection: "billing",
    title: "Changing or cancelling your subscription",
    body: `Upgrade, downgrade or cancel under Settings → Billing → Plan. Upgrades take effect immediately and you pay the prorated difference. Downgrades and cancellations take effect at the end of the current billing period.

When a paid plan ends, your notes stay available; only Pro features (offline notebooks, extended history, larger uploads) are switched off. Nothing is deleted.`,
  },
  {
    slug: "update-payment-method",
    collection: "billing",
    title: "Updating your payment method",
    body: `Change the card used for your subscription under Settings → Billing → Payment method. We accept Visa, Mastercard, American Express and PayPal; Team plans can also pay by bank transfer on yearly billing.

If a payment fails, we retry it three times over 7 days and email you each time. Your plan stays active during the retries.`,
  },
  {
    slug: "troubleshooting-login",
    collection: "technical",
    title: "Troubleshooting login problems",
    body: `If you cannot log in, first check that you are using the same sign-in method as when you created the account (email and password, Google, or Apple).

Reset your password with "Forgot password" on the login screen; the reset link is valid for one hour. If you use two-factor authentication and lost your phone, use one of your recovery codes.

If the app closes or crashes right after you log in, update to the latest version (Settings → About → Check for updates) and clear the app's local cache: on desktop, hold Shift while starting the app and choose Reset local cache; your notes are synced again from the server.`,
  },
  {
    slug: "app-crashes",
    collection: "technical",
    title: "The app crashes or won't start",
    body: `Crashes are usually caused by an outdated version or a damaged local cache. Update to the latest version first. On desktop, start the app while holding Shift and choose Reset local cache; on iOS and Android, sign out and sign in again.

If the app still crashes, send us the crash report: Help → Send diagnostics on desktop, or Settings → Help → Send diagnostics on mobile. Include what you were doing when it crashed.`,
  },
  {
    slug: "sync-issues",
    collection: "technical",
    title: "Notes are not syncing between devices",
    body: `Notes sync within seconds when you are online. If a note does not appear on another device, check the sync indicator at the bottom of the sidebar: a red dot means the app is offline or your session expired.

Sign out and back in to refresh the session. Notes edited offline on two devices at once are kept as two versions; choose the one to keep from the note's History menu. The Free plan syncs up to 3 devices.`,
  },
  {
    slug: "offline-mode",
    collection: "technical",
    title: "Working offline",
    body: `The desktop apps keep every note available offline. On mobile, Pro and Team users can mark notebooks as available offline from the notebook's menu. Changes made offline sync automatically when you are back online.`,
  },
  {
    slug: "fr-plans-and-pricing",
    collection: "faq",
    lang: "fr",
    title: "Formules et tarifs",
    body: `Lumen Notes propose trois formules.

Free : jusqu'à 3 appareils, 60 Mo d'envois par mois, 7 jours d'historique des notes.
Pro : 8 $ par mois ou 80 $ par an. Appareils illimités, 10 Go d'envois par mois, un an d'historique, carnets hors ligne sur mobile.
Team : 12 $ par membre et par mois, facturés au mois ou à l'année. Tout ce qu'offre Pro, plus les espaces partagés, les contrôles d'administration, le SSO et une assistance prioritaire.

Les étudiants et les enseignants bénéficient de 50 % de réduction sur Pro avec une adresse e-mail scolaire. Les prix s'entendent hors TVA ou taxe de vente, lorsqu'elle s'applique.`,
  },
  {
    slug: "fr-export-your-notes",
    collection: "faq",
    lang: "fr",
    title: "Exporter vos notes",
    body: `Vous pouvez exporter vos notes à tout moment, quelle que soit votre formule. Dans l'application web ou de bureau, ouvrez Réglages → Compte → Exporter. Choisissez Markdown (un .zip avec un fichier .md par note et un dossier de pièces jointes), HTML ou PDF.

Pour exporter un seul carnet, faites un clic droit dessus dans la barre latérale et choisissez Exporter le carnet. Les exports des comptes volumineux sont préparés en arrière-plan ; nous vous envoyons par e-mail un lien de téléchargement valable 7 jours.

Le Markdown exporté conserve les titres, les listes de tâches, les tableaux, les liens et les tags (sous forme de #tags). L'historique des notes n'est pas inclus dans les exports.`,
  },
  {
    slug: "fr-security-and-privacy",
    collection: "faq",
    lang: "fr",
    title: "Sécurité et confidentialité",
    body: `Vos notes sont chiffrées pendant leur transfert (TLS 1.3) et au repos (AES-256). Les utilisateurs Pro et Team peuvent activer le chiffrement de bout en bout pour certains carnets ; un carnet chiffré de bout en bout ne peut pas être récupéré si vous oubliez sa phrase secrète.

Nous ne vendons jamais vos données et n'utilisons pas vos notes pour entraîner des modèles d'IA. L'authentification à deux facteurs (application d'authentification ou clé de sécurité) est disponible avec toutes les formules, dans Réglages → Sécurité. Les données sont stockées dans l'UE ou aux États-Unis, selon le choix fait à la création du compte.`,
  },
  {
    slug: "fr-contact-support",
    collection: "faq",
    lang: "fr",
    title: "Contacter l'assistance et horaires",
    body: `Notre équipe d'assistance est disponible du lundi au vendredi, de 8 h à 18 h UTC. En dehors de ces horaires, cet assistant répond, et vous pouvez laisser votre adresse e-mail pour qu'une personne vous recontacte le jour ouvré suivant.

Les clients de la formule Team bénéficient d'une assistance prioritaire, avec une première réponse en moins de 4 heures ouvrées. Vous pouvez aussi nous écrire à support@lumennotes.example.`,
  },
  {
    slug: "fr-refunds-and-duplicate-charges",
    collection: "billing",
    lang: "fr",
    title: "Remboursements et prélèvements en double",
    body: `Si vous avez été débité deux fois pour la même facture, le prélèvement en double est intégralement remboursé. Les doubles prélèvements viennent généralement d'un paiement relancé après un délai d'attente de la banque. Les remboursements sont versés sur la carte d'origine et apparaissent sous 5 à 10 jours ouvrés, selon votre banque.

Les formules annuelles peuvent être remboursées intégralement dans les 14 jours suivant l'achat. Les formules mensuelles ne sont pas remboursées au prorata, mais vous gardez les fonctions Pro jusqu'à la fin de la période payée.`,
  },
  {
    slug: "fr-troubleshooting-login",
    collection: "technical",
    lang: "fr",
    title: "Résoudre les problèmes de connexion",
    body: `Si vous n'arrivez pas à vous connecter, vérifiez d'abord que vous utilisez la même méthode de connexion qu'à la création du compte (e-mail et mot de passe, Google ou Apple).

Réinitialisez votre mot de passe avec « Mot de passe oublié » sur l'écran de connexion ; le lien de réinitialisation est valable une heure. Si vous utilisez l'authentification à deux facteurs et avez perdu votre téléphone, utilisez l'un de vos codes de récupération.

Si l'application se ferme ou plante juste après la connexion, installez la dernière version (Réglages → À propos → Rechercher des mises à jour) et videz le cache local de l'application : sur ordinateur, maintenez Maj en démarrant l'application et choisissez Réinitialiser le cache local ; vos notes sont ensuite resynchronisées depuis le serveur.`,
  },
];
