import { html, nothing } from "lit-html";
import { DECLINE_REASON_CODES } from "../../../shared/commands.js";
import type { AlertView, FollowUpView, ManagerView } from "../../../shared/views.js";
import { formatTime, language, t } from "./i18n.js";
import type { StaffContext } from "./staff.js";
import { minutesAgo } from "./view.js";

/**
 * The manager console's follow-up list: visits an associate closed `resolved` that the customer
 * said were not, or only partly. Each waits for a manager to follow it up with a note; the
 * latest followed up are listed below it. Also what a manager's alert says about a follow-up or
 * about declines (in the page's language).
 */

/** What the last "Mark followed up" answered, shown at the top of the panel. */
let notice: { ok: boolean; text: string } | undefined;
/** Follow-ups whose "Mark followed up" is on its way: a second click must not send it again. */
const sending = new Set<string>();

const timeZoneOf = (v: ManagerView) => (v.settings as { timezone?: string } | null)?.timezone;

const entryId = (visitId: string) => `follow-up-${visitId}`;

/** A follow-up's topic in the page's language, where the store named the topic so. */
function topicName(v: ManagerView, f: FollowUpView): string {
  const topic = v.topics.find((x) => x.name === f.topicName);
  return topic?.names?.[language()] ?? f.topicName;
}

/** Brings a follow-up's entry into view with its note field ready (the alert's action). */
export function openFollowUp(visitId: string): void {
  const entry = document.getElementById(entryId(visitId));
  entry?.scrollIntoView({ block: "center" });
  entry?.querySelector<HTMLInputElement>("input[name=note]")?.focus();
}

/** A decline's reason as the manager reads it: a known code in their language, else its words. */
export function declineReasonText(reason: string): string {
  if ((DECLINE_REASON_CODES as readonly string[]).includes(reason)) return t(`reason.${reason}`);
  return reason === "" ? t("manager.noReason") : reason;
}

/** The lines an alert adds about its follow-up (who said what) or its declines (who, why). */
export function alertDetails(a: AlertView) {
  if (a.followUp) {
    const f = a.followUp;
    return html`<p class="alert-note" data-follow-up-said=${f.satisfaction}>
      ${f.customerName ? html`${f.customerName} · ` : nothing}${t("followUp.said", { answer: t(`visit.sat.${f.satisfaction}`) })}${f.comment ? html` · “${f.comment}”` : nothing}
    </p>`;
  }
  if (a.declines.length === 0) return nothing;
  return html`<ul class="alert-note declines" aria-label=${t("manager.declines")}>
    ${a.declines.map(
      (d) =>
        html`<li data-decliner=${d.associateId} data-reason=${d.reason}>${d.associateName ?? d.associateId}: ${declineReasonText(d.reason)}</li>`,
    )}
  </ul>`;
}

export function followUpsPanel(v: ManagerView, ctx: StaffContext) {
  const open = v.followUps;
  return html`<section class="follow-ups-panel" aria-labelledby="follow-ups-title">
    <div class="row panel-head">
      <h2 id="follow-ups-title" tabindex="-1">${t("followUp.title", { count: open.length })}</h2>
    </div>
    ${
      notice
        ? notice.ok
          ? html`<p class="override-notice ok" role="status">${notice.text}</p>`
          : html`<p class="override-notice danger" role="alert">${notice.text}</p>`
        : nothing
    }
    ${
      open.length === 0
        ? html`<p class="muted">${t("followUp.none")}</p>`
        : html`<ul class="alerts follow-ups">${open.map((f) => openEntry(v, ctx, f))}</ul>`
    }
    ${
      v.followedUp.length === 0
        ? nothing
        : html`<h3>${t("followUp.recent")}</h3>
          <ul class="follow-ups-done">${v.followedUp.map((f) => doneEntry(v, f))}</ul>`
    }
  </section>`;
}

function openEntry(v: ManagerView, ctx: StaffContext, f: FollowUpView) {
  const noteId = `${entryId(f.visitId)}-note`;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (sending.has(f.visitId)) return;
    const form = e.target as HTMLFormElement;
    const note = String(new FormData(form).get("note") ?? "").trim();
    if (!note) {
      // Spaces pass the field's `required`: say what is missing rather than do nothing.
      notice = { ok: false, text: t("followUp.noteEmpty", { code: f.code }) };
      ctx.redraw();
      form.querySelector<HTMLInputElement>("input[name=note]")?.focus();
      return;
    }
    sending.add(f.visitId);
    ctx.redraw();
    const ok = await ctx.send("follow-up:done", { visitId: f.visitId, note });
    sending.delete(f.visitId);
    notice = ok
      ? { ok, text: t("followUp.marked", { code: f.code }) }
      : { ok, text: t("manager.notDone") };
    if (ok) form.reset();
    ctx.redraw();
    // The entry is gone: a keyboard goes on to the next one's note, or to the list's heading,
    // not back to the top of the page.
    if (ok)
      requestAnimationFrame(() =>
        (
          document.querySelector<HTMLElement>(".follow-ups input[name=note]") ??
          document.getElementById("follow-ups-title")
        )?.focus(),
      );
  };
  return html`<li class="card alert-item" id=${entryId(f.visitId)} data-follow-up=${f.visitId}>
    <p class="alert-what"><strong class="code">${f.code}</strong> · ${topicName(v, f)}${f.customerName ? ` · ${f.customerName}` : ""}
      <small class="muted"> · ${t("manager.ago", { minutes: minutesAgo(f.at, ctx.now()) })}</small></p>
    <p>${t("followUp.said", { answer: t(`visit.sat.${f.satisfaction}`) })}${f.comment ? html` · <span class="comment">“${f.comment}”</span>` : nothing}</p>
    <p class="muted">${t("followUp.resolvedBy", { name: f.associateName ?? f.associateId ?? "—" })}</p>
    <form class="row" @submit=${submit}>
      <label for=${noteId}>${t("followUp.note")}</label>
      <input id=${noteId} name="note" required maxlength="1000" autocomplete="off" />
      <button class="primary" type="submit" ?disabled=${sending.has(f.visitId)}>${t("followUp.mark")}</button>
    </form>
  </li>`;
}

function doneEntry(v: ManagerView, f: FollowUpView) {
  const done = f.done;
  if (!done) return nothing;
  return html`<li data-followed-up=${f.visitId}>
    <strong class="code">${f.code}</strong>${f.customerName ? ` · ${f.customerName}` : ""} ·
    ${t("followUp.doneBy", { name: done.byName ?? done.by ?? "—", time: formatTime(done.at, timeZoneOf(v)) })}:
    <span class="comment">${done.note}</span>
  </li>`;
}
