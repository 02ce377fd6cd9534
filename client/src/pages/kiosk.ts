import { html, nothing, render } from "lit-html";
import { renderSVG } from "uqr";
import type { Ack, Ticket } from "../../../shared/protocol.js";
import type { CustomerView, KioskView } from "../../../shared/views.js";
import { type CustomerStatusInput, customerStatusBlock } from "../lib/customer-status.js";
import {
  language,
  languageName,
  localized,
  preferredLanguage,
  setLanguage,
  t,
} from "../lib/i18n.js";
import { Live, pageParams, requestId } from "../lib/live.js";
import { refusalText } from "../lib/refusals.js";
import { PublicLink, topicWait, waitText } from "../lib/view.js";
import "../lib/styles.css";
import { NAME_MAX, NOTE_MAX, fitText } from "../lib/customer-rules.js";
import { limitHint } from "../lib/form-hints.js";
import { ImBack } from "../lib/kiosk-back.js";
import "./kiosk.css";

/**
 * The kiosk by the door: pick a language and a topic, optionally a name and a note, get a ticket.
 * A check-in keeps its request id until it is answered, also across a reload, so a double tap
 * or a dropped link never makes two visits; while the link is down it waits and says so. The
 * ticket follows the customer's own live view (the kiosk holds their token), so it says what
 * their phone says.
 */

const PENDING_KEY = "undivided.kiosk.pending";
const TICKET_SECONDS = 45;

type Screen =
  | { name: "start" }
  | { name: "details"; topicId: string }
  | { name: "sending"; topicId: string }
  | { name: "ticket"; ticket: Ticket; customer: Live<CustomerView>; view?: CustomerView }
  | { name: "error"; message: string };

interface Pending {
  requestId: string;
  topicId: string;
  name: string;
  note: string;
  language: string;
}

const { storeId, token } = pageParams();
const root = document.getElementById("app") as HTMLElement;
let view: KioskView | undefined;
const link = new PublicLink(() => draw());
let screen: Screen = { name: "start" };
let chosenLanguage: string | undefined;
let backTimer: number | undefined;

const live = new Live<KioskView>({
  auth: { storeId, deviceToken: token ?? "" },
  onView: (next) => {
    view = next;
    if (!chosenLanguage) setLanguage(preferredLanguage(next.languages));
    draw();
  },
  onState: (state, detail) => {
    link.set(state, detail);
    draw();
  },
});

// "I'm back" by the code on the ticket, for a browsing customer without a phone.
const imBack = new ImBack(
  (code) => live.send("visit:resume-by-code", { requestId: requestId("kiosk-back"), code }),
  () => draw(),
);

// A check-in that was on its way when the page was closed or reloaded goes out again.
const saved = localStorage.getItem(PENDING_KEY);
if (saved) void send(JSON.parse(saved) as Pending);

async function send(pending: Pending): Promise<void> {
  localStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  show({ name: "sending", topicId: pending.topicId });
  const answer = await live.send("visit:check-in", { ...pending });
  localStorage.removeItem(PENDING_KEY);
  if (answer.ok) showTicket(answer.data);
  else show({ name: "error", message: refusalText(answer.error, "kiosk") });
  backToStartLater(answer.ok ? TICKET_SECONDS : 10);
}

/**
 * Moves to another screen. The way back to the start belongs to the screen it was set for, and
 * leaving a ticket closes its link as the customer.
 */
function show(next: Screen): void {
  window.clearTimeout(backTimer);
  if (screen.name === "ticket" && next !== screen) screen.customer.close();
  screen = next;
  draw();
}

/** The ticket, live: it follows the customer's own view, the ack's data until the first comes. */
function showTicket(ticket: Ticket): void {
  const customer = new Live<CustomerView>({
    auth: { storeId, customerToken: customerTokenOf(ticket) },
    onView: (next) => {
      if (screen.name !== "ticket" || screen.customer !== customer) return;
      // News (not a re-estimated range) keeps the ticket up a while longer, to be read.
      if (screen.view && news(screen.view) !== news(next)) backToStartLater(TICKET_SECONDS);
      screen.view = next;
      draw();
    },
    // The kiosk's own link says whether it is live; this one rides on the same network.
    onState: () => {},
  });
  show({ name: "ticket", ticket, customer });
}

const news = (v: CustomerView) =>
  `${v.status}/${v.paused}/${v.associate?.firstName}/${v.apology?.previousFirstName}`;

// The kiosk may act for the customer it just checked in: it holds their ticket's secret.
const customerTokenOf = (ticket: Ticket) =>
  new URL(ticket.customerUrl).hash.replace(/^#token=/, "");

function backToStartLater(seconds: number): void {
  window.clearTimeout(backTimer);
  backTimer = window.setTimeout(() => {
    chosenLanguage = undefined;
    imBack.reset();
    if (view) setLanguage(preferredLanguage(view.languages));
    show({ name: "start" });
  }, seconds * 1000);
}

function draw(): void {
  render(html`<main data-link=${link.state}>${body()}</main>${link.notice()}`, root);
}

function body() {
  if (link.state === "refused") return link.unpaired();
  if (!view) return html`<h1>${t("kiosk.title")}</h1><p>${t("link.connecting")}</p>`;
  switch (screen.name) {
    case "start":
      return startScreen(view);
    case "details":
      return detailsScreen(view, screen.topicId);
    case "sending":
      return html`<h1>${t("kiosk.sending")}</h1>
        <p class="muted" role="status">${link.state === "live" ? t("kiosk.sendingLive") : t("kiosk.sendingOffline")}</p>`;
    case "ticket":
      return ticketScreen(screen.ticket, screen.customer, screen.view);
    case "error":
      return html`<h1>${t("kiosk.sorry")}</h1>
        <p role="alert">${screen.message}</p>
        <button class="primary" @click=${() => show({ name: "start" })}>${t("kiosk.again")}</button>`;
  }
}

function startScreen(v: KioskView) {
  return html`<h1>${t("kiosk.welcome", { store: v.storeName })}</h1>
    <nav class="row languages" aria-label=${t("kiosk.language")}>
      ${v.languages.map(
        (l) =>
          html`<button lang=${l} aria-pressed=${document.documentElement.lang === l} @click=${() => {
            chosenLanguage = l;
            setLanguage(l);
            draw();
          }}>${languageName(l)}</button>`,
      )}
    </nav>
    ${
      v.open
        ? html`<h2>${t("kiosk.whatNeed")}</h2>
          <div class="topics">
            ${v.topics.map(
              (topic) => html`<button class="topic" data-topic=${topic.id} @click=${() =>
                show({ name: "details", topicId: topic.id })}>
                <span class="topic-name">${localized(topic.names, topic.name)}</span>
                <span class="topic-wait">${waitText(topicWait(topic))}</span>
              </button>`,
            )}
          </div>`
        : html`<div class="card closed" role="status"><h2>${t("kiosk.closedTitle")}</h2><p>${t("kiosk.closedText")}</p></div>`
    }
    ${arrivalCode()} ${imBack.view()}`;
}

/** "Called ahead? Scan this": opens the customer's own page on their phone and marks them arrived. */
function arrivalCode() {
  const url = `${location.origin}/visit.html?store=${encodeURIComponent(storeId)}&arrive=1`;
  const qr = document.createElement("div");
  qr.className = "qr small";
  qr.setAttribute("role", "img");
  qr.setAttribute("aria-label", t("kiosk.arriveQr"));
  qr.dataset.url = url;
  qr.innerHTML = renderSVG(url, { border: 1 });
  return html`<aside class="row arrival">${qr}<p>${t("kiosk.arriveText")}</p></aside>`;
}

function detailsScreen(v: KioskView, topicId: string) {
  const topic = v.topics.find((x) => x.id === topicId);
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    void send({
      requestId: requestId("kiosk"),
      topicId,
      name: fitText(String(form.get("name") ?? ""), NAME_MAX),
      note: fitText(String(form.get("note") ?? ""), NOTE_MAX),
      language: document.documentElement.lang,
    });
  };
  return html`<h1>${topic ? localized(topic.names, topic.name) : topicId}</h1>
    <p class="muted">${waitText(topic ? topicWait(topic) : null)}</p>
    <form @submit=${submit} class="card details">
      <label for="name">${t("kiosk.nameLabel")}</label>
      <input id="name" name="name" maxlength=${NAME_MAX} autocomplete="off" aria-describedby="name-limit" placeholder=${t("kiosk.namePlaceholder")} />
      ${limitHint("name-limit", NAME_MAX)}
      <label for="note">${t("kiosk.noteLabel")}</label>
      <textarea id="note" name="note" maxlength=${NOTE_MAX} rows="2" aria-describedby="note-limit" placeholder=${t("kiosk.notePlaceholder")}></textarea>
      ${limitHint("note-limit", NOTE_MAX)}
      <div class="row actions">
        <button type="button" @click=${() => show({ name: "start" })}>${t("kiosk.back")}</button>
        <button type="submit" class="primary">${t("kiosk.checkIn")}</button>
      </div>
    </form>`;
}

/** What the check-in answered, as a status, until the customer's own view comes. */
function ticketStatus(ticket: Ticket): CustomerStatusInput {
  return {
    status: ticket.status,
    paused: false,
    place: null,
    youreNext: false,
    wait: ticket.wait,
    associate: null,
    apology: null,
    late: false,
    meetAt: null,
    language: language(),
    holdUntil: null,
  };
}

function ticketScreen(ticket: Ticket, customer: Live<CustomerView>, live?: CustomerView) {
  const qr = renderSVG(ticket.customerUrl, { border: 1 });
  const svg = document.createElement("div");
  svg.className = "qr";
  svg.dataset.url = ticket.customerUrl;
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("kiosk.qrLabel"));
  svg.innerHTML = qr;
  const status = live ?? ticketStatus(ticket);
  const keepPlace = () =>
    customer.send("visit:pause", { requestId: requestId(`pause-${ticket.visitId}`) });
  return html`<section class="ticket" aria-labelledby="ticket-code">
    <div class="ticket-main">
      <p>${t("kiosk.yourCode")}</p>
      <p id="ticket-code" class="big-code" data-code=${ticket.code}>${ticket.code}</p>
      <div class="card" role="status" aria-live="polite">${customerStatusBlock(status)}</div>
    </div>
    <div class="ticket-side">
      ${svg}
      <p class="muted">${t("kiosk.scan")}</p>
    </div>
    <div class="row actions">
      ${
        status.status !== "waiting"
          ? nothing
          : status.paused
            ? html`<p>${t("kiosk.placeKept")}</p>`
            : html`<button @click=${keepPlace}>${t("kiosk.browsing")}</button>`
      }
      <button class="primary" @click=${() => show({ name: "start" })}>${t("kiosk.done")}</button>
    </div>
  </section>`;
}

draw();
