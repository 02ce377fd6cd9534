import { html, render } from "lit-html";
import { renderSVG } from "uqr";
import type { KioskView } from "../../../shared/views.js";
import { NAME_MAX, NOTE_MAX, fitText } from "../lib/customer-rules.js";
import { limitHint } from "../lib/form-hints.js";
import { languages, localized, preferredLanguage, setLanguage, t } from "../lib/i18n.js";
import { languageSwitch } from "../lib/language-switch.js";
import { pageParams, requestId } from "../lib/live.js";
import { type Refusal, refusalText } from "../lib/refusals.js";
import { topicWait, waitText } from "../lib/view.js";
import "../lib/styles.css";
import "./visit.css";

/**
 * The public call-ahead page of a store (its URL and QR go on the door and the website): pick a
 * topic, say when you will arrive and what to prepare, and keep a place in line from now. Kept
 * live (open or paused, waits) by asking the store again every few seconds; `?topic=` and
 * `?lang=` preselect (a customer joining again comes with both). Also shows its own QR, to print.
 */

/** How often the page asks what the store offers now (intake, waits). */
const REFRESH_MS = 10_000;
const { storeId } = pageParams();
const asked = new URL(location.href).searchParams;
const root = document.getElementById("app") as HTMLElement;
let store: KioskView | undefined;
let version = -1;
let error = "";
let sending = false;
let chosenLanguage = asked.get("lang");
let chosenTopic = asked.get("topic");
/** Joining again from the phone page: they are most likely in the store already. */
const here = asked.get("again") === "1";
const pending = requestId("join");

async function load(): Promise<void> {
  try {
    const response = await fetch(`/api/stores/${encodeURIComponent(storeId)}/public`);
    const body = (await response.json()) as {
      version?: number;
      view?: KioskView;
      error?: Refusal;
    };
    if (body.view) {
      // An answer older than one already shown is not news.
      if ((body.version ?? 0) < version) return;
      version = body.version ?? 0;
      if (!store) {
        setLanguage(
          chosenLanguage && body.view.languages.includes(chosenLanguage)
            ? chosenLanguage
            : preferredLanguage(body.view.languages),
        );
      }
      store = body.view;
      if (error === t("join.unreachable")) error = "";
    } else if (!store)
      error = body.error ? refusalText(body.error, "customer") : t("join.unknownStore");
  } catch {
    // Offline for a moment: keep what is shown, say so, and keep asking.
    error = t("join.unreachable");
  }
  draw();
}

async function submit(event: Event): Promise<void> {
  event.preventDefault();
  if (sending) return;
  sending = true;
  draw();
  const form = new FormData(event.target as HTMLFormElement);
  const arrivingInMin = Number(form.get("arriving") ?? 15);
  const response = await fetch(`/api/stores/${encodeURIComponent(storeId)}/join`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      requestId: pending,
      topicId: String(form.get("topic")),
      name: fitText(String(form.get("name") ?? ""), NAME_MAX),
      note: fitText(String(form.get("note") ?? ""), NOTE_MAX),
      arrivingInMin,
      language: document.documentElement.lang,
    }),
  });
  const body = (await response.json()) as { customerUrl?: string; error?: Refusal };
  sending = false;
  if (body.customerUrl) {
    // Already here (joining again from the store): their page says so at once.
    const page = new URL(body.customerUrl, location.href);
    if (arrivingInMin === 0) page.searchParams.set("arrive", "1");
    location.href = page.toString();
  } else if (body.error?.code === "INTAKE_PAUSED" && store) {
    // Paused since the page last asked: show what a paused store shows a caller (no "ask an
    // associate", they are not in the store), and the form again when intake resumes.
    store = { ...store, open: false };
    error = "";
    draw();
    void load();
  } else {
    error = body.error ? refusalText(body.error, "customer") : t("join.failed");
    draw();
  }
}

function chooseLanguage(language: string): void {
  chosenLanguage = language;
  setLanguage(language);
  draw();
}

function form(s: KioskView) {
  const selected = s.topics.some((topic) => topic.id === chosenTopic)
    ? chosenTopic
    : s.topics[0]?.id;
  return html`<form class="card" @submit=${submit}>
    <fieldset>
      <legend>${t("kiosk.whatNeed")}</legend>
      ${s.topics.map(
        (topic) => html`<label class="choice"><input type="radio" name="topic" value=${topic.id}
            .checked=${topic.id === selected} @change=${() => {
              chosenTopic = topic.id;
            }} />
          ${localized(topic.names, topic.name)} <small class="muted">${waitText(topicWait(topic))}</small></label>`,
      )}
    </fieldset>
    <label for="arriving">${t("join.arriving")}</label>
    <select id="arriving" name="arriving">
      <option value="0" ?selected=${here}>${t("join.hereNow")}</option>
      ${[5, 10, 15, 20, 30, 45, 60].map((m) => html`<option value=${m} ?selected=${!here && m === 15}>${t("join.inMinutes", { minutes: m })}</option>`)}
    </select>
    <label for="name">${t("kiosk.nameLabel")}</label>
    <input id="name" name="name" maxlength=${NAME_MAX} autocomplete="given-name" aria-describedby="name-limit" />
    ${limitHint("name-limit", NAME_MAX)}
    <label for="note">${t("join.note")}</label>
    <textarea id="note" name="note" maxlength=${NOTE_MAX} rows="3" aria-describedby="note-limit" placeholder=${t("kiosk.notePlaceholder")}></textarea>
    ${limitHint("note-limit", NOTE_MAX)}
    <button class="primary" type="submit" ?disabled=${sending}>${t("join.submit")}</button>
  </form>`;
}

function draw(): void {
  const qr = document.createElement("div");
  qr.className = "qr";
  qr.setAttribute("role", "img");
  qr.setAttribute("aria-label", t("join.qrLabel"));
  const here = new URL(location.href);
  here.hash = "";
  here.search = new URLSearchParams({ store: storeId }).toString();
  qr.innerHTML = renderSVG(here.toString(), { border: 1 });
  render(
    html`<main data-intake=${store ? (store.open ? "open" : "paused") : "unknown"}>
      ${store ? languageSwitch(store.languages, chooseLanguage) : ""}
      <h1>${store ? t("join.title", { store: store.storeName }) : t("join.titlePlain")}</h1>
      ${error ? html`<p role="alert" class="badge danger">${error}</p>` : ""}
      ${store && !store.open ? html`<p class="card" role="status">${t("kiosk.closedTitle")}</p><p class="muted">${t("join.closedLive")}</p>` : ""}
      ${store?.open ? form(store) : ""}
      <details class="card"><summary>${t("join.print")}</summary>${qr}</details>
    </main>`,
    root,
  );
}

setLanguage(chosenLanguage && languages.includes(chosenLanguage) ? chosenLanguage : "en");
draw();
void load();
setInterval(() => {
  if (document.visibilityState === "visible") void load();
}, REFRESH_MS);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") void load();
});
