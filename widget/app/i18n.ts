/**
 * Every string the widget shows, one table per locale, each a chunk of its own: a visitor
 * loads only their language's. The locale comes from the
 * site's config, or from the browser when the site says `auto`. Arabic is right-to-left.
 * (The site's own title, welcome text and suggestions come from its config, per locale.)
 */
import type { LocalizedTexts, PublicSiteConfig } from "../../shared/config";

export type Strings = typeof import("./locales/en").default;

/** The locales the widget speaks (each a chunk under ./locales/). */
const LOCALES: Record<string, () => Promise<{ default: Strings }>> = {
  ar: () => import("./locales/ar"),
  en: () => import("./locales/en"),
  fr: () => import("./locales/fr"),
};
const RTL = new Set(["ar", "he", "fa", "ur"]);

export function pickLocale(configured: string, browser: readonly string[]): string {
  const wanted = configured && configured !== "auto" ? [configured] : browser;
  for (const tag of wanted) {
    const lang = tag.toLowerCase().split("-")[0] ?? "";
    if (LOCALES[lang]) return lang;
  }
  return "en";
}

export async function loadStrings(locale: string): Promise<Strings> {
  return (await (LOCALES[locale] ?? LOCALES.en)?.())?.default as Strings;
}

export const isRtl = (locale: string) => RTL.has(locale);

/**
 * The owner's texts, over the theme's defaults: for the widget's locale first (so they match
 * its strings), else for the site's or the browser's languages (`pt-BR`, then `pt`).
 */
export function siteTexts(config: PublicSiteConfig, locale: string, browser: readonly string[]): Required<LocalizedTexts> {
  const { theme, texts } = config;
  const tags = [locale, config.locale !== "auto" ? config.locale : "", ...browser].filter(Boolean);
  const own = tags.map((tag) => texts[tag] ?? texts[tag.split("-")[0] ?? ""]).find(Boolean) ?? {};
  return {
    title: own.title ?? theme.title,
    subtitle: own.subtitle ?? theme.subtitle,
    welcome: own.welcome ?? theme.welcome,
    suggestions: own.suggestions ?? theme.suggestions ?? [],
  };
}
