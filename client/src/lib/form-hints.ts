import { html } from "lit-html";
import { t } from "./i18n.js";

/** The limit of a form field, said under it ("Up to 40 characters"), for `aria-describedby`. */
export const limitHint = (id: string, max: number) =>
  html`<small id=${id} class="muted limit">${t("form.limit", { max })}</small>`;
