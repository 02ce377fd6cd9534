import { type TemplateResult, html } from "lit-html";
import type { Ack, Reply } from "../../../shared/protocol.js";
import { t } from "./i18n.js";
import { refusalText } from "./refusals.js";

const FOLD_AFTER_MS = 15_000;

/**
 * The kiosk's "I'm back": a customer who was browsing (their place kept) and has no phone types
 * the code on their ticket, and is back in line (`visit:resume-by-code`). Folded away until
 * asked for, so the start screen stays as it was.
 */
export class ImBack {
  private open = false;
  private said: { text: string; ok: boolean } | undefined;
  private sending = false;
  private foldTimer: number | undefined;

  constructor(
    private readonly send: (code: string) => Promise<Ack<Reply<"visit:resume-by-code">>>,
    private readonly redraw: () => void,
  ) {}

  /** Back to folded (a new customer at the kiosk). */
  reset(): void {
    window.clearTimeout(this.foldTimer);
    this.open = false;
    this.said = undefined;
  }

  view(): TemplateResult {
    if (!this.open)
      return html`<button class="im-back-open" @click=${() => {
        this.open = true;
        this.said = undefined;
        this.redraw();
      }}>${t("kiosk.imBack")}</button>`;
    return html`<form class="card im-back" @submit=${(e: Event) => this.submit(e)}>
      <label for="im-back-code">${t("kiosk.imBackLabel")}</label>
      <div class="row">
        <input id="im-back-code" name="code" required maxlength="12" autocomplete="off"
          autocapitalize="characters" spellcheck="false" placeholder="P-017" />
        <button class="primary" type="submit" ?disabled=${this.sending}>${t("kiosk.imBackSend")}</button>
        <button type="button" @click=${() => {
          this.reset();
          this.redraw();
        }}>${t("kiosk.back")}</button>
      </div>
      ${this.said ? html`<p role=${this.said.ok ? "status" : "alert"} class=${this.said.ok ? "badge ok" : "badge danger"}>${this.said.text}</p>` : ""}
    </form>`;
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const code = String(new FormData(form).get("code") ?? "").trim();
    this.sending = true;
    this.redraw();
    const answer = await this.send(code);
    this.sending = false;
    if (answer.ok) {
      this.said = { text: t("kiosk.imBackDone", { code: answer.data.code }), ok: true };
      form.reset();
      // Read, then out of the way of the next customer.
      this.foldTimer = window.setTimeout(() => {
        this.reset();
        this.redraw();
      }, FOLD_AFTER_MS);
    } else {
      const key =
        answer.error.code === "VISIT_NOT_FOUND"
          ? "kiosk.imBackUnknown"
          : answer.error.code === "INVALID_TRANSITION"
            ? "kiosk.imBackNotKept"
            : undefined;
      this.said = { text: key ? t(key, { code }) : refusalText(answer.error, "kiosk"), ok: false };
    }
    this.redraw();
  }
}
