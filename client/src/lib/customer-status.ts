import { type TemplateResult, html, nothing } from "lit-html";
import type { CustomerView } from "../../../shared/views.js";
import { formatTime, language, t } from "./i18n.js";
import { waitText } from "./view.js";
import "./customer-status.css";

/**
 * "What happens next" for one customer, said the same way on the kiosk ticket and on their
 * phone (invariant 8: they never disagree). A person is named only once they accepted; when the
 * person named changes, the customer is told so with an apology.
 */

/** What the status is made from: the customer's live view (or the kiosk's ticket until then). */
export type CustomerStatusInput = Pick<
  CustomerView,
  | "status"
  | "paused"
  | "place"
  | "youreNext"
  | "wait"
  | "associate"
  | "apology"
  | "late"
  | "meetAt"
  | "language"
  | "holdUntil"
> &
  Partial<Pick<CustomerView, "timeZone" | "bring" | "outcome">>;

export interface StatusLine {
  text: string;
  /** `wait`: the promised range; `kept`: their place is kept while they browse. */
  kind: "wait" | "kept" | "info";
}

export interface CustomerStatus {
  /** Said first when the person named to them changed. */
  apology: string | null;
  /** What happens next, in one sentence. */
  headline: string;
  lines: StatusLine[];
  /** Initials of who accepted them (never before they accepted). */
  initials: string | null;
}

/**
 * The status in words. Names someone only while serving (they accepted), whatever else the input
 * holds; an apology comes with any change of the person named.
 */
export function describeCustomer(c: CustomerStatusInput): CustomerStatus {
  return { apology: apologyText(c), lines: [], initials: null, ...whatNext(c) };
}

function whatNext(
  c: CustomerStatusInput,
): Pick<CustomerStatus, "headline"> & Partial<CustomerStatus> {
  switch (c.status) {
    case "expected": {
      // A call-ahead: their kept place, the wait if they came now, until when, where, what.
      const place = meetingPlace(c);
      const bring = inLanguage(c, c.bring ?? null);
      const lines: StatusLine[] = [];
      if (c.place !== null)
        lines.push({ text: t("visit.placeKept", { place: c.place }), kind: "kept" });
      if (c.wait)
        lines.push({ text: t("visit.waitIfNow", { wait: waitText(c.wait) }), kind: "wait" });
      if (c.holdUntil)
        lines.push({
          text: t("visit.holdUntil", { time: clock(c.holdUntil, c.timeZone) }),
          kind: "info",
        });
      lines.push({ text: place ? t("visit.goTo", { place }) : t("visit.goToAny"), kind: "info" });
      if (bring) lines.push({ text: t("visit.bring", { what: bring }), kind: "info" });
      return { headline: t("visit.expected"), lines };
    }
    case "waiting":
      return {
        headline: c.youreNext
          ? t("visit.next")
          : c.place !== null
            ? t("visit.place", { place: c.place })
            : t("visit.inLine"),
        lines: [
          { text: waitText(c.wait), kind: "wait" },
          ...(c.paused ? [{ text: t("visit.paused"), kind: "kept" as const }] : []),
        ],
      };
    case "offered":
      // Someone was asked and has not said yes yet: no name, no promise of who.
      return {
        headline: t("visit.finding"),
        lines: [{ text: t("visit.findingDetail"), kind: "info" }],
      };
    case "serving": {
      const name = c.associate?.firstName ?? "";
      const place = meetingPlace(c);
      return {
        headline: place ? t("visit.onTheWay", { name }) : t("visit.comingTo", { name }),
        lines: [{ text: place ? t("visit.meetAt", { place }) : t("visit.stayHere"), kind: "info" }],
        initials: c.associate?.initials ?? null,
      };
    }
    case "done":
      // A no-show is not thanked for a visit that did not happen.
      return c.outcome === "no_show"
        ? { headline: t("visit.noShow"), lines: [{ text: t("visit.noShowText"), kind: "info" }] }
        : { headline: t("visit.done") };
    case "left":
      return { headline: t("visit.left") };
    case "expired":
      return { headline: t("visit.expired") };
  }
}

/** The status as one block; kiosk and phone render exactly this, so their text is the same. */
export function customerStatusBlock(c: CustomerStatusInput): TemplateResult {
  const s = describeCustomer(c);
  return html`<div class="customer-status" data-customer-status=${c.status}>
    ${s.apology ? html`<p class="apology" role="note">${s.apology}</p>` : nothing}
    <div class="row headline">
      ${s.initials ? html`<span class="initials" aria-hidden="true">${s.initials}</span>` : nothing}
      <h1>${s.headline}</h1>
    </div>
    ${s.lines.map((line) => html`<p class=${`status-${line.kind}`}>${line.text}</p>`)}
  </div>`;
}

function apologyText(c: CustomerStatusInput): string | null {
  // Past the range we told them: say so before anything else.
  if (!c.apology) return c.late ? t("visit.sorryLate") : null;
  const previous = c.apology.previousFirstName;
  return c.status === "serving" && c.associate
    ? t("visit.sorryChanged", { name: c.associate.firstName, previous })
    : t("visit.sorryHandedOn", { previous });
}

/** Where to meet, in the page's language, else the one they asked for, else any. */
function meetingPlace(c: CustomerStatusInput): string | null {
  return inLanguage(c, c.meetAt);
}

/** A text set per language, in the page's language, else the one they asked for, else any. */
function inLanguage(c: CustomerStatusInput, texts: Record<string, string> | null): string | null {
  if (!texts) return null;
  return (
    texts[language()] ??
    (c.language ? texts[c.language] : undefined) ??
    Object.values(texts)[0] ??
    null
  );
}

/** In the page's language, on the store's clock. */
const clock = (at: number, timeZone?: string) => formatTime(at, timeZone);
