import { type AnalyticsBreakdown, type AnalyticsRow, OUTCOMES } from "../../shared/analytics.js";
import { type Counters, addInto, percentile } from "./counters.js";
import { DECLINE_REASONS } from "./decline-reasons.js";
import type { DayModel } from "./fold.js";
import { type DayRollup, TOTAL, asRollup } from "./rollup.js";

export { ANALYTICS_BREAKDOWNS as BREAKDOWNS } from "../../shared/analytics.js";
export type Breakdown = AnalyticsBreakdown;

/** Adds up the days (their rollups, or cells) by `by`, rows in key order. */
export function breakdown(
  days: readonly (DayModel | DayRollup)[],
  by: Breakdown,
  labels: {
    topic?: (id: string) => string | undefined;
    associate?: (id: string) => string | undefined;
  } = {},
): AnalyticsRow[] {
  const groups = new Map<string, Counters>();
  const add = (group: string, counters: Counters) => {
    let sum = groups.get(group);
    if (!sum) {
      sum = {};
      groups.set(group, sum);
    }
    addInto(sum, counters);
  };
  for (const model of days) {
    const day = asRollup(model);
    if (by === "day") {
      const total = day.groups[TOTAL];
      if (total) add(day.day, total);
      continue;
    }
    for (const [group, counters] of Object.entries(day.groups)) {
      const colon = group.indexOf(":");
      if (colon < 0 || group.slice(0, colon) !== by) continue;
      const key = group.slice(colon + 1);
      add(by === "hour" ? `${key.padStart(2, "0")}:00` : key, counters);
    }
  }
  const labelOf = (key: string) =>
    (by === "topic"
      ? labels.topic?.(key)
      : by === "associate"
        ? labels.associate?.(key)
        : undefined) ?? key;
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, c]) => rowOf(key, labelOf(key), c));
}

/** Every cell of the days added up: the range's total. */
export function total(days: readonly (DayModel | DayRollup)[]): AnalyticsRow {
  const sum: Counters = {};
  for (const day of days) addInto(sum, asRollup(day).groups[TOTAL] ?? {});
  return rowOf("total", "total", sum);
}

function rowOf(key: string, label: string, c: Counters): AnalyticsRow {
  const n = (name: string) => c[name] ?? 0;
  const declinesByReason: Record<string, number> = {};
  for (const reason of DECLINE_REASONS)
    if (n(`declines.${reason}`) > 0) declinesByReason[reason] = n(`declines.${reason}`);
  const wrapUps = n("wrapUp.n");
  const avgSec = (kind: string) =>
    n(`${kind}.n`) > 0 ? Math.round(n(`${kind}.ms`) / n(`${kind}.n`) / 1000) : null;
  const quoted = n("quote.inside") + n("quote.below") + n("quote.above");
  const satisfactionByOutcome = Object.fromEntries(
    OUTCOMES.map((o) => [
      o,
      {
        yes: n(`satisfaction.${o}.yes`),
        partly: n(`satisfaction.${o}.partly`),
        no: n(`satisfaction.${o}.no`),
      },
    ]),
  ) as AnalyticsRow["satisfactionByOutcome"];
  return {
    key,
    label,
    arrivals: n("arrivals.kiosk") + n("arrivals.remote") + n("arrivals.staff"),
    arrivalsKiosk: n("arrivals.kiosk"),
    arrivalsRemote: n("arrivals.remote"),
    arrivalsStaff: n("arrivals.staff"),
    callAheads: n("callAheads"),
    served: n("served"),
    leftBeforeOffer: n("left.beforeOffer"),
    leftAfterOffer: n("left.afterOffer"),
    noShows: n("noShows") - n("noShowsUndone"),
    callAheadsExpired: n("callAheadsExpired"),
    declines: Object.values(declinesByReason).reduce((a, b) => a + b, 0),
    declinesByReason,
    offerExpiries: n("offerExpiries"),
    transfers: n("transfers"),
    waitP50Sec: percentile(c, "wait", 0.5) ?? null,
    waitP90Sec: percentile(c, "wait", 0.9) ?? null,
    serviceP50Sec: percentile(c, "service", 0.5) ?? null,
    serviceP90Sec: percentile(c, "service", 0.9) ?? null,
    wrapUpAvgSec: avgSec("wrapUp"),
    quoteInside: n("quote.inside"),
    quoteBelow: n("quote.below"),
    quoteAbove: n("quote.above"),
    quoteInsidePct: quoted > 0 ? Math.round((1000 * n("quote.inside")) / quoted) / 10 : null,
    quoteOverAvgSec: avgSec("quoteOver"),
    quoteOverP90Sec: percentile(c, "quoteOver", 0.9) ?? null,
    quoteUnderAvgSec: avgSec("quoteUnder"),
    satisfactionYes: n("satisfaction.yes"),
    satisfactionPartly: n("satisfaction.partly"),
    satisfactionNo: n("satisfaction.no"),
    satisfactionByOutcome,
    disputed: satisfactionByOutcome.resolved.partly + satisfactionByOutcome.resolved.no,
    kudos: n("kudos"),
    managerCalls: n("managerCalls"),
    staffedHours: Math.round(n("staffed.ms") / 360_000) / 10,
  };
}

const CSV_COLUMNS = [
  "arrivals",
  "arrivalsKiosk",
  "arrivalsRemote",
  "arrivalsStaff",
  "callAheads",
  "served",
  "leftBeforeOffer",
  "leftAfterOffer",
  "noShows",
  "callAheadsExpired",
  "declines",
  "offerExpiries",
  "transfers",
  "waitP50Sec",
  "waitP90Sec",
  "serviceP50Sec",
  "serviceP90Sec",
  "wrapUpAvgSec",
  "quoteInside",
  "quoteBelow",
  "quoteAbove",
  "quoteInsidePct",
  "quoteOverAvgSec",
  "quoteOverP90Sec",
  "quoteUnderAvgSec",
  "satisfactionYes",
  "satisfactionPartly",
  "satisfactionNo",
  "disputed",
  "kudos",
  "managerCalls",
  "staffedHours",
] as const satisfies ReadonlyArray<keyof AnalyticsRow>;

/**
 * The rows as CSV (RFC 4180: CRLF lines, fields quoted when they hold a comma, quote or line
 * break, quotes doubled), UTF-8 with a byte-order mark so spreadsheet programs read names right;
 * a name that starts like a formula (`=`, `+`, `-`, `@`) is prefixed with an apostrophe.
 * The first two columns are the breakdown's key (store-local day or hour) and its label; the
 * others are the JSON's fields in snake_case (`wait_p50_sec`), as the visits export's columns.
 */
export function toCsv(rows: readonly AnalyticsRow[], by: Breakdown): string {
  const lines = [
    [by, "label", ...CSV_COLUMNS.map(snakeCase), ...DECLINE_REASONS.map((r) => `declines_${r}`)],
  ];
  for (const row of rows)
    lines.push([
      row.key,
      row.label,
      ...CSV_COLUMNS.map((column) => String(row[column] ?? "")),
      ...DECLINE_REASONS.map((r) => String(row.declinesByReason[r] ?? 0)),
    ]);
  return csvOf(lines);
}

/** A field's name as a CSV column: `waitP50Sec` → `wait_p50_sec`. */
const snakeCase = (name: string): string =>
  name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

/** Lines of fields as CSV: UTF-8 with a byte-order mark, RFC 4180 (see toCsv). */
export const csvOf = (lines: readonly string[][]): string =>
  `\uFEFF${lines.map((fields) => fields.map(csvField).join(",")).join("\r\n")}\r\n`;

/** A field as RFC 4180 wants it; text a spreadsheet would run as a formula gets an apostrophe. */
function csvField(value: string): string {
  const text = /^[=+\-@\t\r]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
