import { type TemplateResult, html, render } from "lit-html";
import type { ClientEvent, Payload } from "../../../shared/protocol.js";
import type { AssociateView, Colleague, ManagerView, StaffVisit } from "../../../shared/views.js";
import { preferredLanguage, setLanguage, t } from "./i18n.js";
import { type LinkState, Live, pageParams, requestId } from "./live.js";
import { linkBar, minutesAgo, waitText } from "./view.js";

/**
 * What the associate tablet and the manager console share: PIN sign-in, the live link as the
 * signed-in associate, presence, the offer with its countdown, the serving screen and the line.
 * The manager console adds its own panels through `extra`.
 */

export interface StaffPage<V extends AssociateView> {
  /** Which session this page keeps (the console and a tablet can be open side by side). */
  sessionKey: string;
  requireManager: boolean;
  extra?: (view: V, ctx: StaffContext) => TemplateResult | string;
}

export interface StaffContext {
  storeId: string;
  /** The signed-in session's token, for the manager's HTTP calls. */
  token: () => string;
  /** Sends as the signed-in associate; a refusal is shown on the page. Answers whether it worked. */
  send: <E extends ClientEvent>(
    event: E,
    payload: Omit<Payload<E>, "requestId">,
  ) => Promise<boolean>;
  redraw: () => void;
  now: () => number;
}

interface Session {
  token: string;
  associateId: string;
  name: string;
  role: string;
}

export function startStaffPage<V extends AssociateView>(page: StaffPage<V>): void {
  const { storeId } = pageParams();
  const root = document.getElementById("app") as HTMLElement;
  setLanguage(preferredLanguage(["en", "uk", "es"]));
  let session: Session | undefined =
    JSON.parse(localStorage.getItem(page.sessionKey) ?? "null") ?? undefined;
  let live: Live<V> | undefined;
  let view: V | undefined;
  let link: LinkState = "connecting";
  let linkDetail: { message: string } | undefined;
  let message = "";
  let signInError = "";
  let lastOfferId: string | undefined;
  let soundPlayed = 0;
  let pane: "none" | "transfer" | "decline" = "none";

  const ctx: StaffContext = {
    storeId,
    token: () => session?.token ?? "",
    send: async (event, payload) => {
      if (!live) return false;
      const answer = await live.send(event, {
        requestId: requestId(session?.associateId ?? "staff"),
        ...payload,
      } as Payload<typeof event>);
      message = answer.ok ? "" : answer.error.message;
      pane = "none";
      draw();
      return answer.ok;
    },
    redraw: () => draw(),
    now: () => Date.now(),
  };

  function connect(): void {
    if (!session) return;
    live = new Live<V>({
      auth: { storeId, sessionToken: session.token },
      onView: (next) => {
        if (next.offer && next.offer.offerId !== lastOfferId) {
          lastOfferId = next.offer.offerId;
          chime();
          soundPlayed++;
        }
        if (!next.offer) lastOfferId = undefined;
        view = next;
        draw();
      },
      onState: (state, detail) => {
        link = state;
        linkDetail = detail;
        if (state === "refused") signOutLocally(detail?.message ?? "");
        draw();
      },
    });
  }

  function signOutLocally(reason: string): void {
    live?.close();
    live = undefined;
    session = undefined;
    view = undefined;
    localStorage.removeItem(page.sessionKey);
    signInError = reason;
  }

  async function signIn(event: Event): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const associateId = String(form.get("associateId") ?? "").trim();
    const response = await fetch(`/api/stores/${encodeURIComponent(storeId)}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ associateId, pin: String(form.get("pin") ?? "") }),
    });
    const body = (await response.json()) as {
      token?: string;
      role?: string;
      name?: string;
      error?: { message: string };
    };
    if (!response.ok || !body.token) {
      signInError = body.error?.message ?? t("staff.signInFailed");
      draw();
      return;
    }
    if (page.requireManager && body.role !== "manager") {
      signInError = t("staff.notManager");
      draw();
      return;
    }
    session = {
      token: body.token,
      associateId,
      name: body.name ?? associateId,
      role: body.role ?? "associate",
    };
    localStorage.setItem(page.sessionKey, JSON.stringify(session));
    signInError = "";
    connect();
    draw();
  }

  async function signOut(): Promise<void> {
    if (session) {
      await fetch(`/api/stores/${encodeURIComponent(storeId)}/sessions`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${session.token}` },
      });
    }
    signOutLocally("");
    draw();
  }

  function draw(): void {
    render(
      html`${session ? linkBar(link, linkDetail) : ""}
        <main class=${session && link !== "live" ? "stale" : ""} data-sound-played=${soundPlayed}>${body()}</main>`,
      root,
    );
  }

  function body() {
    if (!session) return signInForm();
    if (!view) return html`<h1>${t("link.connecting")}</h1>`;
    const v = view;
    return html`<header class="row staff-head">
        <h1>${v.me.name}</h1>
        ${presenceSwitch(v.me)}
        <button @click=${() => signOut()}>${t("staff.signOut")}</button>
      </header>
      ${message ? html`<p role="alert" class="badge danger">${message}</p>` : ""}
      ${v.offer ? offerCard(v) : ""} ${v.visit ? servingCard(v) : ""}
      ${v.me.busy === "wrap_up" && v.me.wrapUpUntil ? html`<p class="card" role="status">${t("staff.wrapUp")}</p>` : ""}
      ${page.extra ? page.extra(v, ctx) : ""}
      <div class="staff-columns">
        <section aria-labelledby="line-title">
          <h2 id="line-title">${t("staff.line", { count: v.line.length })}</h2>
          ${lineTable(v.line)}
        </section>
        <section aria-labelledby="colleagues-title">
          <h2 id="colleagues-title">${t("staff.colleagues")}</h2>
          <ul class="colleagues">${v.colleagues.map(colleagueItem)}</ul>
        </section>
      </div>`;
  }

  function signInForm() {
    return html`<h1>${t("staff.signInTitle")}</h1>
      <form class="card sign-in" @submit=${signIn}>
        <label for="associateId">${t("staff.who")}</label>
        <input id="associateId" name="associateId" autocomplete="username" autocapitalize="none" required maxlength="64" />
        <label for="pin">${t("staff.pin")}</label>
        <input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="current-password" pattern="[0-9]{4,8}" required maxlength="8" />
        ${signInError ? html`<p role="alert" class="badge danger">${signInError}</p>` : ""}
        <button class="primary" type="submit">${t("staff.signIn")}</button>
      </form>`;
  }

  function presenceSwitch(me: Colleague) {
    return html`<div class="row presence" role="group" aria-label=${t("staff.presence")}>
      ${(["available", "away", "offline"] as const).map(
        (p) => html`<button aria-pressed=${me.presence === p} data-presence=${p}
          @click=${() => ctx.send("associate:set-presence", { presence: p })}>${t(`presence.${p}`)}</button>`,
      )}
    </div>`;
  }

  function offerCard(v: V) {
    const offer = v.offer;
    if (!offer) return "";
    const seconds = Math.max(0, Math.ceil((offer.deadline - Date.now()) / 1000));
    const visit = offer.visit;
    return html`<section class="card offer" aria-labelledby="offer-title" data-offer=${offer.offerId}>
      <h2 id="offer-title">${t("staff.offerTitle", { code: visit.code })}</h2>
      ${visitDetails(visit)}
      <p class="countdown" role="timer" aria-live="off">${t("staff.countdown", { seconds })}</p>
      <div class="row">
        <button class="primary" @click=${() => ctx.send("offer:accept", { offerId: offer.offerId })}>${t("staff.accept")}</button>
        <button @click=${() => {
          pane = pane === "decline" ? "none" : "decline";
          draw();
        }}>${t("staff.decline")}</button>
      </div>
      ${
        pane === "decline"
          ? html`<form class="row" @submit=${(e: Event) => {
              e.preventDefault();
              const reason = String(new FormData(e.target as HTMLFormElement).get("reason") ?? "");
              void ctx.send("offer:decline", { offerId: offer.offerId, reason });
            }}>
            <label for="reason" class="visually-hidden">${t("staff.reason")}</label>
            <select id="reason" name="reason">
              ${["busy", "not_my_skill", "language", "on_break"].map((r) => html`<option value=${t(`reason.${r}`)}>${t(`reason.${r}`)}</option>`)}
            </select>
            <button type="submit">${t("staff.declineConfirm")}</button>
          </form>`
          : ""
      }
    </section>`;
  }

  function servingCard(v: V) {
    const visit = v.visit;
    if (!visit) return "";
    const elapsed = visit.servingSince ? minutesAgo(visit.servingSince) : 0;
    return html`<section class="card serving" aria-labelledby="serving-title">
      <h2 id="serving-title">${t("staff.serving", { code: visit.code })}</h2>
      ${visit.apologyHint ? html`<p class="badge warn" role="note">${t("staff.apology", { minutes: visit.waitedMin })}</p>` : ""}
      ${visitDetails(visit)}
      <p>${t("staff.elapsed", { minutes: elapsed })}</p>
      <form class="complete" @submit=${(e: Event) => {
        e.preventDefault();
        const form = new FormData(e.target as HTMLFormElement);
        const pressed = (e as SubmitEvent).submitter?.getAttribute("value");
        void ctx.send("visit:complete", {
          visitId: visit.visitId,
          outcome: pressed === "follow_up" || pressed === "not_resolved" ? pressed : "resolved",
          note: String(form.get("note") ?? ""),
        });
      }}>
        <label for="complete-note">${t("staff.note")}</label>
        <input id="complete-note" name="note" maxlength="1000" />
        <div class="row">
          ${(["resolved", "follow_up", "not_resolved"] as const).map(
            (o) =>
              html`<button type="submit" value=${o} class=${o === "resolved" ? "primary" : ""}>${t(`outcome.${o}`)}</button>`,
          )}
        </div>
      </form>
      <div class="row">
        <button @click=${() => {
          pane = pane === "transfer" ? "none" : "transfer";
          draw();
        }}>${t("staff.transfer")}</button>
        <button @click=${() => ctx.send("visit:no-show", { visitId: visit.visitId })}>${t("staff.noShow")}</button>
        <button class="danger" @click=${() => ctx.send("manager:call", { visitId: visit.visitId, note: "" })}>${t("staff.callManager")}</button>
      </div>
      ${pane === "transfer" ? transferForm(v, visit) : ""}
    </section>`;
  }

  function transferForm(v: V, visit: StaffVisit) {
    return html`<form class="card transfer" @submit=${(e: Event) => {
      e.preventDefault();
      const form = new FormData(e.target as HTMLFormElement);
      const target = String(form.get("target") ?? "");
      const [kind, id] = target.split(":");
      void ctx.send("visit:transfer", {
        visitId: visit.visitId,
        ...(kind === "topic" ? { toTopicId: id } : { toAssociateId: id }),
        note: String(form.get("note") ?? ""),
      });
    }}>
      <label for="target">${t("staff.transferTo")}</label>
      <select id="target" name="target" required>
        <optgroup label=${t("staff.topics")}>
          ${v.topics.map((topic) => html`<option value=${`topic:${topic.id}`}>${topic.name}</option>`)}
        </optgroup>
        <optgroup label=${t("staff.colleagues")}>
          ${v.colleagues.map((c) => html`<option value=${`associate:${c.id}`}>${c.name}</option>`)}
        </optgroup>
      </select>
      <label for="transfer-note">${t("staff.transferNote")}</label>
      <input id="transfer-note" name="note" maxlength="500" />
      <button class="primary" type="submit">${t("staff.transferConfirm")}</button>
    </form>`;
  }

  function visitDetails(visit: StaffVisit) {
    return html`<dl class="visit-details">
      <dt>${t("staff.need")}</dt><dd>${visit.topicName}</dd>
      <dt>${t("staff.customer")}</dt><dd>${visit.name || t("staff.noName")}${visit.language ? ` (${visit.language})` : ""}</dd>
      ${visit.note ? html`<dt>${t("staff.noteLabel")}</dt><dd>${visit.note}</dd>` : ""}
      ${visit.notes.map((n) => html`<dt>${t("staff.handover")}</dt><dd>${n.text}</dd>`)}
      <dt>${t("staff.waited")}</dt><dd>${t("staff.minutes", { minutes: visit.waitedMin })}</dd>
    </dl>`;
  }

  function lineTable(line: StaffVisit[]) {
    if (line.length === 0) return html`<p class="muted">${t("staff.lineEmpty")}</p>`;
    return html`<table>
      <thead><tr><th scope="col">${t("staff.code")}</th><th scope="col">${t("staff.need")}</th><th scope="col">${t("staff.customer")}</th><th scope="col">${t("staff.waited")}</th><th scope="col">${t("staff.status")}</th></tr></thead>
      <tbody>
        ${line.map(
          (v) => html`<tr data-visit=${v.visitId}>
            <td>${v.code}</td><td>${v.topicName}</td><td>${v.name}${v.note ? html`<br /><small class="muted">${v.note}</small>` : ""}</td>
            <td>${t("staff.minutes", { minutes: v.waitedMin })}${v.wait ? html`<br /><small class="muted">${waitText(v.wait)}</small>` : ""}</td>
            <td><span class="badge ${v.slaBreached ? "danger" : ""}">${t(`status.${v.status}`)}${v.paused ? ` · ${t("status.paused")}` : ""}</span></td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  function colleagueItem(c: Colleague) {
    return html`<li><span class="badge ${c.presence === "available" ? "ok" : c.presence === "away" ? "warn" : ""}">${t(`presence.${c.presence}`)}</span>
      ${c.name}${c.busy ? html` <small class="muted">${t(`busy.${c.busy}`)}</small>` : ""}${c.connected ? "" : html` <small class="muted">${t("staff.noTablet")}</small>`}</li>`;
  }

  // The countdown ticks every second without a new view.
  window.setInterval(() => {
    if (view?.offer) draw();
  }, 1000);
  connect();
  draw();
}

/** A short two-tone chime for a new offer (browsers allow it once the page has been touched). */
function chime(): void {
  try {
    const audio = new AudioContext();
    for (const [i, frequency] of [660, 880].entries()) {
      const tone = audio.createOscillator();
      tone.frequency.value = frequency;
      tone.connect(audio.destination);
      tone.start(audio.currentTime + i * 0.2);
      tone.stop(audio.currentTime + i * 0.2 + 0.18);
    }
  } catch {
    // No audio on this device: the offer card is still shown.
  }
}

export type { ManagerView };
