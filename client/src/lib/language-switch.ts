import { html, nothing } from "lit-html";
import { language, languageName, languages, t } from "./i18n.js";

/**
 * The customer pages' language switch: the store's languages that have a catalog, each named in
 * its own language; nothing when there is no choice to make.
 */
export function languageSwitch(offered: readonly string[], choose: (language: string) => void) {
  const choices = offered.filter((l) => languages.includes(l));
  if (choices.length < 2) return nothing;
  return html`<nav class="row language-switch" aria-label=${t("kiosk.language")}>
    ${choices.map(
      (l) =>
        html`<button type="button" lang=${l} aria-pressed=${language() === l ? "true" : "false"}
          @click=${() => choose(l)}>${languageName(l)}</button>`,
    )}
  </nav>`;
}
