import { html, render } from "lit-html";
import { renderSVG } from "uqr";
import type { KioskView } from "../../../shared/views.js";
import { preferredLanguage, setLanguage, t } from "../lib/i18n.js";
import { pageParams, requestId } from "../lib/live.js";
import { topicWait, waitText } from "../lib/view.js";
import "../lib/styles.css";
import "./visit.css";

/**
 * The public call-ahead page of a store (its URL and QR go on the door and the website): pick a
 * topic, say when you will arrive and what to prepare, and keep a place in line from now. Also
 * shows its own QR, to print.
 */

const { storeId } = pageParams();
const root = document.getElementById("app") as HTMLElement;
let store: KioskView | undefined;
let error = "";
let sending = false;
const pending = requestId("join");

async function load(): Promise<void> {
  const response = await fetch(`/api/stores/${encodeURIComponent(storeId)}/public`);
  const body = (await response.json()) as { view?: KioskView; error?: { message: string } };
  if (body.view) {
    store = body.view;
    setLanguage(preferredLanguage(store.languages));
  } else error = body.error?.message ?? t("join.unknownStore");
  draw();
}

async function submit(event: Event): Promise<void> {
  event.preventDefault();
  if (sending) return;
  sending = true;
  draw();
  const form = new FormData(event.target as HTMLFormElement);
  const response = await fetch(`/api/stores/${encodeURIComponent(storeId)}/join`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      requestId: pending,
      topicId: String(form.get("topic")),
      name: String(form.get("name") ?? ""),
      note: String(form.get("note") ?? ""),
      arrivingInMin: Number(form.get("arriving") ?? 15),
      language: document.documentElement.lang,
    }),
  });
  const body = (await response.json()) as { customerUrl?: string; error?: { message: string } };
  sending = false;
  if (body.customerUrl) location.href = body.customerUrl;
  else {
    error = body.error?.message ?? t("join.failed");
    draw();
  }
}

function draw(): void {
  const qr = document.createElement("div");
  qr.className = "qr";
  qr.setAttribute("role", "img");
  qr.setAttribute("aria-label", t("join.qrLabel"));
  qr.innerHTML = renderSVG(location.href.split("#")[0] ?? location.href, { border: 1 });
  render(
    html`<main>
      <h1>${store ? t("join.title", { store: store.storeName }) : t("join.titlePlain")}</h1>
      ${error ? html`<p role="alert" class="badge danger">${error}</p>` : ""}
      ${store && !store.open ? html`<p class="card" role="status">${t("kiosk.closedTitle")}</p>` : ""}
      ${
        store?.open
          ? html`<form class="card" @submit=${submit}>
            <fieldset>
              <legend>${t("kiosk.whatNeed")}</legend>
              ${store.topics.map(
                (
                  topic,
                  i,
                ) => html`<label class="choice"><input type="radio" name="topic" value=${topic.id} ?checked=${i === 0} />
                  ${topic.name} <small class="muted">${waitText(topicWait(topic))}</small></label>`,
              )}
            </fieldset>
            <label for="arriving">${t("join.arriving")}</label>
            <select id="arriving" name="arriving">${[5, 10, 15, 20, 30, 45, 60].map((m) => html`<option value=${m} ?selected=${m === 15}>${t("join.inMinutes", { minutes: m })}</option>`)}</select>
            <label for="name">${t("kiosk.nameLabel")}</label>
            <input id="name" name="name" maxlength="40" autocomplete="given-name" />
            <label for="note">${t("join.note")}</label>
            <textarea id="note" name="note" maxlength="500" rows="3" placeholder=${t("kiosk.notePlaceholder")}></textarea>
            <button class="primary" type="submit" ?disabled=${sending}>${t("join.submit")}</button>
          </form>`
          : ""
      }
      <details class="card"><summary>${t("join.print")}</summary>${qr}</details>
    </main>`,
    root,
  );
}

draw();
void load();
