import { html } from "lit-html";
import { t } from "./i18n.js";

/**
 * Notifications with the page closed (Web Push): the phone page's opt-in. The service worker
 * (/push-sw.js, src/push-sw.ts) shows what the server sends; the server keeps one subscription
 * per visit (PUT/DELETE /api/stores/:storeId/visit/push, with the visit's token) and sends each
 * kind of news once: "N ahead", "someone is coming", "your hold ends soon".
 */

export type PushState = "unsupported" | "off" | "on" | "busy" | "denied" | "failed";

/** What the server writes messages by: the page's language and "tell me at N ahead". */
export interface PushChoices {
  language?: string;
  nearAhead?: number | null;
}

const WORKER_URL = "/push-sw.js";

export const pushSupported = (): boolean =>
  "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

const endpoint = (storeId: string) => `/api/stores/${encodeURIComponent(storeId)}/visit/push`;

async function call(storeId: string, token: string, method: string, body?: unknown) {
  const response = await fetch(endpoint(storeId), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`push ${method}: HTTP ${response.status}`);
  return response;
}

/** Whether the server holds a subscription for this visit, and its VAPID public key. */
async function serverSide(storeId: string, token: string) {
  const response = await call(storeId, token, "GET");
  return (await response.json()) as { publicKey: string; subscribed: boolean };
}

function keyBytes(base64url: string): Uint8Array {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

const sameKey = (a: ArrayBuffer | null, b: Uint8Array) =>
  a !== null && a.byteLength === b.length && new Uint8Array(a).every((x, i) => x === b[i]);

/**
 * Asks for permission, subscribes this browser (once, for the server's key) and registers the
 * subscription for the visit. Answers the state to show: "on", "denied" (the browser said no),
 * "unsupported" or "failed".
 */
export async function pushOptIn(
  storeId: string,
  token: string,
  choices: PushChoices = {},
): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  try {
    if ((await Notification.requestPermission()) !== "granted") return "denied";
    const registration = await navigator.serviceWorker.register(WORKER_URL);
    await navigator.serviceWorker.ready;
    const key = keyBytes((await serverSide(storeId, token)).publicKey);
    let subscription = await registration.pushManager.getSubscription();
    // Made for another server key (the server's keys were replaced): subscribe again.
    if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ??= await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: key as BufferSource,
    });
    await call(storeId, token, "PUT", { subscription: subscription.toJSON(), ...choices });
    return "on";
  } catch {
    return "failed";
  }
}

/** This visit gets no more push messages (the browser's subscription stays for other visits). */
export async function pushOptOut(storeId: string, token: string): Promise<PushState> {
  try {
    await call(storeId, token, "DELETE");
    return "off";
  } catch {
    return "failed";
  }
}

/** The button's state, per visit token, and the choices last sent for it. */
let state: PushState | undefined;
let stateOf = "";
let sent = "";

/**
 * The opt-in as a small block for the phone page: a button while off, a line and "turn off"
 * while on. `redraw` re-renders the page when the state changes; changed choices (the page's
 * language, its N) are sent again while on.
 */
export function pushOptInButton(options: {
  storeId: string;
  token: string | undefined;
  choices?: PushChoices;
  redraw: () => void;
}) {
  const { storeId, token, redraw } = options;
  if (!token || !pushSupported()) return "";
  const choices = options.choices ?? {};
  const set = (next: PushState) => {
    state = next;
    if (next === "on") sent = JSON.stringify(choices);
    redraw();
  };
  if (stateOf !== token) {
    stateOf = token;
    state = "busy";
    serverSide(storeId, token).then(
      ({ subscribed }) => set(subscribed && Notification.permission === "granted" ? "on" : "off"),
      () => set("off"),
    );
  }
  if (state === "on" && sent !== JSON.stringify(choices)) {
    sent = JSON.stringify(choices);
    void pushOptIn(storeId, token, choices).then(set);
  }
  const turnOn = () => {
    set("busy");
    void pushOptIn(storeId, token, choices).then(set);
  };
  if (state === "on")
    return html`<p class="push-opt-in" role="status">${t("push.enabled")}
      <button @click=${() => {
        set("busy");
        void pushOptOut(storeId, token).then(set);
      }}>${t("push.disable")}</button></p>`;
  return html`<p class="push-opt-in">
    <button ?disabled=${state === "busy" || state === "denied"} @click=${turnOn}>${t("push.enable")}</button>
    ${state === "denied" ? html`<span role="alert">${t("push.denied")}</span>` : ""}
    ${state === "failed" ? html`<span role="alert">${t("push.failed")}</span>` : ""}
  </p>`;
}
