import { type TemplateResult, html, nothing } from "lit-html";
import type { KioskView, WaitRange } from "../../../shared/views.js";
import { language, t } from "./i18n.js";
import type { LinkState } from "./live.js";

/** The bar every page shows on top: is what you see live? `refused`: why not, for its reader. */
export function linkBar(state: LinkState, refused?: string): TemplateResult {
  const text =
    state === "live"
      ? t("link.live")
      : state === "connecting"
        ? t("link.connecting")
        : state === "offline"
          ? t("link.offline")
          : refused || t("link.refused");
  return html`<div class="link-state ${state}" role="status" aria-live="polite" data-link=${state}>${text}</div>`;
}

/** How long a public screen's link may be down before it says so: a blip is not news. */
export const PUBLIC_LINK_GRACE_MS = 5000;

/**
 * The link of a screen the public sees (kiosk, wall display): no status while all is well; a
 * discreet line once the link has been down longer than the grace; how to pair the device when
 * it is not (or no longer) paired. `state` is for the page's `data-link`, which tests wait on.
 */
export class PublicLink {
  state: LinkState = "connecting";
  private detail: { message: string } | undefined;
  private overdue = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly redraw: () => void) {
    this.watch();
  }

  set(state: LinkState, detail?: { message: string }): void {
    const wasDown = this.state === "connecting" || this.state === "offline";
    const down = state === "connecting" || state === "offline";
    this.state = state;
    this.detail = detail;
    // Each failed attempt to reconnect says "offline" again: the grace counts from the first.
    if (down && wasDown) return;
    this.overdue = false;
    clearTimeout(this.timer);
    if (down) this.watch();
  }

  /** The discreet line while the link is down (a refused device shows `unpaired` instead). */
  notice(): TemplateResult | typeof nothing {
    if (this.state !== "connecting" && this.state !== "offline") return nothing;
    if (!this.overdue) return nothing;
    return html`<p class="link-down" role="status">${t("link.publicDown")}</p>`;
  }

  /** What the screen shows instead of its page when its device link is refused: how to pair. */
  unpaired(): TemplateResult {
    return html`<div class="unpaired" role="alert">
      <h1>${t("device.unpairedTitle")}</h1>
      <p>${language() === "en" && this.detail ? this.detail.message : t("link.refused")}</p>
      <p>${t("device.unpairedText")}</p>
      <p><a href="/">${t("device.about")}</a></p>
    </div>`;
  }

  private watch(): void {
    this.timer = setTimeout(() => {
      this.overdue = true;
      this.redraw();
    }, PUBLIC_LINK_GRACE_MS);
  }
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

/**
 * `at` as "2026-11-30 14:05" in the store's time zone (not the browser's): sortable, and what a
 * spreadsheet reads as a date and time. An unknown zone falls back to the browser's.
 */
export function storeDateTime(at: number, timeZone: string | undefined): string {
  const options: Intl.DateTimeFormatOptions = {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  };
  try {
    return new Intl.DateTimeFormat("sv-SE", { ...options, timeZone }).format(at);
  } catch {
    return new Intl.DateTimeFormat("sv-SE", options).format(at);
  }
}
