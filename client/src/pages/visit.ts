import { html, render } from "lit-html";
import type { CustomerView } from "../../../shared/views.js";
import { holdReminderAt, isNear } from "../lib/customer-rules.js";
import { customerStatusBlock, describeCustomer } from "../lib/customer-status.js";
import {
  formatTime,
  languages,
  localized,
  preferredLanguage,
  setLanguage,
  t,
} from "../lib/i18n.js";
import { languageSwitch } from "../lib/language-switch.js";
import { type LinkState, Live, pageParams, requestId } from "../lib/live.js";
import { pushOptInButton } from "../lib/push.js";
import { type Refusal, refusalText } from "../lib/refusals.js";
import { linkBar } from "../lib/view.js";
import "../lib/styles.css";
import "./visit.css";

/**
 * The customer's own page (from the ticket's QR or the call-ahead link): code, place, range and
 * status, live; "I'm browsing" / "I'm ready", "I'm here" for call-ahead, leave; an alert (title,
 * vibration, an optional sound, a notification) when their turn is near and when someone comes,
 * and before a call-ahead's hold runs out; feedback afterwards, and a way to join again. In the
 * language they chose (here, or at check-in), else their browser's.
 */

const NEAR_KEY = "undivided.visit.nearAhead";
const SOUND_KEY = "undivided.visit.sound";
const { storeId, token: linkToken } = pageParams();
// The phone remembers its visit, so that scanning the kiosk's "I'm here" code (this page without
// a token, with ?arrive=1) finds it.
const TOKEN_KEY = `undivided.visit.${storeId}`;
if (linkToken) localStorage.setItem(TOKEN_KEY, linkToken);
const token = linkToken ?? localStorage.getItem(TOKEN_KEY) ?? undefined;
let arriveOnLoad = new URL(location.href).searchParams.get("arrive") === "1";
const root = document.getElementById("app") as HTMLElement;
const baseTitle = document.title;
let view: CustomerView | undefined;
let link: LinkState = "connecting";
let linkDetail: Refusal | undefined;
let nearAhead = Number(localStorage.getItem(NEAR_KEY) ?? 2);
let sound = localStorage.getItem(SOUND_KEY) === "on";
let alerted = "";
let message = "";
/** The visit whose language was settled (a rejoin on this phone is another visit). */
let languageOf = "";
let reminder: ReturnType<typeof setTimeout> | undefined;
let holdEndsSoon = false;
setLanguage(preferredLanguage(languages));
const languageKey = (visitId: string) => `undivided.visit.language.${storeId}.${visitId}`;

/** The language picked on this page, else the one asked for at check-in, else the browser's. */
function settleLanguage(v: CustomerView): void {
  if (languageOf === v.visitId) return;
  languageOf = v.visitId;
  const picked = localStorage.getItem(languageKey(v.visitId)) ?? v.language;
  setLanguage(picked && languages.includes(picked) ? picked : preferredLanguage(v.languages));
}

function chooseLanguage(language: string): void {
  if (view) localStorage.setItem(languageKey(view.visitId), language);
  setLanguage(language);
  draw();
}

const live = new Live<CustomerView>({
  auth: { storeId, customerToken: token ?? "" },
  onView: (next) => {
    settleLanguage(next);
    alertIfNeeded(view, next);
    view = next;
    scheduleHoldReminder(next);
    if (arriveOnLoad && next.status === "expected") void act("visit:arrive");
    arriveOnLoad = false;
    draw();
  },
  onState: (state, detail) => {
    link = state;
    linkDetail = detail;
    draw();
  },
});

async function act(
  event: "visit:pause" | "visit:resume" | "visit:leave" | "visit:arrive",
  extra = {},
): Promise<void> {
  const answer = await live.send(event, { requestId: requestId("phone"), ...extra });
  message = answer.ok ? "" : refusalText(answer.error, "customer");
  draw();
}

/**
 * Title, vibration, sound and a notification when the turn is near (someone is being found
 * counts) and when someone is coming: only once they accepted, and again if that person changes.
 */
function alertIfNeeded(before: CustomerView | undefined, next: CustomerView): void {
  const coming = next.status === "serving";
  const near = isNear(next, nearAhead);
  const key = coming ? `coming:${next.associate?.firstName}` : near ? "near" : "";
  document.title = coming
    ? `● ${t("visit.comingTitle")} · ${baseTitle}`
    : near
      ? `● ${t("visit.nearTitle")} · ${baseTitle}`
      : baseTitle;
  if (!key || key === alerted || !before) {
    alerted = key || alerted;
    return;
  }
  alerted = key;
  const text = coming ? describeCustomer(next).headline : t("visit.near");
  navigator.vibrate?.(coming ? [300, 150, 300] : [200]);
  if (sound) beep();
  if ("Notification" in window && Notification.permission === "granted") new Notification(text);
}

/**
 * A call-ahead is reminded before its hold runs out (a banner, and a notification when allowed),
 * once; the timer follows the hold as the view changes.
 */
function scheduleHoldReminder(v: CustomerView): void {
  clearTimeout(reminder);
  const at = holdReminderAt(v);
  if (at === null) {
    holdEndsSoon = false;
    return;
  }
  const remind = () => {
    if (holdEndsSoon) return;
    holdEndsSoon = true;
    const text = holdText(v);
    navigator.vibrate?.([200, 100, 200]);
    if ("Notification" in window && Notification.permission === "granted") new Notification(text);
    draw();
  };
  const delay = at - Date.now();
  if (delay <= 0) remind();
  else reminder = setTimeout(remind, delay);
}

const holdText = (v: CustomerView) =>
  t("visit.holdSoon", { time: formatTime(v.holdUntil ?? Date.now(), v.timeZone) });

function beep(): void {
  const audio = new AudioContext();
  const tone = audio.createOscillator();
  tone.frequency.value = 880;
  tone.connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 0.25);
}

function draw(): void {
  render(
    html`${linkBar(link, linkDetail && refusalText(linkDetail, "customer"))}<main class=${link === "live" ? "" : "stale"}>${body()}</main>`,
    root,
  );
}

function body() {
  if (!view)
    return html`<h1>${t("visit.title")}</h1><p>${link === "refused" ? t("visit.unknown") : t("link.connecting")}</p>`;
  const v = view;
  return html`${languageSwitch(v.languages, chooseLanguage)}
    <p class="muted">${v.storeName} · ${localized(v.topicNames, v.topicName)}</p>
    <p class="big-code" aria-label=${t("visit.codeLabel", { code: v.code })}>${v.code}</p>
    ${
      holdEndsSoon && v.status === "expected"
        ? html`<p class="card hold-soon" role="alert">${holdText(v)}</p>`
        : ""
    }
    <section class="card status" aria-live="polite" data-status=${v.status}>${customerStatusBlock(v)}</section>
    ${message ? html`<p role="alert" class="badge danger">${message}</p>` : ""}
    ${actions(v)} ${v.canGiveFeedback ? feedbackForm() : ""}
    ${v.feedbackGiven ? html`<p class="card" role="status">${t("visit.thanks")}</p>` : ""}
    ${rejoin(v)} ${settings(v)}`;
}

/** After the visit ended (served, no-show, left, expired): join again, as a new visit. */
function rejoin(v: CustomerView) {
  if (v.status !== "done" && v.status !== "left" && v.status !== "expired") return "";
  const url = new URL("join.html", location.href);
  url.search = new URLSearchParams({
    store: storeId,
    topic: v.topicId,
    lang: document.documentElement.lang,
    // Left or served: they are (most likely) in the store; an expired hold never arrived.
    ...(v.status === "expired" ? {} : { again: "1" }),
  }).toString();
  return html`<p class="actions"><a class="button primary" href=${url.toString()}>${t("visit.rejoin")}</a></p>`;
}

function actions(v: CustomerView) {
  const open = v.status === "expected" || v.status === "waiting";
  if (!open) return "";
  return html`<div class="row actions">
    ${v.status === "expected" ? html`<button class="primary" @click=${() => act("visit:arrive")}>${t("visit.here")}</button>` : ""}
    ${v.status === "waiting" && !v.paused ? html`<button @click=${() => act("visit:pause")}>${t("visit.browsing")}</button>` : ""}
    ${v.status === "waiting" && v.paused ? html`<button class="primary" @click=${() => act("visit:resume")}>${t("visit.ready")}</button>` : ""}
    <button class="danger" @click=${() => {
      if (confirm(t("visit.leaveConfirm"))) void act("visit:leave");
    }}>${t("visit.leave")}</button>
  </div>`;
}

function feedbackForm() {
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const chosen = form.get("satisfaction");
    // The radios are required; anything else is not an answer.
    if (chosen !== "yes" && chosen !== "partly" && chosen !== "no") return;
    const answer = await live.send("feedback:give", {
      requestId: requestId("feedback"),
      satisfaction: chosen,
      comment: String(form.get("comment") ?? "").slice(0, 1000),
      kudos: form.get("kudos") === "on",
    });
    message = answer.ok ? "" : refusalText(answer.error, "customer");
    draw();
  };
  return html`<form class="card feedback" @submit=${submit}>
    <fieldset>
      <legend>${t("visit.resolvedQuestion")}</legend>
      ${["yes", "partly", "no"].map(
        (s) =>
          html`<label class="choice"><input type="radio" name="satisfaction" value=${s} required /> ${t(`visit.sat.${s}`)}</label>`,
      )}
    </fieldset>
    <label for="comment">${t("visit.comment")}</label>
    <textarea id="comment" name="comment" rows="3" maxlength="1000"></textarea>
    <label class="choice"><input type="checkbox" name="kudos" /> ${t("visit.kudos", { name: view?.associate?.firstName ?? "" })}</label>
    <button class="primary" type="submit">${t("visit.send")}</button>
  </form>`;
}

function settings(v: CustomerView) {
  if (v.status !== "waiting" && v.status !== "expected") return "";
  return html`<details class="card">
    <summary>${t("visit.alerts")}</summary>
    <label for="near">${t("visit.nearSetting")}</label>
    <select id="near" @change=${(e: Event) => {
      nearAhead = Number((e.target as HTMLSelectElement).value);
      localStorage.setItem(NEAR_KEY, String(nearAhead));
    }}>
      ${[1, 2, 3, 5].map((n) => html`<option value=${n} ?selected=${n === nearAhead}>${n}</option>`)}
    </select>
    <label class="choice"><input type="checkbox" .checked=${sound} @change=${(e: Event) => {
      sound = (e.target as HTMLInputElement).checked;
      localStorage.setItem(SOUND_KEY, sound ? "on" : "off");
      if (sound) beep();
    }} /> ${t("visit.sound")}</label>
    ${
      "Notification" in window && Notification.permission === "default"
        ? html`<button @click=${() => Notification.requestPermission().then(draw)}>${t("visit.notify")}</button>`
        : ""
    }
    ${pushOptInButton({ storeId, token, choices: { language: document.documentElement.lang, nearAhead }, redraw: draw })}
  </details>`;
}

draw();
