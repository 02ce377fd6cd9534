import { html, nothing } from "lit-html";
import type { AlertView, ManagerView, StaffVisit } from "../../../shared/views.js";
import { analyticsView } from "../lib/analytics-view.js";
import { todayCharts } from "../lib/charts.js";
import { alertDetails, followUpsPanel, openFollowUp } from "../lib/follow-ups.js";
import { t } from "../lib/i18n.js";
import { settingsPanel } from "../lib/settings-panel.js";
import { type StaffContext, startStaffPage, topicNameIn } from "../lib/staff.js";
import { minutesAgo, storeDateTime } from "../lib/view.js";
import "../lib/styles.css";
import "./staff.css";
import "./manager.css";

/**
 * The manager console: everything a tablet shows, plus open alerts (with what to do about them,
 * sounded once when new), the live board, overrides (reassign, priority, intake) and today's
 * visits with charts and a CSV export. On a desktop screen the line is on the left, alerts,
 * board and overrides on the right, today's visits below (manager.css places them).
 */

const SOUND_KEY = "undivided.manager.alertSound";
let alertSound = localStorage.getItem(SOUND_KEY) !== "off";
/** Alerts already seen: only an alert new since the console opened sounds. */
const seenAlerts = new Set<string>();
let alertsKnown = false;
let alertSounds = 0;
/** What the last override or alert action answered, shown next to it. */
let notice: { where: string; ok: boolean; text: string } | undefined;

document.body.classList.add("console");

function soundNewAlerts(v: ManagerView): void {
  const fresh = v.alerts.filter((a) => !seenAlerts.has(a.alertId));
  for (const a of fresh) seenAlerts.add(a.alertId);
  if (alertsKnown && fresh.length > 0 && alertSound) beep();
  alertsKnown = true;
}

let audio: AudioContext | undefined;

/** One short beep (the manager has touched the console by signing in, so it may play). */
function beep(): void {
  try {
    audio ??= new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.3, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.4);
    alertSounds++;
  } catch {
    // No audio on this device: the alert is still on the screen.
  }
}

const people = (v: ManagerView) => [v.me, ...v.colleagues];

function nameOf(v: ManagerView, associateId: string | null): string {
  if (!associateId) return "";
  return people(v).find((c) => c.id === associateId)?.name ?? associateId;
}

/** Sends an override and remembers what it answered, to be shown at `where`. */
async function act(
  ctx: StaffContext,
  where: string,
  send: () => Promise<boolean>,
  success: string,
): Promise<boolean> {
  const ok = await send();
  notice = { where, ok, text: ok ? success : t("manager.notDone") };
  ctx.redraw();
  return ok;
}

function noticeAt(where: string) {
  if (notice?.where !== where) return nothing;
  return notice.ok
    ? html`<p class="override-notice ok" role="status">${notice.text}</p>`
    : html`<p class="override-notice danger" role="alert">${notice.text}</p>`;
}

function alertsPanel(v: ManagerView, ctx: StaffContext) {
  return html`<section class="alerts-panel" aria-labelledby="alerts-title" data-alert-sounds=${alertSounds}>
    <div class="row panel-head">
      <h2 id="alerts-title">${t("manager.alerts", { count: v.alerts.length })}</h2>
      <button class="sound" aria-pressed=${alertSound} @click=${() => {
        alertSound = !alertSound;
        localStorage.setItem(SOUND_KEY, alertSound ? "on" : "off");
        ctx.redraw();
      }}>${t("manager.alertSound")}</button>
    </div>
    ${noticeAt("alerts")}
    ${
      v.alerts.length === 0
        ? html`<p class="muted">${t("manager.noAlerts")}</p>`
        : html`<ul class="alerts">${v.alerts.map((a) => alertItem(v, ctx, a))}</ul>`
    }
  </section>`;
}

function alertItem(v: ManagerView, ctx: StaffContext, a: AlertView) {
  const visit = a.visitId ? v.line.find((x) => x.visitId === a.visitId) : undefined;
  const who = a.associateName ?? (a.associateId ? nameOf(v, a.associateId) : "");
  const customer = visit?.name ? visit.name : "";
  const code = a.code ?? "";
  const action = (kind: AlertView["actions"][number]) => {
    const visitId = a.visitId ?? "";
    switch (kind) {
      case "serve_next":
        return html`<button class="primary" @click=${() =>
          act(
            ctx,
            "alerts",
            () => ctx.send("visit:set-priority", { visitId, priority: 9 }),
            t("manager.servedNext", { code }),
          )}>${t("manager.prioritize")}</button>`;
      case "bring_back":
        return html`<button @click=${() =>
          act(
            ctx,
            "alerts",
            () => ctx.send("visit:bring-back", { visitId }),
            t("manager.broughtBack", { code }),
          )}>${t("manager.bringBack")}</button>`;
      case "reassign":
        return html`<button @click=${() =>
          act(
            ctx,
            "alerts",
            () => ctx.send("visit:reassign", { visitId }),
            t("manager.reassignedAnyone", { code }),
          )}>${t("manager.giveToSomeoneElse")}</button>`;
      case "open_follow_up":
        return html`<button class="primary" @click=${() => openFollowUp(visitId)}>${t("manager.openFollowUp")}</button>`;
      case "resolve":
        return html`<button @click=${() =>
          act(
            ctx,
            "alerts",
            () => ctx.send("alert:resolve", { alertId: a.alertId }),
            t("manager.alertResolved"),
          )}>${
          // A follow-up's alert only goes from view: the visit stays on the follow-up list.
          a.kind === "follow_up_needed" ? t("manager.dismissAlert") : t("manager.resolve")
        }</button>`;
    }
  };
  return html`<li class="card alert-item" data-alert=${a.kind}>
    <p class="alert-what"><strong>${t(`alert.${a.kind}`)}</strong>
      ${code ? html` · <span class="code">${code}</span>` : nothing}${customer ? ` · ${customer}` : ""}${who ? ` · ${who}` : ""}
      <small class="muted"> · ${t("manager.ago", { minutes: minutesAgo(a.at, ctx.now()) })}</small></p>
    ${
      // What an associate wrote when calling; the server's own notes repeat the title, code and
      // names above, in English.
      a.kind === "manager_called" && a.note ? html`<p class="alert-note">${a.note}</p>` : nothing
    }
    ${alertDetails(a)}
    <div class="row">${a.actions.map(action)}</div>
  </li>`;
}

function board(v: ManagerView, ctx: StaffContext) {
  const s = v.stats;
  return html`<section aria-labelledby="board-title">
      <div class="row panel-head">
        <h2 id="board-title">${t("manager.board")}</h2>
        ${
          v.open
            ? html`<button class="danger" @click=${() => ctx.send("intake:pause", {})}>${t("manager.pauseIntake")}</button>`
            : html`<span class="badge warn">${t("manager.intakePaused")}</span>
              <button class="primary" @click=${() => ctx.send("intake:resume", {})}>${t("manager.resumeIntake")}</button>`
        }
      </div>
      <div class="stats">
        ${stat(t("manager.available"), s.availableAssociates)} ${stat(t("manager.eligible"), s.eligibleAssociates)}
        ${stat(t("manager.longest"), t("staff.minutes", { minutes: s.longestWaitMin }))}
        ${stat(t("status.expected"), s.visitsByStatus.expected ?? 0)} ${stat(t("status.waiting"), s.visitsByStatus.waiting ?? 0)}
        ${stat(t("status.offered"), s.visitsByStatus.offered ?? 0)} ${stat(t("status.serving"), s.visitsByStatus.serving ?? 0)}
        ${stat(t("manager.offers15"), `${s.offers.accepted}/${s.offers.created}`)}
        ${stat(t("manager.declined15"), s.offers.declined)} ${stat(t("manager.expired15"), s.offers.expired)}
      </div>
    </section>`;
}

const visitLabel = (v: ManagerView, x: StaffVisit) =>
  `${x.code} · ${topicNameIn(v, x)}${x.name ? ` · ${x.name}` : ""} (${t(`status.${x.status}`)})`;

function overrides(v: ManagerView, ctx: StaffContext) {
  const reassignable = v.line.filter((x) => x.status !== "expected");
  const prioritizable = v.line.filter((x) => x.status !== "serving");
  const reassign = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const visit = v.line.find((x) => x.visitId === data.get("visit"));
    const to = people(v).find((c) => c.id === data.get("to"));
    if (!visit) return;
    const success = !to
      ? t("manager.reassignedAnyone", { code: visit.code })
      : to.presence === "available" && to.connected
        ? t("manager.reassignedTo", { code: visit.code, name: to.name })
        : t("manager.reassignedToAbsent", {
            code: visit.code,
            name: to.name,
            presence: t(`presence.${to.presence}`),
          });
    const ok = await act(
      ctx,
      "reassign",
      () =>
        ctx.send("visit:reassign", {
          visitId: visit.visitId,
          ...(to ? { toAssociateId: to.id } : {}),
        }),
      success,
    );
    // A choice made for one customer is not left standing for the next.
    if (ok) form.reset();
  };
  const prioritize = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const visit = v.line.find((x) => x.visitId === data.get("visit"));
    const priority = Number(data.get("priority"));
    if (!visit) return;
    const ok = await act(
      ctx,
      "priority",
      () => ctx.send("visit:set-priority", { visitId: visit.visitId, priority }),
      t("manager.prioritySet", { code: visit.code, p: priority }),
    );
    if (ok) form.reset();
  };
  return html`<section aria-labelledby="overrides-title">
    <h2 id="overrides-title">${t("manager.overrides")}</h2>
    <form class="card override" aria-label=${t("manager.reassign")} @submit=${reassign}>
      <div>
        <label for="reassign-visit">${t("manager.visit")}</label>
        <select id="reassign-visit" name="visit" required>
          <option value="">${t("manager.chooseVisit")}</option>
          ${reassignable.map((x) => html`<option value=${x.visitId}>${visitLabel(v, x)}</option>`)}
        </select>
      </div>
      <div>
        <label for="reassign-to">${t("manager.to")}</label>
        <select id="reassign-to" name="to">
          <option value="">${t("manager.anyone")}</option>
          ${people(v).map((c) => html`<option value=${c.id}>${c.name} (${t(`presence.${c.presence}`)})</option>`)}
        </select>
      </div>
      <button type="submit">${t("manager.reassign")}</button>
      ${noticeAt("reassign")}
    </form>
    <form class="card override" aria-label=${t("manager.setPriority")} @submit=${prioritize}>
      <div>
        <label for="priority-visit">${t("manager.visit")}</label>
        <select id="priority-visit" name="visit" required>
          <option value="">${t("manager.chooseVisit")}</option>
          ${prioritizable.map((x) => html`<option value=${x.visitId}>${visitLabel(v, x)}</option>`)}
        </select>
      </div>
      <div>
        <label for="priority">${t("manager.priority")}</label>
        <select id="priority" name="priority">${[0, 1, 2, 5, 9].map((p) => html`<option value=${p}>${t("manager.priorityN", { p })}</option>`)}</select>
      </div>
      <button type="submit">${t("manager.setPriority")}</button>
      ${noticeAt("priority")}
    </form>
  </section>`;
}

function today(v: ManagerView, ctx: StaffContext) {
  return html`<section aria-labelledby="today-title">
      <div class="row panel-head">
        <h2 id="today-title">${t("manager.today", { count: v.recent.length })}</h2>
        <button @click=${() => exportCsv(v, ctx)}>${t("manager.csv")}</button>
      </div>
      ${noticeAt("today")}
      <table class="today">
        <thead><tr><th scope="col">${t("staff.code")}</th><th scope="col">${t("staff.need")}</th><th scope="col">${t("manager.by")}</th><th scope="col">${t("manager.outcome")}</th><th scope="col">${t("manager.feedback")}</th></tr></thead>
        <tbody>
          ${v.recent.map(
            (r) => html`<tr data-visit=${r.visitId}>
              <td>${r.code}</td><td>${topicNameIn(v, r)}</td><td>${nameOf(v, r.associateId)}</td>
              <td>${r.outcome ? t(`outcome.${r.outcome}`) : t(`status.${r.status}`)}</td>
              <td>${r.feedback ? html`${t(`visit.sat.${r.feedback.satisfaction}`)}${r.feedback.kudos ? html` <span class="badge ok">${t("manager.kudos")}</span>` : ""}${r.feedback.comment ? html`<br /><small class="comment">${r.feedback.comment}</small>` : ""}` : "—"}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
}

function charts(v: ManagerView) {
  const specs = todayCharts(v);
  // The canvases exist once this template is rendered.
  // chart.js comes with the first drawing, not with the page.
  void import("../lib/charts-draw.js").then(({ drawCharts }) => drawCharts(specs));
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

function stat(label: string, value: string | number) {
  return html`<div class="card"><div class="muted">${label}</div><div class="stat">${value}</div></div>`;
}

const timeZoneOf = (v: ManagerView) => (v.settings as { timezone?: string } | null)?.timezone;

/**
 * Today's visits (the store's day) as the server's CSV (GET …/visits, docs/HTTP-API.md): UTF-8
 * with a byte-order mark, RFC 4180, store-local times, people by name, wait and service in
 * seconds. Fetched with the session (a plain link cannot carry it), then saved.
 */
async function exportCsv(v: ManagerView, ctx: StaffContext): Promise<void> {
  const zone = timeZoneOf(v) ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const day = storeDateTime(ctx.now(), zone).slice(0, 10);
  try {
    const response = await fetch(
      `/api/stores/${encodeURIComponent(ctx.storeId)}/visits?from=${day}&to=${day}&format=csv`,
      { headers: { authorization: `Bearer ${ctx.token()}` } },
    );
    if (!response.ok) throw new Error(String(response.status));
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await response.blob());
    a.download = `visits-${day}.csv`;
    a.click();
    URL.revokeObjectURL(a.href);
  } catch {
    notice = { where: "today", ok: false, text: t("analytics.csvFailed") };
    ctx.redraw();
  }
}

startStaffPage<ManagerView>({
  sessionKey: "undivided.manager.session",
  requireManager: true,
  extra: (v, ctx) => {
    soundNewAlerts(v);
    return html`<div class="console-side">${alertsPanel(v, ctx)} ${followUpsPanel(v, ctx)} ${board(v, ctx)} ${overrides(v, ctx)}</div>
      <div class="console-below">${today(v, ctx)} ${charts(v)} ${analyticsView(v, ctx)} ${settingsPanel(v, ctx)}</div>`;
  },
});
