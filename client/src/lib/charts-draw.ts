import { Chart } from "./chart-setup.js";
import type { ChartSpec } from "./charts.js";

/**
 * Today's charts drawn with chart.js: loaded when the console first draws them, so the page's
 * first load does not carry chart.js (client/sizes.ts holds every page to its budget).
 */

const charts = new Map<string, Chart>();

/** Draws (or updates) each chart into its canvas `#chart-<id>`, once the canvases exist. */
export function drawCharts(specs: ChartSpec[]): void {
  for (const spec of specs) {
    const canvas = document.getElementById(`chart-${spec.id}`) as HTMLCanvasElement | null;
    if (!canvas) continue;
    const existing = charts.get(spec.id);
    if (existing && existing.canvas === canvas) {
      existing.data = spec.config.data;
      existing.update("none");
      continue;
    }
    existing?.destroy();
    charts.set(spec.id, new Chart(canvas, spec.config));
  }
}
