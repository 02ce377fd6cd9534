import { type TemplateResult, html } from "lit-html";
import { t } from "./i18n.js";
import type { LinkState } from "./live.js";

/** The bar every page shows on top: is what you see live? */
export function linkBar(state: LinkState, detail?: { message: string }): TemplateResult {
  const text =
    state === "live"
      ? t("link.live")
      : state === "connecting"
        ? t("link.connecting")
        : state === "offline"
          ? t("link.offline")
          : (detail?.message ?? t("link.refused"));
  return html`<div class="link-state ${state}" role="status" aria-live="polite" data-link=${state}>${text}</div>`;
}

/** "about 4–7 min", or a message when nobody could serve now. */
export function waitText(wait: { lowMin: number; highMin: number } | null): string {
  if (!wait) return t("wait.unknown");
  if (wait.highMin <= 1) return t("wait.now");
  return t("wait.range", { low: wait.lowMin, high: wait.highMin });
}

export function minutesAgo(since: number, now = Date.now()): number {
  return Math.max(0, Math.floor((now - since) / 60_000));
}
