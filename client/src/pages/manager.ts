import { html } from "lit-html";
import type { ManagerView } from "../../../shared/views.js";
import { drawCharts, todayCharts } from "../lib/charts.js";
import { t } from "../lib/i18n.js";
import { settingsPanel } from "../lib/settings-panel.js";
import { type StaffContext, startStaffPage } from "../lib/staff.js";
import "../lib/styles.css";
import "./staff.css";

/**
 * The manager console: everything a tablet shows, plus the live board (stats, alerts with what
 * to do about them), overrides (reassign, priority, intake) and today's visits with a CSV export.
 */

function board(v: ManagerView, ctx: StaffContext) {
  const s = v.stats;
  return html`<section aria-labelledby="board-title">
      <h2 id="board-title">${t("manager.board")}</h2>
      <div class="stats">
        ${stat(t("manager.available"), s.availableAssociates)} ${stat(t("manager.eligible"), s.eligibleAssociates)}
        ${stat(t("manager.longest"), t("staff.minutes", { minutes: s.longestWaitMin }))}
        ${stat(t("status.expected"), s.visitsByStatus.expected ?? 0)} ${stat(t("status.waiting"), s.visitsByStatus.waiting ?? 0)}
        ${stat(t("status.offered"), s.visitsByStatus.offered ?? 0)} ${stat(t("status.serving"), s.visitsByStatus.serving ?? 0)}
        ${stat(t("manager.offers15"), `${s.offers.accepted}/${s.offers.created}`)}
        ${stat(t("manager.declined15"), s.offers.declined)} ${stat(t("manager.expired15"), s.offers.expired)}
      </div>
      <div class="row">
        ${
          v.open
            ? html`<button class="danger" @click=${() => ctx.send("intake:pause", {})}>${t("manager.pauseIntake")}</button>`
            : html`<span class="badge warn">${t("manager.intakePaused")}</span>
              <button class="primary" @click=${() => ctx.send("intake:resume", {})}>${t("manager.resumeIntake")}</button>`
        }
      </div>
    </section>
    <section aria-labelledby="alerts-title">
      <h2 id="alerts-title">${t("manager.alerts", { count: v.alerts.length })}</h2>
      <ul class="alerts">
        ${v.alerts.map(
          (a) => html`<li class="card" data-alert=${a.kind}>
            <strong>${t(`alert.${a.kind}`)}</strong> ${a.code ?? ""} ${a.associateId ? `· ${a.associateId}` : ""}
            ${a.note ? html`<p>${a.note}</p>` : ""}
            <div class="row">
              ${
                a.visitId !== null && a.kind === "sla"
                  ? html`<button @click=${() => ctx.send("visit:set-priority", { visitId: a.visitId ?? "", priority: 9 })}>${t("manager.prioritize")}</button>`
                  : ""
              }
              <button @click=${() => ctx.send("alert:resolve", { alertId: a.alertId })}>${t("manager.resolve")}</button>
            </div>
          </li>`,
        )}
      </ul>
    </section>
    <section aria-labelledby="overrides-title">
      <h2 id="overrides-title">${t("manager.overrides")}</h2>
      <form class="row" @submit=${(e: Event) => {
        e.preventDefault();
        const form = new FormData(e.target as HTMLFormElement);
        const visitId = String(form.get("visit"));
        const to = String(form.get("to"));
        void ctx.send("visit:reassign", { visitId, ...(to ? { toAssociateId: to } : {}) });
      }}>
        <label for="reassign-visit" class="visually-hidden">${t("manager.visit")}</label>
        <select id="reassign-visit" name="visit" required>${v.line.map((x) => html`<option value=${x.visitId}>${x.code} · ${x.topicName}</option>`)}</select>
        <label for="reassign-to" class="visually-hidden">${t("manager.to")}</label>
        <select id="reassign-to" name="to"><option value="">${t("manager.anyone")}</option>${[v.me, ...v.colleagues].map((c) => html`<option value=${c.id}>${c.name}</option>`)}</select>
        <button type="submit">${t("manager.reassign")}</button>
      </form>
      <form class="row" @submit=${(e: Event) => {
        e.preventDefault();
        const form = new FormData(e.target as HTMLFormElement);
        void ctx.send("visit:set-priority", {
          visitId: String(form.get("visit")),
          priority: Number(form.get("priority")),
        });
      }}>
        <label for="priority-visit" class="visually-hidden">${t("manager.visit")}</label>
        <select id="priority-visit" name="visit" required>${v.line.filter((x) => x.status !== "serving").map((x) => html`<option value=${x.visitId}>${x.code} · ${x.topicName}</option>`)}</select>
        <label for="priority" class="visually-hidden">${t("manager.priority")}</label>
        <select id="priority" name="priority">${[0, 1, 2, 5, 9].map((p) => html`<option value=${p}>${t("manager.priorityN", { p })}</option>`)}</select>
        <button type="submit">${t("manager.setPriority")}</button>
      </form>
    </section>
    <section aria-labelledby="today-title">
      <h2 id="today-title">${t("manager.today", { count: v.recent.length })}</h2>
      <button @click=${() => exportCsv(v)}>${t("manager.csv")}</button>
      <table>
        <thead><tr><th scope="col">${t("staff.code")}</th><th scope="col">${t("staff.need")}</th><th scope="col">${t("manager.by")}</th><th scope="col">${t("manager.outcome")}</th><th scope="col">${t("manager.feedback")}</th></tr></thead>
        <tbody>
          ${v.recent.map(
            (r) => html`<tr data-visit=${r.visitId}>
              <td>${r.code}</td><td>${r.topicName}</td><td>${nameOf(v, r.associateId)}</td>
              <td>${r.outcome ? t(`outcome.${r.outcome}`) : t(`status.${r.status}`)}</td>
              <td>${r.feedback ? html`${t(`visit.sat.${r.feedback.satisfaction}`)}${r.feedback.kudos ? html` <span class="badge ok">${t("manager.kudos")}</span>` : ""}${r.feedback.comment ? html`<br /><small>${r.feedback.comment}</small>` : ""}` : "—"}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
}

function charts(v: ManagerView) {
  const specs = todayCharts(v);
  // The canvases exist once this template is rendered.
  queueMicrotask(() => drawCharts(specs));
  return html`<section aria-labelledby="charts-title">
    <h2 id="charts-title">${t("charts.title")}</h2>
    <div class="charts">
      ${specs.map(
        (spec) => html`<figure class="card chart">
          <figcaption>${spec.title}</figcaption>
          <div class="chart-box"><canvas id=${`chart-${spec.id}`} role="img" aria-label=${spec.summary}></canvas></div>
        </figure>`,
      )}
    </div>
  </section>`;
}

function nameOf(v: ManagerView, associateId: string | null): string {
  if (!associateId) return "";
  return [v.me, ...v.colleagues].find((c) => c.id === associateId)?.name ?? associateId;
}

function stat(label: string, value: string | number) {
  return html`<div class="card"><div class="muted">${label}</div><div class="stat">${value}</div></div>`;
}

function exportCsv(v: ManagerView): void {
  const quote = (x: unknown) => `"${String(x ?? "").replaceAll('"', '""')}"`;
  const rows = [
    [
      "code",
      "topic",
      "status",
      "outcome",
      "associate",
      "checked_in",
      "closed",
      "waited_min",
      "satisfaction",
      "kudos",
      "comment",
    ],
    ...v.recent.map((r) => [
      r.code,
      r.topicName,
      r.status,
      r.outcome,
      r.associateId,
      new Date(r.checkedInAt).toISOString(),
      r.closedAt ? new Date(r.closedAt).toISOString() : "",
      r.waitedMin,
      r.feedback?.satisfaction,
      r.feedback?.kudos,
      r.feedback?.comment,
    ]),
  ];
  const blob = new Blob([rows.map((row) => row.map(quote).join(",")).join("\n")], {
    type: "text/csv",
  });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `visits-${new Date().toISOString().slice(0, 10)}.csv`;
  a.click();
  URL.revokeObjectURL(a.href);
}

startStaffPage<ManagerView>({
  sessionKey: "undivided.manager.session",
  requireManager: true,
  extra: (v, ctx) => html`${board(v, ctx)} ${charts(v)} ${settingsPanel(v, ctx)}`,
});
