import { type AnalyticsChart, formatValue } from "./analytics-charts.js";
import { Chart, type ChartConfiguration } from "./chart-setup.js";
import { language } from "./i18n.js";

/** The analytics charts drawn with chart.js, from their descriptions (analytics-charts.ts). */

/**
 * A long label ("Another reason, or none given") as lines of at most `width` characters (a
 * longer word keeps its own line), so names side by side on a phone do not run into each other.
 */
export function wrapped(label: string, width = 14): string[] {
  const lines: string[] = [];
  for (const word of label.split(" ")) {
    const last = lines.length - 1;
    if (last >= 0 && `${lines[last]} ${word}`.length <= width)
      lines[last] = `${lines[last]} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** Text and grid lines in the page's colours (light or dark), not chart.js' fixed grey. */
export interface Ink {
  text: string;
  grid: string;
}

/**
 * The chart.js configuration of a chart. Bars are drawn whole: the value axis starts at zero
 * and leaves headroom above the tallest bar, and nothing is clipped at the chart area's edge; a
 * share's axis ends at 100 %. Ticks fall on values their labels can tell apart (minutes are
 * written with one decimal, so no step is finer than 0.1). Category labels are wrapped at
 * `wrapAt` characters.
 */
export function chartConfig(chart: AnalyticsChart, ink: Ink, wrapAt = 14): ChartConfiguration {
  const ticks =
    chart.unit === "count"
      ? { precision: 0, color: ink.text }
      : {
          ...(chart.unit === "min" ? { precision: 1 } : {}),
          color: ink.text,
          callback: (value: number | string) => formatValue(Number(value), chart.unit),
        };
  return {
    type: "bar",
    data: {
      labels: chart.timeAxis ? chart.labels : chart.labels.map((l) => wrapped(l, wrapAt)),
      datasets: chart.series.map((s) =>
        s.line
          ? {
              type: "line" as const,
              label: s.label,
              data: s.data,
              borderColor: s.color,
              backgroundColor: s.color,
              borderDash: [6, 4],
              // A dash across each bar, so the target shows over a single day too.
              pointStyle: "line" as const,
              pointRadius: 18,
              pointBorderWidth: 2,
              clip: false as const,
            }
          : {
              type: "bar" as const,
              label: s.label,
              data: s.data,
              backgroundColor: s.colors ?? s.color,
              clip: false as const,
            },
      ),
    },
    options: {
      animation: false,
      color: ink.text,
      responsive: true,
      maintainAspectRatio: false,
      layout: { padding: { top: 8 } },
      plugins: {
        legend: {
          display: chart.series.length > 1,
          labels: {
            boxWidth: 14,
            color: ink.text,
            // A series whose bars are coloured one by one (days below the target) shows its
            // own colour in the legend, not its first bar's, and what the other colour means.
            generateLabels: (made: Chart) =>
              Chart.defaults.plugins.legend.labels.generateLabels(made).flatMap((item) => {
                const series = chart.series[item.datasetIndex ?? -1];
                if (!series?.colors) return [item];
                const own = { ...item, fillStyle: series.color, strokeStyle: series.color };
                const other = series.otherColor;
                return other && series.colors.includes(other.color)
                  ? [
                      own,
                      {
                        ...own,
                        text: other.label,
                        fillStyle: other.color,
                        strokeStyle: other.color,
                      },
                    ]
                  : [own];
              }),
          },
        },
        tooltip: {
          callbacks: {
            label: (item) =>
              `${item.dataset.label ?? ""}: ${formatValue(item.parsed.y ?? null, chart.unit)}`,
          },
        },
      },
      scales: {
        // Hours and days may skip a label when narrow; a topic, reason or name is never left
        // unnamed.
        x: {
          stacked: chart.stacked ?? false,
          ticks: { autoSkip: chart.timeAxis ?? false, maxRotation: 0, color: ink.text },
          grid: { color: ink.grid },
        },
        y: {
          stacked: chart.stacked ?? false,
          beginAtZero: true,
          ...(chart.unit === "pct" ? { min: 0, max: 100 } : { grace: "8%" }),
          ticks,
          grid: { color: ink.grid },
        },
      },
    },
  } as ChartConfiguration;
}

const drawn = new Map<string, { chart: Chart; stamp: string }>();

/**
 * Draws each chart into its canvas `#analytics-<id>` and marks the canvas `data-drawn`, with its
 * value axis' ends as `data-axis` ("min/max"). A chart whose canvas, data and colours did not
 * change is left alone: the console redraws on every live update.
 */
export function drawAnalyticsCharts(charts: AnalyticsChart[]): void {
  for (const chart of charts) {
    const canvas = document.getElementById(`analytics-${chart.id}`) as HTMLCanvasElement | null;
    if (!canvas) continue;
    const style = getComputedStyle(canvas);
    const ink = {
      text: style.getPropertyValue("--muted").trim() || "#4a5261",
      grid: style.getPropertyValue("--border").trim() || "#c9ced8",
    };
    // About 7 px a character: a category's share of the width says how long its lines may be.
    const width = canvas.parentElement?.clientWidth ?? 600;
    const wrapAt = Math.max(6, Math.min(14, Math.floor(width / chart.labels.length / 7)));
    const stamp = JSON.stringify([chart.labels, chart.series, language(), ink, wrapAt]);
    const existing = drawn.get(chart.id);
    if (existing?.chart.canvas === canvas && existing.stamp === stamp) continue;
    existing?.chart.destroy();
    const made = new Chart(canvas, chartConfig(chart, ink, wrapAt));
    drawn.set(chart.id, { chart: made, stamp });
    // The value axis' ends, where anyone (a test) can check that every bar fits between them.
    canvas.dataset.axis = `${made.scales.y?.min}/${made.scales.y?.max}`;
    // And what its value ticks and its legend say, as drawn.
    canvas.dataset.ticks = (made.scales.y?.ticks ?? []).map((tick) => tick.label).join("|");
    canvas.dataset.legend = (made.legend?.legendItems ?? []).map((item) => item.text).join("|");
    canvas.dataset.drawn = "true";
  }
}
