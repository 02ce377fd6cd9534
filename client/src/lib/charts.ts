import type { ManagerView } from "../../../shared/views.js";
import type { ChartConfiguration } from "./chart-setup.js";
import { t } from "./i18n.js";
import { topicNameIn } from "./staff.js";
import { storeDateTime } from "./view.js";

type Recent = ManagerView["recent"][number];

export interface ChartSpec {
  id: string;
  title: string;
  /** A sentence saying what the chart shows, for screen readers. */
  summary: string;
  config: ChartConfiguration;
}

const chartOptions = {
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
  plugins: { legend: { display: false } },
  scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
} as const;

const average = (xs: number[]) =>
  xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10 : 0;

function groupBy(visits: Recent[], key: (v: Recent) => string): Map<string, Recent[]> {
  const groups = new Map<string, Recent[]>();
  for (const v of visits) groups.set(key(v), [...(groups.get(key(v)) ?? []), v]);
  return groups;
}

/** Bars lying down: long category names ("Потрібне продовження") read across, never cut off. */
const sidewaysOptions = {
  ...chartOptions,
  indexAxis: "y",
  scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
} as const;

const bar = (
  labels: string[],
  label: string,
  data: number[],
  color: string,
  sideways = false,
): ChartConfiguration => ({
  type: "bar",
  data: { labels, datasets: [{ label, data, backgroundColor: color }] },
  options: sideways ? sidewaysOptions : chartOptions,
});

/** Today's charts for the manager, from the visits that ended today. */
export function todayCharts(view: ManagerView): ChartSpec[] {
  const visits = view.recent;
  // Hours of the store's day, wherever the console is opened.
  const timeZone = (view.settings as { timezone?: string } | null)?.timezone;
  const hours = groupBy(visits, (v) => storeDateTime(v.checkedInAt, timeZone).slice(11, 13));
  const hourLabels = [...hours.keys()].sort();
  const byHour = hourLabels.map((h) => average((hours.get(h) ?? []).map((v) => v.waitedMin)));
  // Topics by the store's name for them in the page's language.
  const topics = groupBy(visits, (v) => topicNameIn(view, v));
  const topicLabels = [...topics.keys()].sort();
  const byTopic = topicLabels.map((k) => average((topics.get(k) ?? []).map((v) => v.waitedMin)));
  const names = new Map([view.me, ...view.colleagues].map((c) => [c.id, c.name]));
  const served = groupBy(
    visits.filter((v) => v.associateId && v.status === "done"),
    (v) => names.get(v.associateId ?? "") ?? v.associateId ?? "",
  );
  const associateLabels = [...served.keys()].sort();
  const outcomes = ["resolved", "follow_up", "not_resolved", "no_show"] as const;
  const outcomeCounts = outcomes.map((o) => visits.filter((v) => v.outcome === o).length);
  const left = visits.filter((v) => v.status === "left").length;
  const expired = visits.filter((v) => v.status === "expired").length;
  const rated = visits.filter((v) => v.feedback);
  const satisfaction = (["yes", "partly", "no"] as const).map(
    (s) => rated.filter((v) => v.feedback?.satisfaction === s).length,
  );
  const kudos = rated.filter((v) => v.feedback?.kudos).length;

  return [
    {
      id: "waits-by-hour",
      title: t("charts.byHour"),
      summary: t("charts.byHourSummary", { hours: hourLabels.length, max: Math.max(0, ...byHour) }),
      config: {
        type: "line",
        data: {
          labels: hourLabels.map((h) => `${h}:00`),
          datasets: [
            {
              label: t("charts.avgWait"),
              data: byHour,
              borderColor: "#0b5cad",
              backgroundColor: "#0b5cad",
            },
          ],
        },
        options: chartOptions,
      },
    },
    {
      id: "waits-by-topic",
      title: t("charts.byTopic"),
      summary:
        topicLabels
          .map((k, i) => `${k}: ${t("analytics.minutes", { n: byTopic[i] ?? 0 })}`)
          .join(", ") || t("charts.none"),
      config: bar(topicLabels, t("charts.avgWait"), byTopic, "#0b5cad"),
    },
    {
      id: "by-associate",
      title: t("charts.byAssociate"),
      summary:
        associateLabels.map((k) => `${k}: ${served.get(k)?.length ?? 0}`).join(", ") ||
        t("charts.none"),
      config: bar(
        associateLabels,
        t("charts.served"),
        associateLabels.map((k) => served.get(k)?.length ?? 0),
        "#1c6b3a",
      ),
    },
    {
      id: "outcomes",
      title: t("charts.outcomes"),
      summary: [
        ...outcomes.map((o, i) => `${t(`outcome.${o}`)}: ${outcomeCounts[i]}`),
        `${t("charts.left")}: ${left}`,
        `${t("charts.expired")}: ${expired}`,
      ].join(", "),
      config: bar(
        [...outcomes.map((o) => t(`outcome.${o}`)), t("charts.left"), t("charts.expired")],
        t("charts.visits"),
        [...outcomeCounts, left, expired],
        "#8a4b00",
        true,
      ),
    },
    {
      id: "feedback",
      title: t("charts.feedback"),
      summary: `${t("visit.sat.yes")}: ${satisfaction[0]}, ${t("visit.sat.partly")}: ${satisfaction[1]}, ${t("visit.sat.no")}: ${satisfaction[2]}, ${t("manager.kudos")}: ${kudos}`,
      config: bar(
        [t("visit.sat.yes"), t("visit.sat.partly"), t("visit.sat.no"), t("manager.kudos")],
        t("charts.answers"),
        [...satisfaction, kudos],
        "#5b3a9e",
      ),
    },
  ];
}
