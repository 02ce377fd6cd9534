import { html, render } from "lit-html";
import type { DisplayView } from "../../../shared/views.js";
import { setLanguage, t } from "../lib/i18n.js";
import { Live, pageParams } from "../lib/live.js";
import { PublicLink } from "../lib/view.js";
import "../lib/styles.css";
import "./display.css";

/**
 * The wall display: "now serving P-017 — Julia, Phones" ("finding someone" until an associate
 * accepted), newest call first, and the codes waiting by topic. Codes and associates' first
 * names only, never a customer's name or note. Nothing on it to press: how it sounds is a
 * setting of the device, in its link (`&sound=`, see README): `chime` (the default) plays a
 * chime with each call, `voice` also says the call aloud in the store's language, `off` is
 * silent.
 */

type Sound = "off" | "chime" | "voice";
const { storeId, token } = pageParams();
const soundParam = new URL(location.href).searchParams.get("sound");
const sound: Sound = soundParam === "off" || soundParam === "voice" ? soundParam : "chime";
const root = document.getElementById("app") as HTMLElement;
let view: DisplayView | undefined;
const link = new PublicLink(() => draw());
/** When each call (code and who) was first seen: the newest is shown first. */
const called = new Map<string, number>();
let chimes = 0;

new Live<DisplayView>({
  auth: { storeId, deviceToken: token ?? "" },
  onView: (next) => {
    setLanguage(next.language);
    announce(next);
    view = next;
    draw();
  },
  onState: (state, detail) => {
    link.set(state, detail);
    draw();
  },
});

const callKey = (s: DisplayView["nowServing"][number]) => `${s.code}/${s.associateFirstName}`;

function announce(next: DisplayView): void {
  const fresh = next.nowServing.filter(
    // Nobody is named before they accepted, so there is nothing to call until then.
    (s) => s.associateFirstName !== null && !called.has(callKey(s)),
  );
  for (const s of fresh) called.set(callKey(s), Date.now());
  // Calls no longer on the screen are forgotten (the display runs all day).
  const shown = new Set(next.nowServing.map(callKey));
  for (const key of called.keys()) if (!shown.has(key)) called.delete(key);
  // The first view lists who is already being served: only changes are called.
  if (!view || fresh.length === 0 || sound === "off") return;
  chime();
  if (sound !== "voice" || !("speechSynthesis" in window)) return;
  for (const s of fresh) {
    const utterance = new SpeechSynthesisUtterance(
      t("display.announce", {
        code: s.code.replace("-", " "),
        name: s.associateFirstName ?? "",
        topic: s.topicName,
      }),
    );
    utterance.lang = next.language;
    speechSynthesis.speak(utterance);
  }
}

let audio: AudioContext | undefined;

/** A soft three-note chime (the display runs unattended: its browser must allow autoplay). */
function chime(): void {
  try {
    audio ??= new AudioContext();
    const at = audio.currentTime;
    for (const [i, frequency] of [784, 988, 1175].entries()) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.25, at + i * 0.22);
      gain.gain.exponentialRampToValueAtTime(0.001, at + i * 0.22 + 0.6);
      tone.connect(gain).connect(audio.destination);
      tone.start(at + i * 0.22);
      tone.stop(at + i * 0.22 + 0.6);
    }
    chimes++;
  } catch {
    // No audio on this device: the call is still on the screen.
  }
}

/** Calls left out of the "now serving" row for want of room (said as "+N more"). */
let hiddenCalls = 0;

function draw(): void {
  render(
    html`<main data-link=${link.state} data-chimes=${chimes} data-sound=${sound}>${body()}</main>${link.notice()}`,
    root,
  );
  countHidden();
}

/** Counts the calls the row could not show, and says so: nobody being called goes unseen. */
function countHidden(): void {
  const list = root.querySelector(".serving-list");
  const bottom = list?.getBoundingClientRect().bottom ?? 0;
  const hidden = [...(list?.querySelectorAll(".serving-item") ?? [])].filter(
    (item) => item.getBoundingClientRect().top >= bottom - 1,
  ).length;
  if (hidden === hiddenCalls) return;
  hiddenCalls = hidden;
  draw();
}

window.addEventListener("resize", () => draw());

function body() {
  if (link.state === "refused") return link.unpaired();
  if (!view) return html`<h1>${t("display.title")}</h1>`;
  const serving = [...view.nowServing].sort(
    (a, b) => (called.get(callKey(b)) ?? 0) - (called.get(callKey(a)) ?? 0),
  );
  return html`<header class="display-head">
      <h1>${view.storeName}</h1>
      ${view.open ? "" : html`<p class="closed" role="status">${t("display.closed")}</p>`}
    </header>
    <section class="now" aria-labelledby="serving-title">
      <h2 id="serving-title">${t("display.nowServing")}${hiddenCalls > 0 ? html` <span class="more" data-more=${hiddenCalls}>${t("display.more", { count: hiddenCalls })}</span>` : ""}</h2>
      <ul class="serving-list" aria-live="polite">
        ${serving.length === 0 ? html`<li class="nobody">—</li>` : ""}
        ${serving.map(
          (s) => html`<li class="serving-item ${s.status}" data-code=${s.code}>
            <span class="code">${s.code}</span>
            <span class="who">${s.associateFirstName === null ? `${s.topicName} · ${t("display.offered")}` : `${s.associateFirstName} · ${s.topicName}`}</span>
          </li>`,
        )}
      </ul>
    </section>
    <section class="waiting" aria-labelledby="waiting-title">
      <h2 id="waiting-title">${t("display.waiting")}</h2>
      <div class="topics">
        ${view.waiting.map(
          (w) => html`<div class="topic" data-topic=${w.topicId}>
            <h3><span class="topic-name">${w.topicName}</span> <span class="count">${t("display.count", { count: w.codes.length })}</span></h3>
            <ul class="codes">
              ${w.codes.length ? w.codes.map((code) => html`<li class="code">${code}</li>`) : html`<li class="nobody">—</li>`}
            </ul>
          </div>`,
        )}
      </div>
    </section>`;
}

draw();
