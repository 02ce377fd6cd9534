import { html, nothing } from "lit-html";
import type { StoreSettingsInput } from "../../../shared/settings.js";
import type { ManagerView } from "../../../shared/views.js";
import {
  type AnalyticsChart,
  analyticsCharts,
  formatDay,
  formatValue,
  minutes,
  staffingChart,
} from "./analytics-charts.js";
import { type DayRange, PRESETS, type Preset, isDay, presetRange } from "./analytics-range.js";
import {
  BREAKDOWNS,
  type Breakdown,
  type Reports,
  type StaffingReport,
} from "./analytics-report.js";
import { language, t } from "./i18n.js";
import type { StaffContext } from "./staff.js";

/**
 * The console's analytics view (issue 12, points 3 to 5): a range of the store's days (today,
 * 7 days, 4 weeks, or from–to), charts of arrivals and waits, service times, abandonment,
 * quoted against actual waits, outcome against satisfaction, kudos, and the staffing advisor,
 * each with its table and a CSV download. Loaded from the analytics API when opened, never on
 * every live update of the console.
 */

/** The longest range the API answers (server/transport/http/analytics.ts MAX_RANGE_DAYS). */
const MAX_RANGE_DAYS = 400;

type Load<T> =
  | { state: "idle" }
  | { state: "loading" }
  | { state: "error"; message: string }
  | { state: "ready"; data: T };

let open = false;
let preset: Preset = "week";
let range: DayRange | undefined;
let customError = "";
let reports: Load<Reports> = { state: "idle" };
let staffing: Load<StaffingReport> = { state: "idle" };
let weekday: number | undefined;
let csvError = "";
/** Answers to a range the manager has since moved away from are dropped. */
let requestSeq = 0;
let charts: { of: Reports; language: string; list: AnalyticsChart[] } | undefined;

const timeZoneOf = (v: ManagerView) => (v.settings as Partial<StoreSettingsInput> | null)?.timezone;

/** What a failed request says to the manager: never the server's developer message. */
function failure(status: number): string {
  if (status === 401 || status === 403) return t("analytics.signInAgain");
  return t("analytics.loadFailed");
}

async function getJson<T>(ctx: StaffContext, path: string): Promise<Load<T>> {
  try {
    const response = await fetch(`/api/stores/${encodeURIComponent(ctx.storeId)}${path}`, {
      headers: { authorization: `Bearer ${ctx.token()}` },
    });
    if (!response.ok) return { state: "error", message: failure(response.status) };
    return { state: "ready", data: (await response.json()) as T };
  } catch {
    return { state: "error", message: t("analytics.loadFailed") };
  }
}

const query = (r: DayRange, by: Breakdown) => `/analytics?from=${r.from}&to=${r.to}&by=${by}`;

async function load(ctx: StaffContext, next: DayRange): Promise<void> {
  const seq = ++requestSeq;
  range = next;
  reports = { state: "loading" };
  ctx.redraw();
  const answers = await Promise.all(
    BREAKDOWNS.map((by) => getJson<Reports[Breakdown]>(ctx, query(next, by))),
  );
  if (seq !== requestSeq) return;
  const failed = answers.find((a) => a.state === "error");
  if (failed?.state === "error") reports = failed;
  else
    reports = {
      state: "ready",
      data: Object.fromEntries(
        BREAKDOWNS.map((by, i) => {
          const answer = answers[i];
          return [by, answer?.state === "ready" ? answer.data : undefined];
        }),
      ) as Reports,
    };
  ctx.redraw();
}

async function loadStaffing(ctx: StaffContext): Promise<void> {
  staffing = { state: "loading" };
  ctx.redraw();
  staffing = await getJson<StaffingReport>(ctx, "/staffing?weeks=8");
  ctx.redraw();
}

/**
 * Downloads a breakdown, or the range's visits one per row, as the API's CSV (the bearer token
 * cannot ride on a plain link).
 */
async function downloadCsv(ctx: StaffContext, by: Breakdown | "visits"): Promise<void> {
  if (!range) return;
  csvError = "";
  try {
    const path = by === "visits" ? `/visits?from=${range.from}&to=${range.to}` : query(range, by);
    const response = await fetch(
      `/api/stores/${encodeURIComponent(ctx.storeId)}${path}&format=csv`,
      { headers: { authorization: `Bearer ${ctx.token()}` } },
    );
    // The store keeps single visits a week: an older range is refused.
    if (by === "visits" && response.status === 400) {
      csvError = t("analytics.csvVisitsTooOld");
      ctx.redraw();
      return;
    }
    if (!response.ok) throw new Error(String(response.status));
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download =
      by === "visits"
        ? `visits-${ctx.storeId}-${range.from}-${range.to}.csv`
        : `analytics-${ctx.storeId}-${range.from}-${range.to}-${by}.csv`;
    link.click();
    URL.revokeObjectURL(link.href);
  } catch {
    csvError = t("analytics.csvFailed");
  }
  ctx.redraw();
}

function choosePreset(ctx: StaffContext, v: ManagerView, next: Preset): void {
  preset = next;
  customError = "";
  if (next === "custom") {
    ctx.redraw();
    return;
  }
  void load(ctx, presetRange(next, ctx.now(), timeZoneOf(v)));
}

function submitCustom(ctx: StaffContext, event: Event): void {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  const from = String(form.get("from") ?? "");
  const to = String(form.get("to") ?? "");
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
  customError =
    !isDay(from) || !isDay(to)
      ? t("analytics.customInvalid")
      : days < 0
        ? t("analytics.customOrder")
        : days >= MAX_RANGE_DAYS
          ? t("analytics.customTooLong", { days: MAX_RANGE_DAYS })
          : "";
  if (customError) ctx.redraw();
  else void load(ctx, { from, to });
}

/**
 * The analytics view, collapsed until the manager opens it. Each opening loads the range again:
 * the figures are not pushed live, and a console stays open all day.
 */
export function analyticsView(v: ManagerView, ctx: StaffContext) {
  const onToggle = (event: Event) => {
    open = (event.target as HTMLDetailsElement).open;
    if (!open) return;
    if (preset !== "custom") choosePreset(ctx, v, preset);
    else if (range) void load(ctx, range);
    if (staffing.state === "idle" || staffing.state === "error") void loadStaffing(ctx);
  };
  return html`<details class="card analytics" ?open=${open} @toggle=${onToggle}>
    <summary><h2 id="analytics-title">${t("analytics.title")}</h2></summary>
    ${open ? body(v, ctx) : nothing}
  </details>`;
}

function body(v: ManagerView, ctx: StaffContext) {
  const zone = timeZoneOf(v) ?? "";
  return html`<div class="analytics-body">
    ${rangePicker(v, ctx)}
    <p class="muted" data-range=${range ? `${range.from}/${range.to}` : ""}>
      ${range ? t("analytics.rangeShown", { from: formatDay(range.from), to: formatDay(range.to), zone }) : ""}
    </p>
    ${reportBody(v, ctx)}
    ${staffingPanel(ctx, v)}
  </div>`;
}

function rangePicker(v: ManagerView, ctx: StaffContext) {
  return html`<form class="analytics-range" @submit=${(e: Event) => submitCustom(ctx, e)}>
    <fieldset>
      <legend>${t("analytics.range")}</legend>
      <div class="row">
        ${PRESETS.map(
          (p) => html`<label class="preset">
            <input type="radio" name="preset" value=${p} .checked=${preset === p}
              @change=${() => choosePreset(ctx, v, p)} />
            ${t(`analytics.preset.${p}`)}
          </label>`,
        )}
      </div>
      ${
        preset === "custom"
          ? html`<div class="row analytics-custom">
            <div><label for="analytics-from">${t("analytics.from")}</label>
              <input id="analytics-from" name="from" type="date" required .value=${range?.from ?? ""} /></div>
            <div><label for="analytics-to">${t("analytics.to")}</label>
              <input id="analytics-to" name="to" type="date" required .value=${range?.to ?? ""} /></div>
            <button type="submit" class="primary">${t("analytics.show")}</button>
          </div>`
          : nothing
      }
      ${customError ? html`<p class="override-notice danger" role="alert">${customError}</p>` : nothing}
    </fieldset>
  </form>`;
}

function reportBody(v: ManagerView, ctx: StaffContext) {
  if (reports.state === "idle") return nothing;
  if (reports.state === "loading")
    return html`<p role="status" class="analytics-status" data-analytics="loading">${t("analytics.loading")}</p>`;
  if (reports.state === "error")
    return html`<div role="alert" class="analytics-status" data-analytics="error">
      <p>${reports.message}</p>
      <button @click=${() => range && void load(ctx, range)}>${t("analytics.retry")}</button>
    </div>`;
  const data = reports.data;
  if (charts?.of !== data || charts.language !== language())
    charts = {
      of: data,
      language: language(),
      list: analyticsCharts(
        data,
        (id, label) => v.topics.find((x) => x.id === id)?.names?.[language()] ?? label,
      ),
    };
  const list = charts.list;
  const pick = (...ids: string[]) => list.filter((c) => ids.includes(c.id));
  draw(list);
  const day = data.day;
  const since = day.countedSince;
  return html`<div data-analytics="ready">
    ${
      since === null
        ? html`<p class="muted">${t("analytics.nothingCounted")}</p>`
        : range && range.from < since
          ? html`<p class="muted">${t("analytics.countedSince", { day: formatDay(since) })}</p>`
          : nothing
    }
    <h3>${t("analytics.trafficTitle")}</h3>
    <div class="analytics-charts">${pick("arrivals-by-hour", "waits-by-hour", "service-by-topic", "abandonment-by-day", "declines-by-reason").map(figure)}</div>
    <h3>${t("analytics.quoteTitle")}</h3>
    ${quoteOverview(data)}
    <div class="analytics-charts">${pick("quote-by-day", "quote-by-hour", "quote-by-topic", "misses-by-hour", "misses-by-day").map(figure)}</div>
    <h3>${t("analytics.satisfactionTitle")}</h3>
    <div class="analytics-charts">${pick("outcome-satisfaction", "kudos-by-associate").map(figure)}</div>
    <h3>${t("analytics.csvTitle")}</h3>
    <div class="row analytics-csv">
      ${(["day", "hour", "topic", "associate", "visits"] as const).map(
        (by) =>
          html`<button data-csv=${by} @click=${() => downloadCsv(ctx, by)}>${t(`analytics.csv.${by}`)}</button>`,
      )}
    </div>
    ${csvError ? html`<p class="override-notice danger" role="alert">${csvError}</p>` : nothing}
  </div>`;
}

/** Point 4: the target, the range's share kept, how late the misses were, the days below. */
function quoteOverview(data: Reports) {
  const { total, quoteTargetPct, daysBelowTarget } = data.day;
  return html`<div class="quote-overview card">
    <p data-target=${quoteTargetPct}>${t("analytics.targetIs", { target: quoteTargetPct })}</p>
    <p data-quote-total=${total.quoteInsidePct ?? ""}>${
      total.quoteInsidePct === null
        ? t("analytics.noQuotes")
        : t("analytics.quoteTotal", {
            inside: formatValue(total.quoteInsidePct, "pct"),
            count: total.quoteInside,
            quoted: total.quoteInside + total.quoteBelow + total.quoteAbove,
          })
    }</p>
    ${
      total.quoteOverAvgSec === null
        ? nothing
        : html`<p>${t("analytics.lateTotal", {
            late: formatValue(minutes(total.quoteOverAvgSec), "min"),
            p90: formatValue(minutes(total.quoteOverP90Sec), "min"),
          })}</p>`
    }
    <h4 id="below-target-title">${t("analytics.daysBelow", { target: quoteTargetPct })}</h4>
    ${
      daysBelowTarget.length === 0
        ? html`<p class="muted" data-below-target="none">${t("analytics.noDaysBelow")}</p>`
        : html`<ul class="below-target" aria-labelledby="below-target-title">
          ${daysBelowTarget.map((d) => {
            // The share is of those told a wait, not of all served: say both counts it is of.
            const row = data.day.rows.find((r) => r.key === d.day);
            const quoted = d.quoted;
            const inside = row?.quoteInside ?? Math.round(((d.quoteInsidePct ?? 0) * quoted) / 100);
            return html`<li data-day=${d.day}>
              <strong>${formatDay(d.day)}</strong>: ${t("analytics.dayBelow", { pct: formatValue(d.quoteInsidePct, "pct"), inside, quoted })}
            </li>`;
          })}
        </ul>`
    }
  </div>`;
}

function staffingPanel(ctx: StaffContext, v: ManagerView) {
  const head = html`<h3>${t("analytics.staffingHeading")}</h3>`;
  if (staffing.state === "idle") return nothing;
  if (staffing.state === "loading")
    return html`${head}<p role="status" data-staffing="loading">${t("analytics.loading")}</p>`;
  if (staffing.state === "error")
    return html`${head}<div role="alert" data-staffing="error"><p>${staffing.message}</p>
      <button @click=${() => loadStaffing(ctx)}>${t("analytics.retry")}</button></div>`;
  const report = staffing.data;
  if (report.hours.length === 0)
    return html`${head}<p class="muted" data-staffing="none">${t("analytics.staffingNone", {
      from: formatDay(report.from),
      to: formatDay(report.to),
    })}</p>`;
  // The store's weekday today (ISO 1 = Monday) until the manager picks another.
  const todayWeekday = (() => {
    const day = presetRange("today", ctx.now(), timeZoneOf(v)).to;
    return ((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
  })();
  const shown = weekday ?? todayWeekday;
  const names = new Intl.DateTimeFormat(language(), { weekday: "long", timeZone: "UTC" });
  // 2024-01-01 was a Monday: day n of the ISO week is that date plus n - 1.
  const weekdayName = (n: number) => names.format(Date.UTC(2024, 0, n));
  const advice = staffingChart(report, shown);
  // The summary says which weekday it is about: the picker is not part of the chart.
  const chart = { ...advice, summary: `${weekdayName(shown)}: ${advice.summary}` };
  draw([chart]);
  return html`${head}
    <div class="row">
      <label for="staffing-weekday">${t("analytics.weekday")}</label>
      <select id="staffing-weekday" class="weekday" @change=${(e: Event) => {
        weekday = Number((e.target as HTMLSelectElement).value);
        ctx.redraw();
      }}>
        ${[1, 2, 3, 4, 5, 6, 7].map((n) => html`<option value=${n} ?selected=${n === shown}>${weekdayName(n)}</option>`)}
      </select>
    </div>
    <div class="analytics-charts" data-staffing="ready">${figure(chart)}</div>`;
}

/** A chart with its title, its summary for screen readers, and its values as a table. */
function figure(chart: AnalyticsChart) {
  const tableId = `analytics-${chart.id}-table`;
  return html`<figure class="card chart analytics-chart" data-chart=${chart.id}>
    <figcaption>${chart.title}</figcaption>
    ${
      chart.labels.length === 0
        ? html`<p class="muted">${t("analytics.noData")}</p>`
        : html`<div class="chart-box"><canvas id=${`analytics-${chart.id}`} role="img" aria-label=${`${chart.title}. ${chart.summary}`}></canvas></div>`
    }
    ${
      chart.labels.length === 0
        ? nothing
        : html`<details class="chart-table">
      <summary>${t("analytics.asTable")}<span class="visually-hidden">: ${chart.title}</span></summary>
      <div class="table-scroll" role="region" tabindex="0" aria-labelledby=${tableId}>
        <table>
          <caption id=${tableId} class="visually-hidden">${chart.title}</caption>
          <thead><tr><th scope="col">${chart.axis}</th>${chart.series.map((s) => html`<th scope="col">${s.label}</th>`)}</tr></thead>
          <tbody>
            ${chart.labels.map(
              (label, i) =>
                html`<tr><th scope="row">${label}</th>${chart.series.map(
                  (s) => html`<td>${formatValue(s.data[i] ?? null, chart.unit)}</td>`,
                )}</tr>`,
            )}
          </tbody>
        </table>
      </div>
    </details>`
    }
  </figure>`;
}

/** Draws charts once their canvases exist; chart.js comes with the first drawing, not the page. */
function draw(charts: AnalyticsChart[]): void {
  void import("./analytics-draw.js").then(({ drawAnalyticsCharts }) => drawAnalyticsCharts(charts));
}
