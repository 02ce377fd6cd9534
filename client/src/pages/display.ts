import { html, render } from "lit-html";
import type { DisplayView } from "../../../shared/views.js";
import { setLanguage, t } from "../lib/i18n.js";
import { type LinkState, Live, pageParams } from "../lib/live.js";
import { linkBar } from "../lib/view.js";
import "../lib/styles.css";
import "./display.css";

/**
 * The wall display: codes waiting by topic, and "now serving P-017 — Julia, Phones" ("finding
 * someone" until an associate accepted). Codes and associates' first names only, never a
 * customer's name or note. New "now serving" lines can be
 * announced aloud (speechSynthesis) in the store's language; the switch is remembered.
 */

const SPEAK_KEY = "undivided.display.speak";
const { storeId, token } = pageParams();
const root = document.getElementById("app") as HTMLElement;
let view: DisplayView | undefined;
let link: LinkState = "connecting";
let linkDetail: { message: string } | undefined;
let speak = localStorage.getItem(SPEAK_KEY) === "on";
const announced = new Set<string>();

new Live<DisplayView>({
  auth: { storeId, deviceToken: token ?? "" },
  onView: (next) => {
    setLanguage(next.language);
    announce(next);
    view = next;
    draw();
  },
  onState: (state, detail) => {
    link = state;
    linkDetail = detail;
    draw();
  },
});

function announce(next: DisplayView): void {
  for (const s of next.nowServing) {
    // Nobody is named before they accepted, so there is nothing to announce until then.
    if (s.associateFirstName === null) continue;
    const key = `${s.code}/${s.associateFirstName}`;
    if (announced.has(key)) continue;
    announced.add(key);
    // The first view lists who is already being served: only changes are spoken.
    if (!view || !speak || !("speechSynthesis" in window)) continue;
    const utterance = new SpeechSynthesisUtterance(
      t("display.announce", {
        code: s.code.replace("-", " "),
        name: s.associateFirstName,
        topic: s.topicName,
      }),
    );
    utterance.lang = next.language;
    speechSynthesis.speak(utterance);
  }
}

function draw(): void {
  render(
    html`${linkBar(link, linkDetail)}<main class=${link === "live" ? "" : "stale"}>${body()}</main>`,
    root,
  );
}

function body() {
  if (!view) return html`<h1>${t("display.title")}</h1>`;
  return html`<header class="row display-head">
      <h1>${view.storeName}</h1>
      <button aria-pressed=${speak} @click=${() => {
        speak = !speak;
        localStorage.setItem(SPEAK_KEY, speak ? "on" : "off");
        draw();
      }}>${speak ? t("display.soundOn") : t("display.soundOff")}</button>
    </header>
    ${view.open ? "" : html`<p class="card closed" role="status">${t("display.closed")}</p>`}
    <section aria-labelledby="serving-title">
      <h2 id="serving-title">${t("display.nowServing")}</h2>
      <ul class="serving" aria-live="polite">
        ${view.nowServing.length === 0 ? html`<li class="muted">—</li>` : ""}
        ${view.nowServing.map(
          (s) => html`<li class="serving-item" data-code=${s.code}>
            <span class="code">${s.code}</span>
            <span>${s.associateFirstName === null ? s.topicName : `${s.associateFirstName}, ${s.topicName}`}</span>
            <span class="badge ${s.status === "serving" ? "ok" : "warn"}">${t(`display.${s.status}`)}</span>
          </li>`,
        )}
      </ul>
    </section>
    <section aria-labelledby="waiting-title">
      <h2 id="waiting-title">${t("display.waiting")}</h2>
      <div class="grid">
        ${view.waiting.map(
          (w) => html`<div class="card" data-topic=${w.topicId}>
            <h3>${w.topicName}</h3>
            <p class="codes">${w.codes.length ? w.codes.join("  ") : "—"}</p>
          </div>`,
        )}
      </div>
    </section>`;
}

draw();
