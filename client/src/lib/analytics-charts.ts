import { type AnalyticsRow, OUTCOMES } from "../../../shared/analytics.js";
import {
  DECLINE_REASONS,
  type Reports,
  type StaffingReport,
  everyHour,
} from "./analytics-report.js";
import { language, t } from "./i18n.js";

/**
 * The analytics view's charts, built from the analytics API's rows (docs/HTTP-API.md,
 * "Analytics"). Each chart is described once as labelled series; its chart.js configuration
 * (analytics-draw.ts), its accessible summary and its table come from that one description, so
 * what a screen reader or the table says is what the bars show.
 */

export type Unit = "count" | "min" | "pct";

export interface Series {
  label: string;
  data: Array<number | null>;
  color: string;
  /** A line over the bars (the target). */
  line?: boolean;
  /** Per-bar colours (days below the target stand out), and what the other colour means. */
  colors?: string[];
  otherColor?: { color: string; label: string };
}

export interface AnalyticsChart {
  id: string;
  title: string;
  /** One sentence for the chart's role=img label; the table holds every value. */
  summary: string;
  /** The header of the table's first column ("Hour", "Topic"...). */
  axis: string;
  labels: string[];
  series: Series[];
  unit: Unit;
  stacked?: boolean;
  /** Hours or days along the axis (in order, labels may be skipped), not names. */
  timeAxis?: boolean;
}

const BLUE = "#0b5cad";
const GREEN = "#1c6b3a";
const AMBER = "#b86e00";
const RED = "#a4161a";
const PURPLE = "#5b3a9e";
const GREY = "#6b7280";

/** Seconds as minutes with one decimal (null stays null: nothing measured is not zero). */
export const minutes = (sec: number | null) => (sec === null ? null : Math.round(sec / 6) / 10);
const share = (part: number, whole: number) =>
  whole > 0 ? Math.round((1000 * part) / whole) / 10 : null;

/** A number as the page's language writes it, with its unit; "—" for nothing measured. */
export function formatValue(value: number | null, unit: Unit): string {
  if (value === null) return "—";
  const text = new Intl.NumberFormat(language(), { maximumFractionDigits: 1 }).format(value);
  return unit === "min"
    ? t("analytics.minutes", { n: text })
    : unit === "pct"
      ? t("analytics.percent", { n: text })
      : text;
}

/** A store-local day (YYYY-MM-DD) as the page's language writes a short date. */
export function formatDay(day: string): string {
  return new Intl.DateTimeFormat(language(), {
    weekday: "short",
    day: "numeric",
    month: "short",
    timeZone: "UTC",
  }).format(Date.parse(`${day}T00:00:00Z`));
}

/** "09:00: 4, 10:00: 7": the labels with the first series' values, for a summary sentence. */
function listing(labels: string[], values: Array<number | null>, unit: Unit): string {
  if (labels.length === 0) return t("analytics.noData");
  return labels.map((l, i) => `${l}: ${formatValue(values[i] ?? null, unit)}`).join(", ");
}

/** A chart with nothing counted: no labels, so the view says "nothing" rather than draw zeros. */
const emptied = (chart: AnalyticsChart): AnalyticsChart => ({
  ...chart,
  labels: [],
  series: chart.series.map((s) => ({ ...s, data: [], colors: undefined })),
});

/** The rows of one breakdown along a chart's axis, with their labels. */
interface Along {
  /** The header of the table's first column ("Hour", "Topic"...). */
  axis: string;
  rows: AnalyticsRow[];
  labels: string[];
  timeAxis?: boolean;
}

type RowValue = (row: AnalyticsRow) => number | null;

/** A series as a value of each row; the rest is the series as drawn. */
type RowSeries = Omit<Series, "data"> & { value: RowValue };

/**
 * A chart of rows along an axis, a series per value. `summary` gets the listing of `listed`
 * (by default the first series' values) by label.
 */
function rowChart(
  along: Along,
  chart: {
    id: string;
    title: string;
    unit: Unit;
    stacked?: boolean;
    series: RowSeries[];
    summary: (list: string) => string;
    listed?: RowValue;
  },
): AnalyticsChart {
  const series = chart.series.map(({ label, value, ...drawn }) => ({
    label,
    data: along.rows.map(value),
    ...drawn,
  }));
  const listed = chart.listed ? along.rows.map(chart.listed) : (series[0]?.data ?? []);
  return {
    id: chart.id,
    title: chart.title,
    summary: chart.summary(listing(along.labels, listed, chart.unit)),
    axis: along.axis,
    ...(along.timeAxis ? { timeAxis: true } : {}),
    labels: along.labels,
    unit: chart.unit,
    ...(chart.stacked ? { stacked: true } : {}),
    series,
  };
}

const quoted = (r: AnalyticsRow) => r.quoteInside + r.quoteBelow + r.quoteAbove;

/** Of the customers told a wait, the shares served inside it, earlier and later, stacked. */
const quoteShares = (along: Along, id: string, title: string): AnalyticsChart =>
  rowChart(along, {
    id,
    title,
    unit: "pct",
    stacked: true,
    summary: (list) => t("analytics.quoteSummary", { list }),
    series: [
      {
        label: t("analytics.quoteInside"),
        value: (r) => share(r.quoteInside, quoted(r)),
        color: GREEN,
      },
      {
        label: t("analytics.quoteBelow"),
        value: (r) => share(r.quoteBelow, quoted(r)),
        color: BLUE,
      },
      {
        label: t("analytics.quoteAbove"),
        value: (r) => share(r.quoteAbove, quoted(r)),
        color: AMBER,
      },
    ],
  });

/** How far the quotes were missed: late on average and at p90, early on average. */
const misses = (along: Along, id: string, title: string): AnalyticsChart =>
  rowChart(along, {
    id,
    title,
    unit: "min",
    summary: (list) => t("analytics.missesSummary", { list }),
    series: [
      { label: t("analytics.lateAvg"), value: (r) => minutes(r.quoteOverAvgSec), color: AMBER },
      { label: t("analytics.lateP90"), value: (r) => minutes(r.quoteOverP90Sec), color: RED },
      { label: t("analytics.earlyAvg"), value: (r) => minutes(r.quoteUnderAvgSec), color: BLUE },
    ],
  });

/** A time's median and p90 in minutes (the waits, or the service times). */
const medians = (
  along: Along,
  id: string,
  title: string,
  time: "wait" | "service",
  color: string,
): AnalyticsChart =>
  rowChart(along, {
    id,
    title,
    unit: "min",
    summary: (list) => t("analytics.mediansSummary", { list }),
    series: [
      { label: t("analytics.p50"), value: (r) => minutes(r[`${time}P50Sec`]), color },
      { label: t("analytics.p90"), value: (r) => minutes(r[`${time}P90Sec`]), color: AMBER },
    ],
  });

/**
 * The charts of one range, from its four breakdowns. `topicName` names a topic by its id in the
 * page's language (the API labels it with the store's default name).
 */
export function analyticsCharts(
  reports: Reports,
  topicName: (id: string, label: string) => string = (_, label) => label,
): AnalyticsChart[] {
  const hoursRows = everyHour(reports.hour.rows);
  const hours: Along = {
    axis: t("analytics.hour"),
    rows: hoursRows,
    labels: hoursRows.map((r) => r.key),
    timeAxis: true,
  };
  const topicRows = reports.topic.rows.filter((r) => r.key !== "");
  const topics: Along = {
    axis: t("analytics.topic"),
    rows: topicRows,
    labels: topicRows.map((r) => topicName(r.key, r.label)),
  };
  const days: Along = {
    axis: t("analytics.day"),
    rows: reports.day.rows,
    labels: reports.day.rows.map((r) => formatDay(r.key)),
    timeAxis: true,
  };
  // Arrivals belong to no associate until one is offered them: that row is not a person.
  const associateRows = reports.associate.rows.filter((r) => r.key !== "");
  const associates: Along = {
    axis: t("analytics.associate"),
    rows: associateRows,
    labels: associateRows.map((r) => r.label),
  };
  const target = reports.day.quoteTargetPct;
  const total = reports.day.total;

  const arrivals = rowChart(hours, {
    id: "arrivals-by-hour",
    title: t("analytics.arrivalsByHour"),
    summary: (list) => t("analytics.arrivalsSummary", { total: total.arrivals, list }),
    listed: (r) => r.arrivals,
    unit: "count",
    stacked: true,
    series: [
      { label: t("analytics.kiosk"), value: (r) => r.arrivalsKiosk, color: BLUE },
      { label: t("analytics.remote"), value: (r) => r.arrivalsRemote, color: PURPLE },
      { label: t("analytics.staff"), value: (r) => r.arrivalsStaff, color: GREY },
    ],
  });
  const abandonment = rowChart(days, {
    id: "abandonment-by-day",
    title: t("analytics.abandonment"),
    summary: () =>
      t("analytics.abandonmentSummary", {
        before: total.leftBeforeOffer,
        after: total.leftAfterOffer,
        noShows: total.noShows,
        expired: total.callAheadsExpired,
      }),
    unit: "count",
    stacked: true,
    series: [
      { label: t("analytics.leftBefore"), value: (r) => r.leftBeforeOffer, color: AMBER },
      { label: t("analytics.leftAfter"), value: (r) => r.leftAfterOffer, color: RED },
      { label: t("analytics.noShows"), value: (r) => r.noShows, color: PURPLE },
      {
        label: t("analytics.callAheadsExpired"),
        value: (r) => r.callAheadsExpired,
        color: GREY,
      },
    ],
  });
  const reasonLabels = DECLINE_REASONS.map((r) =>
    r === "other" ? t("analytics.reasonOther") : t(`reason.${r}`),
  );
  const declineCounts = DECLINE_REASONS.map((r) => total.declinesByReason[r] ?? 0);
  const declines: AnalyticsChart = {
    id: "declines-by-reason",
    title: t("analytics.declinesByReason"),
    summary: t("analytics.declinesSummary", {
      total: total.declines,
      list: listing(reasonLabels, declineCounts, "count"),
    }),
    axis: t("analytics.reason"),
    labels: reasonLabels,
    unit: "count",
    series: [{ label: t("analytics.declined"), data: declineCounts, color: AMBER }],
  };
  const quoteByDay = rowChart(days, {
    id: "quote-by-day",
    title: t("analytics.quoteByDay"),
    summary: (list) =>
      t("analytics.quoteByDaySummary", {
        target,
        below: reports.day.daysBelowTarget.length,
        list,
      }),
    unit: "pct",
    series: [
      {
        label: t("analytics.quoteInside"),
        value: (r) => r.quoteInsidePct,
        color: GREEN,
        colors: days.rows.map((r) =>
          r.quoteInsidePct !== null && r.quoteInsidePct < target ? AMBER : GREEN,
        ),
        otherColor: { color: AMBER, label: t("analytics.belowTargetBar") },
      },
      { label: t("analytics.target"), value: () => target, color: RED, line: true },
    ],
  });
  const byOutcome = total.satisfactionByOutcome;
  const satisfaction: AnalyticsChart = {
    id: "outcome-satisfaction",
    title: t("analytics.outcomeSatisfaction"),
    summary: t("analytics.outcomeSummary", {
      list: OUTCOMES.map(
        (o) =>
          `${t(`outcome.${o}`)}: ${t("visit.sat.yes")} ${byOutcome[o].yes}, ${t("visit.sat.partly")} ${byOutcome[o].partly}, ${t("visit.sat.no")} ${byOutcome[o].no}`,
      ).join("; "),
      disputed: total.disputed,
    }),
    axis: t("analytics.outcome"),
    labels: OUTCOMES.map((o) => t(`outcome.${o}`)),
    unit: "count",
    stacked: true,
    series: [
      { label: t("visit.sat.yes"), data: OUTCOMES.map((o) => byOutcome[o].yes), color: GREEN },
      {
        label: t("visit.sat.partly"),
        data: OUTCOMES.map((o) => byOutcome[o].partly),
        color: AMBER,
      },
      { label: t("visit.sat.no"), data: OUTCOMES.map((o) => byOutcome[o].no), color: RED },
    ],
  };
  const kudos = rowChart(associates, {
    id: "kudos-by-associate",
    title: t("analytics.kudosByAssociate"),
    summary: (list) => t("analytics.kudosSummary", { list }),
    unit: "count",
    series: [
      { label: t("analytics.kudos"), value: (r) => r.kudos, color: PURPLE },
      { label: t("analytics.served"), value: (r) => r.served, color: GREY },
    ],
  });
  // With nothing to count (nobody left, nothing declined or answered) a chart would draw an
  // empty grid of zeros that reads like a finding.
  const answered = OUTCOMES.some((o) => {
    const a = byOutcome[o];
    return a.yes + a.partly + a.no > 0;
  });
  return [
    arrivals,
    medians(hours, "waits-by-hour", t("analytics.waitsByHour"), "wait", BLUE),
    medians(topics, "service-by-topic", t("analytics.serviceByTopic"), "service", GREEN),
    total.leftBeforeOffer + total.leftAfterOffer + total.noShows + total.callAheadsExpired === 0
      ? emptied(abandonment)
      : abandonment,
    total.declines === 0 ? emptied(declines) : declines,
    quoteByDay,
    quoteShares(hours, "quote-by-hour", t("analytics.quoteByHour")),
    quoteShares(topics, "quote-by-topic", t("analytics.quoteByTopic")),
    misses(hours, "misses-by-hour", t("analytics.missesByHour")),
    misses(days, "misses-by-day", t("analytics.missesByDay")),
    answered ? satisfaction : emptied(satisfaction),
    kudos,
  ];
}

/**
 * The staffing advisor's hours of one weekday (ISO 1 = Monday): recommended against signed in.
 * The hours run from the week's first busy hour to its last, so a quiet hour shows as a gap
 * rather than vanishing from the axis.
 */
export function staffingChart(report: StaffingReport, weekday: number): AnalyticsChart {
  const busy = report.hours.map((h) => h.hour);
  const first = Math.min(...busy);
  const span = busy.length === 0 ? 0 : Math.max(...busy) - first + 1;
  const hours = Array.from({ length: span }, (_, i) => {
    const hour = first + i;
    const advice = report.hours.find((h) => h.weekday === weekday && h.hour === hour);
    return { hour, recommended: advice?.recommended ?? 0, signedIn: advice?.signedIn ?? null };
  });
  const labels = hours.map((h) => `${String(h.hour).padStart(2, "0")}:00`);
  const recommended = hours.map((h) => h.recommended);
  return {
    id: "staffing",
    title: t("analytics.staffingTitle", {
      pct: report.serviceLevel.pct,
      min: formatValue(minutes(report.serviceLevel.withinSec), "min"),
    }),
    summary: t("analytics.staffingSummary", {
      list: listing(labels, recommended, "count"),
    }),
    axis: t("analytics.hour"),
    timeAxis: true,
    labels,
    unit: "count",
    series: [
      { label: t("analytics.recommended"), data: recommended, color: BLUE },
      { label: t("analytics.signedIn"), data: hours.map((h) => h.signedIn), color: GREY },
    ],
  };
}
