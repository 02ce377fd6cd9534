/**
 * Translations: one JSON file per language in ../i18n (adding a language means adding a file).
 * Keys missing in a language fall back to English. `{name}` placeholders are filled from params.
 */
type Strings = Record<string, string>;

const files = import.meta.glob<{ default: Strings }>("../i18n/*.json", { eager: true });
const catalogs = new Map<string, Strings>(
  Object.entries(files).map(([path, module]) => [
    path.replace(/^.*\/(.+)\.json$/, "$1"),
    module.default,
  ]),
);

export const languages = [...catalogs.keys()].sort();
let current = "en";

export function setLanguage(language: string): void {
  current = catalogs.has(language) ? language : "en";
  document.documentElement.lang = current;
}

export const language = () => current;

/** The language's own name, for a language picker. */
export const languageName = (code: string) => catalogs.get(code)?.["language.name"] ?? code;

/** Whether the texts have `key` (every language has the same keys; English is the reference). */
export const hasText = (key: string) => catalogs.get("en")?.[key] !== undefined;

export function t(key: string, params: Record<string, string | number> = {}): string {
  const text = catalogs.get(current)?.[key] ?? catalogs.get("en")?.[key] ?? key;
  // A value that ends a sentence itself ("10:30 a. m.") takes the place of the text's period.
  return text.replace(/\{(\w+)\}(\.?)/g, (_, name: string, period: string) => {
    const value = String(params[name] ?? `{${name}}`);
    return period && value.endsWith(".") ? value : value + period;
  });
}

/** A text set per language (a topic's name, where to meet): the page's, else `fallback`. */
export function localized(texts: Record<string, string> | null | undefined, fallback: string) {
  return texts?.[current] ?? fallback;
}

/** A time of day in the page's language, as the clock in `timeZone` shows it. */
export function formatTime(at: number, timeZone?: string): string {
  return new Intl.DateTimeFormat(current, { hour: "numeric", minute: "2-digit", timeZone }).format(
    at,
  );
}

/** The browser's preferred language among those the store and we both have. */
export function preferredLanguage(offered: string[]): string {
  for (const wanted of navigator.languages ?? [navigator.language]) {
    const base = wanted.toLowerCase().split("-")[0] ?? "";
    if (offered.includes(base) && catalogs.has(base)) return base;
  }
  return offered.find((l) => catalogs.has(l)) ?? "en";
}
