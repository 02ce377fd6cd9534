import {
  type AnalyticsRow,
  DECLINE_REASONS,
  OUTCOMES,
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

function quoteShares(rows: AnalyticsRow[]): Series[] {
  const quoted = (r: AnalyticsRow) => r.quoteInside + r.quoteBelow + r.quoteAbove;
  return [
    {
      label: t("analytics.quoteInside"),
      data: rows.map((r) => share(r.quoteInside, quoted(r))),
      color: GREEN,
    },
    {
      label: t("analytics.quoteBelow"),
      data: rows.map((r) => share(r.quoteBelow, quoted(r))),
      color: BLUE,
    },
    {
      label: t("analytics.quoteAbove"),
      data: rows.map((r) => share(r.quoteAbove, quoted(r))),
      color: AMBER,
    },
  ];
}

/**
 * The charts of one range, from its four breakdowns. `topicName` names a topic by its id in the
 * page's language (the API labels it with the store's default name).
 */
export function analyticsCharts(
  reports: Reports,
  topicName: (id: string, label: string) => string = (_, label) => label,
): AnalyticsChart[] {
  const hours = everyHour(reports.hour.rows);
  const hourLabels = hours.map((r) => r.key);
  const topics = reports.topic.rows.filter((r) => r.key !== "");
  const topicLabels = topics.map((r) => topicName(r.key, r.label));
  const days = reports.day.rows;
  const dayLabels = days.map((r) => formatDay(r.key));
  // Arrivals belong to no associate until one is offered them: that row is not a person.
  const associates = reports.associate.rows.filter((r) => r.key !== "");
  const target = reports.day.quoteTargetPct;
  const total = reports.day.total;
  const hourAxis = t("analytics.hour");

  const arrivals: AnalyticsChart = {
    id: "arrivals-by-hour",
    title: t("analytics.arrivalsByHour"),
    summary: t("analytics.arrivalsSummary", {
      total: total.arrivals,
      list: listing(
        hourLabels,
        hours.map((r) => r.arrivals),
        "count",
      ),
    }),
    axis: hourAxis,
    timeAxis: true,
    labels: hourLabels,
    unit: "count",
    stacked: true,
    series: [
      { label: t("analytics.kiosk"), data: hours.map((r) => r.arrivalsKiosk), color: BLUE },
      { label: t("analytics.remote"), data: hours.map((r) => r.arrivalsRemote), color: PURPLE },
      { label: t("analytics.staff"), data: hours.map((r) => r.arrivalsStaff), color: GREY },
    ],
  };
  const waitP50 = hours.map((r) => minutes(r.waitP50Sec));
  const waits: AnalyticsChart = {
    id: "waits-by-hour",
    title: t("analytics.waitsByHour"),
    summary: t("analytics.mediansSummary", { list: listing(hourLabels, waitP50, "min") }),
    axis: hourAxis,
    timeAxis: true,
    labels: hourLabels,
    unit: "min",
    series: [
      { label: t("analytics.p50"), data: waitP50, color: BLUE },
      { label: t("analytics.p90"), data: hours.map((r) => minutes(r.waitP90Sec)), color: AMBER },
    ],
  };
  const serviceP50 = topics.map((r) => minutes(r.serviceP50Sec));
  const service: AnalyticsChart = {
    id: "service-by-topic",
    title: t("analytics.serviceByTopic"),
    summary: t("analytics.mediansSummary", { list: listing(topicLabels, serviceP50, "min") }),
    axis: t("analytics.topic"),
    labels: topicLabels,
    unit: "min",
    series: [
      { label: t("analytics.p50"), data: serviceP50, color: GREEN },
      {
        label: t("analytics.p90"),
        data: topics.map((r) => minutes(r.serviceP90Sec)),
        color: AMBER,
      },
    ],
  };
  const abandonment: AnalyticsChart = {
    id: "abandonment-by-day",
    title: t("analytics.abandonment"),
    summary: t("analytics.abandonmentSummary", {
      before: total.leftBeforeOffer,
      after: total.leftAfterOffer,
      noShows: total.noShows,
      expired: total.callAheadsExpired,
    }),
    axis: t("analytics.day"),
    timeAxis: true,
    labels: dayLabels,
    unit: "count",
    stacked: true,
    series: [
      { label: t("analytics.leftBefore"), data: days.map((r) => r.leftBeforeOffer), color: AMBER },
      { label: t("analytics.leftAfter"), data: days.map((r) => r.leftAfterOffer), color: RED },
      { label: t("analytics.noShows"), data: days.map((r) => r.noShows), color: PURPLE },
      {
        label: t("analytics.callAheadsExpired"),
        data: days.map((r) => r.callAheadsExpired),
        color: GREY,
      },
    ],
  };
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
  const quoteHour = quoteShares(hours);
  const quoteByHour: AnalyticsChart = {
    id: "quote-by-hour",
    title: t("analytics.quoteByHour"),
    summary: t("analytics.quoteSummary", {
      list: listing(hourLabels, quoteHour[0]?.data ?? [], "pct"),
    }),
    axis: hourAxis,
    timeAxis: true,
    labels: hourLabels,
    unit: "pct",
    stacked: true,
    series: quoteHour,
  };
  const quoteTopic = quoteShares(topics);
  const quoteByTopic: AnalyticsChart = {
    id: "quote-by-topic",
    title: t("analytics.quoteByTopic"),
    summary: t("analytics.quoteSummary", {
      list: listing(topicLabels, quoteTopic[0]?.data ?? [], "pct"),
    }),
    axis: t("analytics.topic"),
    labels: topicLabels,
    unit: "pct",
    stacked: true,
    series: quoteTopic,
  };
  const kept = days.map((r) => r.quoteInsidePct);
  const quoteByDay: AnalyticsChart = {
    id: "quote-by-day",
    title: t("analytics.quoteByDay"),
    summary: t("analytics.quoteByDaySummary", {
      target,
      below: reports.day.daysBelowTarget.length,
      list: listing(dayLabels, kept, "pct"),
    }),
    axis: t("analytics.day"),
    timeAxis: true,
    labels: dayLabels,
    unit: "pct",
    series: [
      {
        label: t("analytics.quoteInside"),
        data: kept,
        color: GREEN,
        colors: kept.map((pct) => (pct !== null && pct < target ? AMBER : GREEN)),
        otherColor: { color: AMBER, label: t("analytics.belowTargetBar") },
      },
      {
        label: t("analytics.target"),
        data: days.map(() => target),
        color: RED,
        line: true,
      },
    ],
  };
  const lateAvg = hours.map((r) => minutes(r.quoteOverAvgSec));
  const misses: AnalyticsChart = {
    id: "misses-by-hour",
    title: t("analytics.missesByHour"),
    summary: t("analytics.missesSummary", { list: listing(hourLabels, lateAvg, "min") }),
    axis: hourAxis,
    timeAxis: true,
    labels: hourLabels,
    unit: "min",
    series: [
      { label: t("analytics.lateAvg"), data: lateAvg, color: AMBER },
      {
        label: t("analytics.lateP90"),
        data: hours.map((r) => minutes(r.quoteOverP90Sec)),
        color: RED,
      },
      {
        label: t("analytics.earlyAvg"),
        data: hours.map((r) => minutes(r.quoteUnderAvgSec)),
        color: BLUE,
      },
    ],
  };
  const lateByDay = days.map((r) => minutes(r.quoteOverAvgSec));
  const missesByDay: AnalyticsChart = {
    id: "misses-by-day",
    title: t("analytics.missesByDay"),
    summary: t("analytics.missesSummary", { list: listing(dayLabels, lateByDay, "min") }),
    axis: t("analytics.day"),
    timeAxis: true,
    labels: dayLabels,
    unit: "min",
    series: [
      { label: t("analytics.lateAvg"), data: lateByDay, color: AMBER },
      {
        label: t("analytics.lateP90"),
        data: days.map((r) => minutes(r.quoteOverP90Sec)),
        color: RED,
      },
      {
        label: t("analytics.earlyAvg"),
        data: days.map((r) => minutes(r.quoteUnderAvgSec)),
        color: BLUE,
      },
    ],
  };
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
  const kudos: AnalyticsChart = {
    id: "kudos-by-associate",
    title: t("analytics.kudosByAssociate"),
    summary: t("analytics.kudosSummary", {
      list: listing(
        associates.map((r) => r.label),
        associates.map((r) => r.kudos),
        "count",
      ),
    }),
    axis: t("analytics.associate"),
    labels: associates.map((r) => r.label),
    unit: "count",
    series: [
      { label: t("analytics.kudos"), data: associates.map((r) => r.kudos), color: PURPLE },
      { label: t("analytics.served"), data: associates.map((r) => r.served), color: GREY },
    ],
  };
  // With nothing to count (nobody left, nothing declined or answered) a chart would draw an
  // empty grid of zeros that reads like a finding.
  const answered = OUTCOMES.some((o) => {
    const a = byOutcome[o];
    return a.yes + a.partly + a.no > 0;
  });
  return [
    arrivals,
    waits,
    service,
    total.leftBeforeOffer + total.leftAfterOffer + total.noShows + total.callAheadsExpired === 0
      ? emptied(abandonment)
      : abandonment,
    total.declines === 0 ? emptied(declines) : declines,
    quoteByDay,
    quoteByHour,
    quoteByTopic,
    misses,
    missesByDay,
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
