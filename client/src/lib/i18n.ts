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

export function t(key: string, params: Record<string, string | number> = {}): string {
  const text = catalogs.get(current)?.[key] ?? catalogs.get("en")?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/** The browser's preferred language among those the store and we both have. */
export function preferredLanguage(offered: string[]): string {
  for (const wanted of navigator.languages ?? [navigator.language]) {
    const base = wanted.toLowerCase().split("-")[0] ?? "";
    if (offered.includes(base) && catalogs.has(base)) return base;
  }
  return offered.find((l) => catalogs.has(l)) ?? "en";
}
