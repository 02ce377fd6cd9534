import { languageName, languages, preferredLanguage, setLanguage, t } from "../lib/i18n.js";
import "./home.css";

/**
 * The root page in the visitor's language (`?lang=`, else the browser's): its text is in the
 * HTML in English, each piece marked with its key (`data-t`), and replaced here.
 */

const asked = new URL(location.href).searchParams.get("lang");
setLanguage(asked && languages.includes(asked) ? asked : preferredLanguage(languages));
document.title = t("home.title");
for (const element of document.querySelectorAll<HTMLElement>("[data-t]"))
  element.textContent = t(element.dataset.t ?? "");

const nav = document.getElementById("languages");
if (nav) {
  nav.setAttribute("aria-label", t("home.language"));
  for (const code of languages) {
    const link = document.createElement("a");
    link.href = `?lang=${code}`;
    link.lang = code;
    link.textContent = languageName(code);
    if (code === document.documentElement.lang) link.setAttribute("aria-current", "true");
    nav.append(link);
  }
}
