import { type TemplateResult, html } from "lit-html";
import type { KioskView, WaitRange } from "../../../shared/views.js";
import { language, t } from "./i18n.js";
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

/**
 * The wait a customer checking in for `topic` in the page's language would be told (the language
 * they ask for is the page's). A language with no range means nobody who speaks it could serve
 * now: that is what is said, not the range for a customer asking for no language.
 */
export function topicWait(topic: KioskView["topics"][number]): WaitRange {
  const lang = language();
  return lang in topic.waits ? (topic.waits[lang] ?? null) : topic.wait;
}

export function minutesAgo(since: number, now = Date.now()): number {
  return Math.max(0, Math.floor((now - since) / 60_000));
}
